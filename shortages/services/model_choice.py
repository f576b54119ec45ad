"""An analyst chooses which learned model scoring uses: activate a stored model, or roll back to the
one active before. Each choice is written in the audit trail (who, which model, which one it
replaced). A choice changes every region's probabilities, so it is for national analysts only.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shortages.models.learning import ModelStatus, PredictionModel
from shortages.services import learning
from stock import scopes
from stock.audit import audit_write


def _require_national_analyst(user) -> None:
    if not scopes.is_national_analyst(user):
        raise PermissionDenied(_("Seul un analyste national choisit le modèle de prévision."))


def _active_version(horizon_months: int) -> int | None:
    return (
        PredictionModel.objects.filter(horizon_months=horizon_months, status=ModelStatus.ACTIVE)
        .values_list("version", flat=True)
        .first()
    )


@transaction.atomic
def active_model_set(*, model_id: int, user) -> PredictionModel:
    """Make stored model ``model_id`` the active one of its horizon (the one active before retires).
    Raises ``PredictionModel.DoesNotExist`` for an unknown model, ``ValidationError`` when it is
    already active."""
    _require_national_analyst(user)
    row = PredictionModel.objects.select_for_update().defer("payload").get(pk=model_id)
    if row.status == ModelStatus.ACTIVE:
        raise ValidationError({"model": [_("Le modèle v%(version)s est déjà actif.") % {"version": row.version}]})
    before, replaced = row.status, _active_version(row.horizon_months)
    row = learning.prediction_model_activate(model_id=model_id, user=user)
    audit_write(
        actor=user,
        action="activate",
        obj=row,
        before={"status": before},
        after={"status": row.status},
        version=row.version,
        replaced=replaced,
    )
    return row


@transaction.atomic
def active_model_roll_back(*, horizon_months: int, user) -> PredictionModel:
    """Re-activate the model that was active before the current one of ``horizon_months``.
    Raises ``ValidationError`` when there is no active model or none was active before it."""
    _require_national_analyst(user)
    replaced = _active_version(horizon_months)
    try:
        row = learning.prediction_model_rollback(horizon_months=horizon_months, user=user)
    except PredictionModel.DoesNotExist as error:
        message = _("Aucun modèle antérieur n'a été actif pour un horizon de %(months)s mois.")
        raise ValidationError({"model": [message % {"months": horizon_months}]}) from error
    audit_write(
        actor=user,
        action="rollback",
        obj=row,
        before={"status": ModelStatus.RETIRED},
        after={"status": row.status},
        version=row.version,
        replaced=replaced,
    )
    return row
