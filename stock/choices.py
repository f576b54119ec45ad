"""Coded values of the stock app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EstablishmentLevel(models.TextChoices):
    HOSPITAL = "hospital", _("Hôpital")
    PRIMARY = "primary", _("Soins de santé primaires")
    WAREHOUSE = "warehouse", _("Entrepôt / dépôt")


class EstablishmentCategory(models.TextChoices):
    CHU = "CHU", _("Centre hospitalier universitaire")
    HIR = "HIR", _("Hôpital interrégional")
    HR = "HR", _("Hôpital régional")
    HP = "HP", _("Hôpital provincial/préfectoral")
    HPR = "HPr", _("Hôpital de proximité")
    HPSYP = "HPsyP", _("Hôpital psychiatrique provincial/préfectoral")
    HPSYR = "HPsyR", _("Hôpital psychiatrique régional")
    CRO = "CRO", _("Centre régional d'oncologie")
    CPU = "CPU", _("Centre psychiatrique universitaire")
    CSR1 = "CSR-1", _("Centre de santé rural niveau 1")
    CSR2 = "CSR-2", _("Centre de santé rural niveau 2")
    CSU1 = "CSU-1", _("Centre de santé urbain niveau 1")
    CSU2 = "CSU-2", _("Centre de santé urbain niveau 2")
    DR = "DR", _("Dispensaire rural")
    LSP = "LSP", _("Laboratoire de santé publique")
    CRSR = "CRSR", _("Centre de référence en santé de reproduction")
    CDTMR = "CDTMR", _("Centre de diagnostic et de traitement des maladies respiratoires")
    DEPOT = "DEP", _("Dépôt / entrepôt")


class VenClass(models.TextChoices):
    VITAL = "V", _("Vital")
    ESSENTIAL = "E", _("Essentiel")
    NON_ESSENTIAL = "N", _("Non essentiel")


class ProductOrigin(models.TextChoices):
    LOCAL = "local", _("Fabriqué au Maroc")
    IMPORTED = "imported", _("Importé")
    UNKNOWN = "unknown", _("Inconnu")


class ProductStatus(models.TextChoices):
    MARKETED = "marketed", _("Commercialisé")
    NOT_MARKETED = "not_marketed", _("Non commercialisé")
    WITHDRAWN = "withdrawn", _("Retiré")


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Réception")
    ISSUE = "issue", _("Sortie (consommation)")
    TRANSFER_OUT = "transfer_out", _("Transfert sortant")
    TRANSFER_IN = "transfer_in", _("Transfert entrant")
    ADJUSTMENT_PLUS = "adjustment_plus", _("Ajustement positif")
    ADJUSTMENT_MINUS = "adjustment_minus", _("Ajustement négatif")
    LOSS = "loss", _("Perte")
    COUNT = "count", _("Inventaire physique")


class LossReason(models.TextChoices):
    EXPIRED = "expired", _("Périmé")
    DAMAGED = "damaged", _("Endommagé")
    STOLEN = "stolen", _("Volé")


class MovementSource(models.TextChoices):
    API = "api", _("API")
    UPLOAD = "upload", _("Téléversement")
    FORM = "form", _("Formulaire")
    REPORT = "report", _("Rapport mensuel")
    GENERATED = "generated", _("Données générées")


class TransferStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("En transit")
    RECEIVED = "received", _("Reçu")
    CANCELLED = "cancelled", _("Annulé")


class ImportKind(models.TextChoices):
    MONTHLY_REPORT = "monthly_report", _("Rapport mensuel de stock")
    DECLARATION = "declaration", _("Déclaration d'approvisionnement")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    SUCCEEDED = "succeeded", _("Réussi")
    FAILED = "failed", _("Échoué")
