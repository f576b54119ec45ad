"""Coded values of the partners app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    FEDERATION = "federation", _("Fédération")
    ASSOCIATION = "association", _("Association")
    CLUSTER = "cluster", _("Cluster")
    COUNCIL = "council", _("Conseil professionnel")
    AUTHORITY = "authority", _("Autorité publique")
    COMPANY = "company", _("Entreprise")
    ACADEMIC = "academic", _("Institution académique")
    FOREIGN = "foreign", _("Partenaire étranger")


class SupplierRole(models.TextChoices):
    HOLDER = "holder", _("Titulaire de l'AMM")
    MANUFACTURER = "manufacturer", _("Fabricant")
    IMPORTER = "importer", _("Importateur")
    DISTRIBUTOR = "distributor", _("Distributeur")


class AgreementKind(models.TextChoices):
    ROADMAP = "roadmap", _("Feuille de route")
    PROTOCOL = "protocol", _("Protocole d'accord")
    MEMORANDUM = "memorandum", _("Mémorandum d'entente")
    CONSULTATION = "consultation", _("Concertation")
    CONVENTION = "convention", _("Convention")


class CommitmentCategory(models.TextChoices):
    REGULATION = "regulation", _("Réglementation")
    INSTITUTION = "institution", _("Institution")
    INVESTMENT = "investment", _("Investissement et industrialisation")
    LOCAL_SOURCING = "local_sourcing", _("Achat local")
    RESEARCH = "research", _("Recherche et essais cliniques")
    SUPPLY = "supply", _("Gestion de l'approvisionnement")
    INFORMATION = "information", _("Système d'information")
    COORDINATION = "coordination", _("Concertation")


class CommitmentStatus(models.TextChoices):
    ACHIEVED = "achieved", _("Atteint")
    ON_TRACK = "on_track", _("En bonne voie")
    AT_RISK = "at_risk", _("À risque")
    LATE = "late", _("En retard")
    NOT_STARTED = "not_started", _("Sans suivi")


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Soumise")
    ACCEPTED = "accepted", _("Acceptée")
    REJECTED = "rejected", _("Rejetée")


class DisruptionCause(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Fabrication ou qualité")
    API = "api", _("Principe actif ou matière première")
    DEMAND = "demand", _("Hausse de la demande")
    REGULATORY = "regulatory", _("Réglementaire")
    LOGISTICS = "logistics", _("Logistique ou transport")
    DISCONTINUATION = "discontinuation", _("Arrêt de commercialisation")
    IMPORT = "import", _("Importation")
    OTHER = "other", _("Autre")


class SupplyKind(models.TextChoices):
    PRODUCTION = "production", _("Production locale")
    IMPORT = "import", _("Importation")
