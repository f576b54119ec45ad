"""Commitments with their latest reported value and derived status."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from partners.commitment_status import StatusInputs, commitment_status
from partners.models import Commitment, CommitmentProgress


def commitments_annotated(*, today: dt.date, queryset: QuerySet[Commitment] | None = None) -> QuerySet[Commitment]:
    """Commitments with ``latest_value`` / ``latest_reported_on`` (the last entry reported on or
    before ``today``) and ``effective_start`` (start date, else the agreement's signing date)."""
    latest = CommitmentProgress.objects.filter(commitment=OuterRef("pk"), reported_on__lte=today).order_by(
        "-reported_on", "-id"
    )
    queryset = queryset if queryset is not None else Commitment.objects.all()
    return queryset.select_related("agreement", "party").annotate(
        latest_value=Subquery(latest.values("value")[:1]),
        latest_reported_on=Subquery(latest.values("reported_on")[:1]),
        effective_start=Coalesce("start_date", "agreement__signed_on"),
    )


def with_status(commitments, *, today: dt.date) -> list[Commitment]:
    """Evaluate the status rule on annotated commitments (no query per row); sets ``status``."""
    rows = list(commitments)
    for commitment in rows:
        commitment.status = commitment_status(
            StatusInputs(
                baseline=commitment.baseline,
                target=commitment.target,
                start_date=commitment.effective_start,
                due_date=commitment.due_date,
                latest_value=commitment.latest_value,
            ),
            today=today,
        )
    return rows


def commitment_list(*, today: dt.date, queryset: QuerySet[Commitment] | None = None) -> list[Commitment]:
    """Annotated commitments with their ``status`` (two-step: one query, then the pure rule)."""
    return with_status(commitments_annotated(today=today, queryset=queryset), today=today)
