"""The schedule: nightly and debounced runs after data changes, thin tasks over the services."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

from config.celery import app
from shortages.choices import RunStatus
from shortages.models import ScoringRun
from shortages.tasks import DEBOUNCE_KEY, scoring_watch
from stock.models import StockLevel
from tests.shortages.conftest import build_positions

pytestmark = pytest.mark.django_db


def test_the_beat_schedule_scores_nightly_and_watches_for_changes():
    schedule = app.conf.beat_schedule
    assert schedule["shortages-nightly-scoring"]["task"] == "shortages.tasks.scoring_dispatch"
    assert schedule["shortages-scoring-watch"]["task"] == "shortages.tasks.scoring_watch"


def test_a_data_change_requests_one_debounced_run(eager_tasks, django_capture_on_commit_callbacks):
    # given data never scored
    cache.delete(DEBOUNCE_KEY)
    build_positions(establishments=1, medicines=2)
    # when the watch fires: a run
    with django_capture_on_commit_callbacks(execute=True):
        assert scoring_watch.delay().get() is True
    assert ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 1
    # nothing changed since: no run
    assert scoring_watch.delay().get() is False
    # a stock level moves while the debounce window is open: no second run yet
    level = StockLevel.objects.first()
    level.quantity += 5
    level.save(update_fields=["quantity", "updated_at"])
    assert scoring_watch.delay().get() is False
    assert ScoringRun.objects.count() == 1
    # once the window has passed, the change is scored
    cache.delete(DEBOUNCE_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        assert scoring_watch.delay().get() is True
    assert ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 2
    # on PostgreSQL the same day is re-scored incrementally (changed positions only)
    expected = {"postgresql": "incremental"}.get(connection.vendor, "full")
    assert ScoringRun.objects.order_by("-id").first().scope == expected


def test_no_second_run_starts_while_one_of_the_day_is_running(eager_tasks, django_capture_on_commit_callbacks):
    # given a run of the day in progress (recent, so not stale)
    from shortages.tasks import scoring_run_request
    from tests.shortages.conftest import AS_OF

    build_positions(establishments=1, medicines=1)
    running = ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.RUNNING)
    # when another run of that day is requested
    with django_capture_on_commit_callbacks(execute=True):
        requested = scoring_run_request(as_of=AS_OF, trigger="test")
    # then it is refused with the reason, and the running one is untouched
    requested.refresh_from_db()
    assert requested.status == RunStatus.FAILED and f"run {running.pk}" in requested.error
    running.refresh_from_db()
    assert running.status == RunStatus.RUNNING


def test_a_changed_ven_class_requests_a_full_run_that_applies_it(eager_tasks, django_capture_on_commit_callbacks):
    # given data scored once (the watch's first run), nothing changed since
    from stock.models import Medicine

    cache.delete(DEBOUNCE_KEY)
    build_positions(establishments=1, medicines=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert scoring_watch.delay().get() is True
    cache.delete(DEBOUNCE_KEY)
    assert scoring_watch.delay().get() is False
    # when a medicine's VEN class changes (load_medicine_classes writes no stock level)
    medicine = Medicine.objects.order_by("pk").first()
    medicine.ven_class = "V" if medicine.ven_class != "V" else "N"
    medicine.save(update_fields=["ven_class"])
    with django_capture_on_commit_callbacks(execute=True):
        assert scoring_watch.delay().get() is True
    # then a full run re-scored every position with it, and the watch is quiet again
    run = ScoringRun.objects.order_by("-id").first()
    assert (run.status, run.scope, run.trigger) == (RunStatus.SUCCEEDED, "full", "conditions")
    assert scoring_watch.delay().get() is False
