"""When to score again: has the data changed since the last run started?"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Max

from partners.models import SupplyDeclaration
from shortages.choices import RunScope, RunStatus
from shortages.models import PredictionBatch, ScoringRun
from shortages.services import inputs, scores
from stock.models import ImportJob, StockLevel


def scoring_data_changed_since_last_run() -> bool:
    """True when a stock level moved, an import finished or a declaration was reviewed after the
    start of the latest succeeded run (or when no run ever succeeded). Four aggregate queries."""
    last = ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).aggregate(at=Max("started_at"))["at"]
    if last is None:
        return StockLevel.objects.exists()
    return (
        StockLevel.objects.filter(updated_at__gt=last).exists()
        or ImportJob.objects.filter(finished_at__gt=last).exists()
        or SupplyDeclaration.objects.filter(reviewed_at__gt=last).exists()
    )


def predictions_unpublished() -> bool:
    """True when month-end predictions were computed after the start of the latest succeeded run
    and no run is pending or running to publish them (the run their refresh requested could not
    start beside another one): a full run must read them, an incremental one would not."""
    last = ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).aggregate(at=Max("started_at"))["at"]
    if last is None or ScoringRun.objects.filter(status__in=[RunStatus.PENDING, RunStatus.RUNNING]).exists():
        return False
    return PredictionBatch.objects.filter(computed_at__gt=last, positions__gt=0).exists()


def conditions_changed_since_last_run(*, as_of: dt.date) -> bool:
    """True when what the alert conditions depend on besides the stored figures (the parameters and
    each medicine's VEN class, :func:`scores.conditions_key`) differs from what the latest succeeded
    run evaluated with, and no run is pending or running: a class loaded by
    ``load_medicine_classes`` or a changed setting then needs a full run, which re-scores every
    position (an incremental one re-scores only those whose stock moved). Three queries."""
    if ScoringRun.objects.filter(status__in=[RunStatus.PENDING, RunStatus.RUNNING]).exists():
        return False
    latest = (
        ScoringRun.objects.filter(status=RunStatus.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .values_list("conditions_key", flat=True)
        .first()
    )
    if latest is None:
        return False
    return latest != scores.conditions_key(inputs.scoring_params(as_of=as_of), inputs.medicines_frame())


def incremental_possible(*, as_of: dt.date) -> bool:
    """An incremental run needs a succeeded run of the same day to start from, and PostgreSQL (its
    change queries use arrays)."""
    return (
        connection.vendor == "postgresql"
        and ScoringRun.objects.filter(as_of=as_of, status=RunStatus.SUCCEEDED, started_at__isnull=False).exists()
    )


@transaction.atomic
def scoring_run_pending_create(*, as_of: dt.date, trigger: str) -> ScoringRun:
    """A full run of ``as_of`` that waits for its dispatcher (the task layer enqueues it)."""
    return ScoringRun.objects.create(as_of=as_of, scope=RunScope.FULL, trigger=trigger)
