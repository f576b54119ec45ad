"""Coded values of the shortages app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    CRITICAL = "critical", _("Critique")
    HIGH = "high", _("Élevé")
    MEDIUM = "medium", _("Moyen")
    LOW = "low", _("Faible")
    UNKNOWN = "unknown", _("Données insuffisantes")


class StockStatus(models.TextChoices):
    STOCKED_OUT = "stocked_out", _("En rupture")
    BELOW_EMERGENCY = "below_emergency", _("Sous le seuil d'urgence")
    UNDERSTOCKED = "understocked", _("Sous-stocké")
    ADEQUATE = "adequate", _("Adéquat")
    OVERSTOCKED = "overstocked", _("Surstocké")
    NO_CONSUMPTION = "no_consumption", _("Sans consommation")
    INSUFFICIENT_DATA = "insufficient_data", _("Données insuffisantes")


class RunStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    SUCCEEDED = "succeeded", _("Réussi")
    FAILED = "failed", _("Échoué")


class RunScope(models.TextChoices):
    FULL = "full", _("Complet")
    INCREMENTAL = "incremental", _("Incrémental")


class AlertKind(models.TextChoices):
    STOCKOUT = "stockout", _("Rupture de stock")
    BELOW_EMERGENCY = "below_emergency", _("Sous le seuil d'urgence")
    HIGH_PROBABILITY = "high_probability", _("Probabilité de rupture élevée")
    EXPIRY = "expiry", _("Péremption")
    NATIONAL_RISK = "national_risk", _("Risque national")
    SAFETY_STOCK = "safety_stock", _("Stock de sécurité non respecté")
    DISRUPTION = "disruption", _("Perturbation déclarée")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Ouverte")
    ACKNOWLEDGED = "acknowledged", _("Prise en charge")
    RESOLVED = "resolved", _("Résolue")
    CLOSED = "closed", _("Close automatiquement")


# An alert in one of these states blocks opening another for the same key.
ACTIVE_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlertEventKind(models.TextChoices):
    OPENED = "opened", _("Ouverte")
    ESCALATED = "escalated", _("Aggravée")
    DEESCALATED = "deescalated", _("Atténuée")
    ACKNOWLEDGED = "acknowledged", _("Prise en charge")
    ASSIGNED = "assigned", _("Assignée")
    COMMENTED = "commented", _("Commentée")
    RESOLVED = "resolved", _("Résolue")
    CLOSED = "closed", _("Close automatiquement")


class ShortageStatus(models.TextChoices):
    ANTICIPATED = "anticipated", _("Anticipée")
    ONGOING = "ongoing", _("En cours")
    RESOLVED = "resolved", _("Résolue")
    AVOIDED = "avoided", _("Évitée")


class ShortageCause(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Fabrication ou qualité")
    API = "api", _("Principe actif ou matière première")
    DEMAND = "demand", _("Hausse de la demande")
    REGULATORY = "regulatory", _("Réglementaire")
    LOGISTICS = "logistics", _("Logistique ou transport")
    DISCONTINUATION = "discontinuation", _("Arrêt de commercialisation")
    IMPORT = "import", _("Importation")
    OTHER = "other", _("Autre")


class ShortageScope(models.TextChoices):
    NATIONAL = "national", _("Nationale")
    REGIONAL = "regional", _("Régionale")
    ESTABLISHMENT = "establishment", _("Établissement")


class ActionKind(models.TextChoices):
    ALTERNATIVE = "alternative", _("Alternative thérapeutique")
    EXCEPTIONAL_IMPORT = "exceptional_import", _("Importation exceptionnelle")
    REALLOCATION = "reallocation", _("Réallocation entre établissements")
    RATIONING = "rationing", _("Contingentement")
    PRODUCTION_INCREASE = "production_increase", _("Hausse de production")
    OTHER = "other", _("Autre")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Prévue")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Réalisée")
    CANCELLED = "cancelled", _("Annulée")
