"""Score history is kept for the retention settings: rows that stopped holding go, rows that hold stay."""

from __future__ import annotations

import datetime as dt

import pytest

from config.celery import app
from shortages import tasks
from shortages.choices import RunStatus
from shortages.models import PositionPrediction, PositionSums, RiskScore, ScoringRun
from shortages.scoring.sums import SUM_COLUMNS
from shortages.services import retention
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


def _days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def test_the_purge_keeps_what_holds_and_what_is_recent(settings):
    # given 90 days of position history and two years of national history
    settings.SCORE_POSITION_RETENTION_DAYS = 90
    settings.SCORE_NATIONAL_RETENTION_DAYS = 730
    site, drug = factories.EstablishmentFactory(), factories.MedicineFactory()
    run = ScoringRun.objects.create(as_of=_days_ago(400), status=RunStatus.SUCCEEDED)
    failed = ScoringRun.objects.create(as_of=_days_ago(200), status=RunStatus.FAILED)
    ScoringRun.objects.filter(pk=failed.pk).update(created_at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC))

    def position(started: int, ended: int | None) -> RiskScore:
        return RiskScore.objects.create(
            run=run,
            establishment=site,
            medicine=drug,
            as_of=_days_ago(started),
            valid_until=None if ended is None else _days_ago(ended),
            stock_status="adequate",
        )

    stopped_long_ago, stopped_lately, still_holding = position(400, 120), position(120, 30), position(30, None)
    old_national = RiskScore.objects.create(run=run, medicine=drug, as_of=_days_ago(800), stock_status="adequate")
    recent_national = RiskScore.objects.create(run=run, medicine=drug, as_of=_days_ago(400), stock_status="adequate")
    for month in (dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 5, 1)):
        PositionPrediction.objects.create(
            month=month, model_version=1, establishment_id=site.pk, medicine_id=drug.pk, probability=0.5
        )
    counts = dict.fromkeys(SUM_COLUMNS, 1)
    for days in (120, 30):
        PositionSums.objects.create(as_of=_days_ago(days), run=run, medicine=drug, horizon_months=2.0, **counts)
    # when
    purged = retention.score_history_purge(today=TODAY)
    # then
    assert (purged.positions, purged.national, purged.failed_runs, purged.predictions, purged.sums) == (1, 1, 1, 1, 1)
    assert list(PositionSums.objects.values_list("as_of", flat=True)) == [_days_ago(30)]
    assert sorted(PositionPrediction.objects.values_list("month", flat=True)) == [
        dt.date(2026, 3, 1),
        dt.date(2026, 5, 1),
    ]
    kept = set(RiskScore.objects.values_list("pk", flat=True))
    assert kept == {stopped_lately.pk, still_holding.pk, recent_national.pk}
    assert stopped_long_ago.pk not in kept and old_national.pk not in kept
    assert set(ScoringRun.objects.values_list("pk", flat=True)) == {run.pk}


def test_a_deleted_run_or_medicine_takes_its_stored_sums_with_it():
    # given the sums of two runs and two medicines (their keys are checked by the ORM, not the database)
    kept_drug, gone_drug = factories.MedicineFactory(), factories.MedicineFactory()
    kept_run = ScoringRun.objects.create(as_of=_days_ago(1), status=RunStatus.SUCCEEDED)
    gone_run = ScoringRun.objects.create(as_of=_days_ago(2), status=RunStatus.FAILED)
    counts = dict.fromkeys(SUM_COLUMNS, 1)
    for run in (kept_run, gone_run):
        for drug in (kept_drug, gone_drug):
            PositionSums.objects.create(as_of=run.as_of, run=run, medicine=drug, horizon_months=2.0, **counts)
    # when
    gone_run.delete()
    gone_drug.delete()
    # then only the sums of the run and the medicine left stay
    assert list(PositionSums.objects.values_list("run_id", "medicine_id")) == [(kept_run.pk, kept_drug.pk)]


def test_the_purge_runs_every_night_on_beat():
    app.loader.import_default_modules()  # the tasks of every installed app, as a worker loads them
    entry = app.conf.beat_schedule["shortages-score-history-purge"]
    assert entry["task"] == tasks.score_history_purge.name
    assert entry["task"] in app.tasks
