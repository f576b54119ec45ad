"""Progress reported on commitments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Commitment, CommitmentProgress
from stock import scopes
from stock.audit import audit_write


def can_report_progress(*, user, commitment: Commitment) -> bool:
    """National analysts, and the users of the committing party, report progress: a commitment is
    national data, which a regional analyst reads and does not write (``stock.scopes``)."""
    if scopes.is_national_analyst(user):
        return True
    return bool(user and user.is_authenticated and commitment.party.users.filter(pk=user.pk).exists())


@transaction.atomic
def commitment_progress_report(
    *, user, commitment: Commitment, reported_on: dt.date, value: Decimal, comment: str = ""
) -> CommitmentProgress:
    """Record the indicator's value on ``reported_on`` (never in the future; for a qualitative
    commitment, the percent complete between 0 and 100)."""
    if not can_report_progress(user=user, commitment=commitment):
        raise PermissionDenied(
            _("Seuls la partie engagée et les analystes nationaux rendent compte de cet engagement.")
        )
    errors: dict[str, list[str]] = {}
    if reported_on > timezone.localdate():
        errors["reported_on"] = [_("La date ne peut pas être dans le futur.")]
    if commitment.target is None and not (0 <= value <= 100):
        errors["value"] = [_("Engagement qualitatif : indiquez un avancement entre 0 et 100 %.")]
    if errors:
        raise ValidationError(errors)
    progress = CommitmentProgress.objects.create(
        commitment=commitment, reported_on=reported_on, value=value, comment=comment.strip(), reported_by=user
    )
    audit_write(
        actor=user,
        action="create",
        obj=progress,
        after={"reported_on": reported_on, "value": value},
        commitment=commitment.pk,
        comment=progress.comment,
    )
    return progress
