"""How long score history is kept: position rows for ``SCORE_POSITION_RETENTION_DAYS``, national
rows (the medicine pages' trend charts) for ``SCORE_NATIONAL_RETENTION_DAYS``.

A position row is only written when the position's figures change, and holds until a later row
replaces it: the rule deletes the rows that stopped holding before the cut-off day, never a row
that still holds (a position unchanged for a year keeps the row that says so). National rows hold
for their own day and are deleted once that day is older than their cut-off. Runs that failed
are deleted with their rows; a run whose rows are all gone stays (its figures: positions,
duration, alerts opened), so the runs list keeps its history. The learned models' month-end
predictions are kept for ``PREDICTION_RETENTION_MONTHS`` months (the scoring reads the last one).
The days' position sums (read by the incremental runs of their own day) go with the position rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shortages.choices import RunStatus
from shortages.models import PositionPrediction, PositionSums, PredictionBatch, RiskScore, ScoringRun


@dataclass(frozen=True)
class Purged:
    positions: int
    national: int
    failed_runs: int
    predictions: int
    sums: int


@transaction.atomic
def score_history_purge(*, today: dt.date | None = None) -> Purged:
    """Delete the score rows and predictions older than the retention settings (see the module)."""
    today = today or timezone.localdate()
    position_cut = today - dt.timedelta(days=settings.SCORE_POSITION_RETENTION_DAYS)
    national_cut = today - dt.timedelta(days=settings.SCORE_NATIONAL_RETENTION_DAYS)
    positions, _ = RiskScore.objects.positions().filter(valid_until__lte=position_cut).delete()
    national, _ = RiskScore.objects.national().filter(as_of__lt=national_cut).delete()
    failed, _ = ScoringRun.objects.filter(status=RunStatus.FAILED, created_at__date__lt=position_cut).delete()
    month_cut = (pd.Timestamp(today).to_period("M") - settings.PREDICTION_RETENTION_MONTHS).to_timestamp().date()
    predictions, _ = PositionPrediction.objects.filter(month__lt=month_cut).delete()
    PredictionBatch.objects.filter(month__lt=month_cut).delete()
    sums, _ = PositionSums.objects.filter(as_of__lt=position_cut).delete()
    return Purged(positions=positions, national=national, failed_runs=failed, predictions=predictions, sums=sums)
