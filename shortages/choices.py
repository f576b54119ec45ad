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
    EXPIRED_STOCK = "expired_stock", _("Stock périmé à retirer")
    REGIONAL_STOCKOUT = "regional_stockout", _("Ruptures dans la région")
    NATIONAL_RISK = "national_risk", _("Risque national")
    SAFETY_STOCK = "safety_stock", _("Stock de sécurité non respecté")
    DISRUPTION = "disruption", _("Perturbation déclarée")


# Alerts of one position (establishment, medicine): they belong to the establishment's users and to
# the analysts of its region or province. A regional roll-up covers a medicine in a region; national
# alerts cover a medicine in the whole country.
POSITION_ALERT_KINDS = (
    AlertKind.STOCKOUT,
    AlertKind.BELOW_EMERGENCY,
    AlertKind.HIGH_PROBABILITY,
    AlertKind.EXPIRY,
    AlertKind.EXPIRED_STOCK,
)
REGIONAL_ALERT_KINDS = (AlertKind.REGIONAL_STOCKOUT,)
NATIONAL_ALERT_KINDS = (AlertKind.NATIONAL_RISK, AlertKind.SAFETY_STOCK, AlertKind.DISRUPTION)
# Order of the levels, for comparisons (escalation, subscriptions' minimum level).
LEVEL_RANK = {"unknown": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


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
    SNOOZED = "snoozed", _("Mise en sommeil")


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
