"""The audit trail in words for the journal page: actions, objects and fields by their French label,
coded values by their label, and each change as "before → after".

The trail keeps codes (``create``, ``shortages.shortage``, ``status: ["open", "acknowledged"]``) for
the API; this module only reads them. Object types are resolved through the app registry, so that
the stock app names the other apps' rows without importing them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ACTION_LABELS = {
    "create": gettext_lazy("Création"),
    "update": gettext_lazy("Modification"),
    "partial_update": gettext_lazy("Modification"),
    "destroy": gettext_lazy("Suppression"),
    "delete": gettext_lazy("Suppression"),
    "login": gettext_lazy("Connexion"),
    "logout": gettext_lazy("Déconnexion"),
    "acknowledge": gettext_lazy("Prise en charge"),
    "assign": gettext_lazy("Assignation"),
    "comment": gettext_lazy("Commentaire"),
    "resolve": gettext_lazy("Résolution"),
    "snooze": gettext_lazy("Mise en sommeil"),
    "import": gettext_lazy("Import de fichier"),
    "upload": gettext_lazy("Dépôt de fichier"),
    "accept": gettext_lazy("Acceptation"),
    "reject": gettext_lazy("Rejet"),
    "revoke": gettext_lazy("Révocation"),
    "bulk": gettext_lazy("Lot de mouvements"),
    "receive": gettext_lazy("Réception"),
    "cancel": gettext_lazy("Annulation"),
    "from_alert": gettext_lazy("Inscription depuis une alerte"),
    "from_declaration": gettext_lazy("Inscription depuis une déclaration"),
    "read": gettext_lazy("Lecture"),
    "activate": gettext_lazy("Activation"),
    "rollback": gettext_lazy("Retour au modèle précédent"),
}
OBJECT_LABELS = {
    "stock.stockmovement": gettext_lazy("Mouvement de stock"),
    "stock.transfer": gettext_lazy("Transfert"),
    "stock.monthlyreport": gettext_lazy("Rapport mensuel"),
    "stock.importjob": gettext_lazy("Import"),
    "stock.apitoken": gettext_lazy("Jeton d'API"),
    "stock.region": gettext_lazy("Région"),
    "stock.province": gettext_lazy("Province"),
    "stock.establishment": gettext_lazy("Établissement"),
    "stock.medicine": gettext_lazy("Médicament"),
    "stock.product": gettext_lazy("Produit"),
    "partners.organization": gettext_lazy("Organisation"),
    "partners.company": gettext_lazy("Entreprise"),
    "partners.membership": gettext_lazy("Adhésion"),
    "partners.productsupplier": gettext_lazy("Fournisseur d'un produit"),
    "partners.agreement": gettext_lazy("Accord"),
    "partners.commitment": gettext_lazy("Engagement"),
    "partners.commitmentprogress": gettext_lazy("Avancement d'un engagement"),
    "partners.supplydeclaration": gettext_lazy("Déclaration"),
    "shortages.shortage": gettext_lazy("Rupture"),
    "shortages.mitigationaction": gettext_lazy("Action d'atténuation"),
    "shortages.alert": gettext_lazy("Alerte"),
    "shortages.scoringrun": gettext_lazy("Calcul des scores"),
    "shortages.subscription": gettext_lazy("Abonnement aux alertes"),
    "shortages.notification": gettext_lazy("Notification"),
    "shortages.predictionmodel": gettext_lazy("Modèle de prévision"),
    "auth.user": gettext_lazy("Utilisateur"),
}
# Writes recorded by the generic layer for a page without a model: (action, object) in words.
VIEW_LABELS = {
    "login": (gettext_lazy("Connexion"), gettext_lazy("Session")),
    "logout": (gettext_lazy("Déconnexion"), gettext_lazy("Session")),
    "stock:report_upload": (gettext_lazy("Dépôt de fichier"), gettext_lazy("Rapports mensuels")),
    "shortages:alert_preferences": (gettext_lazy("Modification"), gettext_lazy("Préférences d'alerte")),
}
FIELD_LABELS = {
    "status": gettext_lazy("Statut"),
    "cause": gettext_lazy("Cause"),
    "scope": gettext_lazy("Portée"),
    "region": gettext_lazy("Région"),
    "establishment": gettext_lazy("Établissement"),
    "medicine": gettext_lazy("Médicament"),
    "started_on": gettext_lazy("Début"),
    "expected_end": gettext_lazy("Fin prévue"),
    "actual_end": gettext_lazy("Fin réelle"),
    "description": gettext_lazy("Description"),
    "kind": gettext_lazy("Type"),
    "owner": gettext_lazy("Responsable"),
    "due_date": gettext_lazy("Échéance"),
    "quantity": gettext_lazy("Quantité"),
    "assignee": gettext_lazy("Assignée à"),
    "snoozed_until": gettext_lazy("En sommeil jusqu'au"),
    "comment": gettext_lazy("Commentaire"),
    "name": gettext_lazy("Nom"),
    "company": gettext_lazy("Entreprise"),
    "month": gettext_lazy("Mois"),
    "version": gettext_lazy("Version"),
    "stock_on_hand": gettext_lazy("Stock"),
    "monthly_sales": gettext_lazy("Ventes mensuelles"),
    "disruption": gettext_lazy("Perturbation"),
    "disruption_cause": gettext_lazy("Cause de la perturbation"),
    "reported_on": gettext_lazy("Date de la mesure"),
    "value": gettext_lazy("Valeur"),
    "commitment": gettext_lazy("Engagement n°"),
    "shortage": gettext_lazy("Rupture n°"),
    "alert": gettext_lazy("Alerte n°"),
    "declaration": gettext_lazy("Déclaration n°"),
    "file": gettext_lazy("Fichier"),
    "declarations": gettext_lazy("Déclarations enregistrées"),
    "ids": gettext_lazy("Numéros"),
    "username": gettext_lazy("Identifiant"),
    "password": gettext_lazy("Mot de passe"),
    "next": gettext_lazy("Page demandée"),
    "replace": gettext_lazy("Remplacer"),
    "replaced": gettext_lazy("Version remplacée"),
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Keys of the generic layer's entries that describe the request rather than the object.
REQUEST_KEYS = frozenset({"view", "method", "path", "status", "request_id", "data"})


@dataclass(frozen=True)
class AuditDescription:
    """One journal entry in words: what was done, to what, and the details (label, text)."""

    action: str
    object: str
    details: list[tuple[str, str]] = field(default_factory=list)


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _object_label(object_type: str) -> str:
    if object_type in OBJECT_LABELS:
        return str(OBJECT_LABELS[object_type])
    model = _model(object_type)
    return str(model._meta.verbose_name).capitalize() if model is not None else object_type


def _value_text(model: type[models.Model] | None, name: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, list):
        return ", ".join(_value_text(None, name, item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key} : {_value_text(None, key, item)}" for key, item in value.items())
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    if model is not None:
        try:
            choices = dict(model._meta.get_field(name).flatchoices)
        except Exception:  # noqa: BLE001 - not a field of the model: the value is shown as it is
            choices = {}
        if value in choices:
            return str(choices[value])
    return str(value)


def _field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))


def audit_describe(entry: Any) -> AuditDescription:
    """``entry`` (an ``AuditEntry``) in words for the journal page."""
    changes = entry.changes or {}
    view = changes.get("view", "")
    if view in VIEW_LABELS:
        action, obj = (str(label) for label in VIEW_LABELS[view])
    else:
        action = str(ACTION_LABELS.get(entry.action, entry.action))
        obj = _object_label(entry.object_type)
    model = _model(entry.object_type)
    details = []
    generic = "view" in changes
    for name, value in changes.items():
        if name == "request_id" or (generic and name in REQUEST_KEYS):
            continue
        if isinstance(value, list) and len(value) == 2 and name not in ("ids",):
            before, after = (_value_text(model, name, item) for item in value)
            text = after if before == "—" else f"{before} → {after}"
        else:
            text = _value_text(model, name, value)
        details.append((_field_label(name), text))
    submitted = changes.get("data") if generic else None
    if isinstance(submitted, dict):
        details.extend(
            (_field_label(str(name)), _value_text(model, str(name), value))
            for name, value in submitted.items()
            if value not in (None, "", [])
        )
    return AuditDescription(action=action, object=obj, details=details)
