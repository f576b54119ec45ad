"""A full run on PostgreSQL outside a transaction prepares its publication while its chunks are
stored: the rows each chunk replaces are closed in the publication's own transaction (nobody sees
them closed before it commits), each chunk's sums and alert conditions are computed by its writer,
and what is published is what a run inside one transaction publishes."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest
from django.db import connection, transaction
from django.utils import timezone

from shortages.choices import ACTIVE_ALERT_STATUSES, RunStatus
from shortages.models import Alert, AlertEvent, RiskScore, ScoringRun
from shortages.scoring.sums import position_sums
from shortages.services import day_sums, inputs, position_rows, scores
from shortages.services.alerts import alert_resolve
from stock.models import StockLevel
from tests import factories
from tests.shortages.conftest import AS_OF, build_positions, failing_on_call

FIRST, SECOND = AS_OF - dt.timedelta(days=2), AS_OF - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _every_chunk_closed_beside(monkeypatch):
    """The worlds here are small: a chunk that rewrites one position of three is a third of it."""
    monkeypatch.setattr(scores, "CLOSE_BESIDE_SHARE", 1.0)


def _published(day: dt.date) -> dict:
    """What readers read of ``day``: each position's figures, the national rows, the alerts that hold."""
    positions = inputs.stored_positions_frame(as_of=day).sort_values(position_rows.POSITION_KEYS).fillna(-1)
    national = RiskScore.objects.national().filter(as_of=day).order_by("medicine_id")
    alerts = Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES, clear_runs=0)  # whose condition holds
    return {
        "positions": positions.reset_index(drop=True).to_dict("records"),
        "national": list(national.values_list("medicine_id", "score", "level", "figures", "contributions")),
        "alerts": set(alerts.values_list("kind", "medicine_id", "establishment_id", "region_id", "level")),
    }


def _holding(day: dt.date) -> pd.DataFrame:
    """Each position's holding rows on ``day`` with their run."""
    rows = RiskScore.objects.positions().published_on(day).values("establishment_id", "medicine_id", "run_id", "as_of")
    return pd.DataFrame(list(rows))


def _on_another_connection(work):
    """What ``work`` returns, run in a thread of its own on its own connection (autocommit)."""
    result = []

    def run():
        try:
            result.append(work())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]


def _scored_then_moved(settings) -> tuple[ScoringRun, list[int]]:
    """A first day scored in chunks of one establishment, then a third of the positions run out."""
    settings.SCORING_CHUNK_SIZE = 1
    build_positions(establishments=4, medicines=3, seed=11)
    first = scores.scoring_run_execute(as_of=FIRST, trigger="test")
    out = list(StockLevel.objects.order_by("pk").values_list("pk", flat=True)[::3])
    StockLevel.objects.filter(pk__in=out).update(quantity=0, updated_at=timezone.now())
    return first, out


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_each_chunk_s_replaced_rows_are_closed_in_the_publication_s_transaction_unseen_until_it_commits(
    settings, monkeypatch
):
    first, out = _scored_then_moved(settings)
    closes, looked_up, seen = [], [], {}
    rows_close, publish = position_rows.rows_close, scores.scoring_run_publish

    def close_spy(**kwargs):
        closes.append((threading.current_thread().name, len(kwargs["rows"])))
        return rows_close(**kwargs)

    def publish_spy(**kwargs):
        # in the publication's transaction the first run's replaced rows are closed already ...
        seen["inside"] = RiskScore.objects.positions().filter(run=first, valid_until=SECOND).count()
        # ... while another connection still sees every one of them hold
        seen["outside"] = _on_another_connection(
            lambda: RiskScore.objects.positions().filter(run=first, valid_until__isnull=True).count()
        )
        return publish(**kwargs)

    monkeypatch.setattr(position_rows, "rows_close", close_spy)
    monkeypatch.setattr(position_rows, "superseded_close", lambda **kwargs: looked_up.append(kwargs))
    monkeypatch.setattr(scores, "scoring_run_publish", publish_spy)
    # when the next day is scored outside a transaction
    run = scores.scoring_run_execute(as_of=SECOND, trigger="test")
    monkeypatch.undo()
    # then the rows each chunk replaced were closed by id in the publication's thread, never looked up
    assert run.status == RunStatus.SUCCEEDED and run.chunks_total == 4
    assert {name for name, _ in closes} == {"bulk-transaction"}
    assert sum(rows for _, rows in closes) == len(out)
    assert looked_up == []
    assert seen == {"inside": len(out), "outside": 12}
    # and one row holds per position: the new run's where the stock moved, the first run's elsewhere
    holding = _holding(SECOND)
    assert len(holding) == 12 and not holding.duplicated(position_rows.POSITION_KEYS).any()
    assert (holding["run_id"] == run.pk).sum() == len(out)
    beside = _published(SECOND)
    # and a run of the same day inside one transaction publishes the same figures and alerts
    with transaction.atomic():
        scores.scoring_run_execute(as_of=SECOND, trigger="test")
        assert _published(SECOND) == beside


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_replaced_row_closed_meanwhile_sends_the_close_back_to_looking_the_rows_up(settings, monkeypatch):
    first, out = _scored_then_moved(settings)
    rows_close, superseded_close, looked_up = position_rows.rows_close, position_rows.superseded_close, []

    def closed_before(**kwargs):
        if not looked_up:  # another writer closes a row the first chunk replaces, after it was read
            RiskScore.objects.filter(pk=int(kwargs["rows"]["row_id"].iloc[0])).update(valid_until=SECOND)
            looked_up.append("closed")
        return rows_close(**kwargs)

    monkeypatch.setattr(position_rows, "rows_close", closed_before)
    monkeypatch.setattr(
        position_rows, "superseded_close", lambda **kwargs: looked_up.append("looked up") or superseded_close(**kwargs)
    )
    # when
    run = scores.scoring_run_execute(as_of=SECOND, trigger="test")
    # then the publication looked the run's rows up, and one row holds per position
    assert looked_up == ["closed", "looked up"]
    holding = _holding(SECOND)
    assert len(holding) == 12 and not holding.duplicated(position_rows.POSITION_KEYS).any()
    assert (holding["run_id"] == run.pk).sum() == len(out)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_day_that_becomes_a_back_fill_during_its_run_undoes_its_early_closes(settings, monkeypatch):
    first, out = _scored_then_moved(settings)
    rows_close, closes = position_rows.rows_close, []

    def later_day_published_meanwhile(**kwargs):
        closes.append(rows_close(**kwargs))
        if len(closes) == 2:  # a run of a later day is published on another connection
            _on_another_connection(
                lambda: ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.SUCCEEDED, trigger="test")
            )
        return closes[-1]

    monkeypatch.setattr(position_rows, "rows_close", later_day_published_meanwhile)
    # when
    run = scores.scoring_run_execute(as_of=SECOND, trigger="test")
    # then the first two chunks had closed their rows early, the others found the day a back-fill
    assert [closed is not None for closed in closes] == [True, True, False, False]
    # and the run's rows hold on its day only: each row they replace holds again from the next day
    assert run.status == RunStatus.SUCCEEDED
    assert (_holding(SECOND)["run_id"] == run.pk).sum() == len(out)
    next_day = _holding(AS_OF)
    assert len(next_day) == 12 and set(next_day["run_id"]) == {first.pk}
    assert (next_day["as_of"] == AS_OF).sum() == len(out)  # the copies that start the next day


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_failed_run_rolls_its_early_closes_back(settings, monkeypatch):
    first, _out = _scored_then_moved(settings)
    failing_on_call(monkeypatch, position_rows, "rows_insert", call=3, message="disk full")
    # when
    with pytest.raises(RuntimeError, match="disk full"):
        scores.scoring_run_execute(as_of=SECOND, trigger="test")
    # then the run failed, and every row of the first run holds as before
    assert ScoringRun.objects.get(as_of=SECOND).status == RunStatus.FAILED
    assert RiskScore.objects.positions().filter(run=first, valid_until__isnull=True).count() == 12
    assert RiskScore.objects.positions().exclude(run=first).count() == 0


def _state(run: ScoringRun) -> dict:
    """Everything a publication leaves behind, without ids or times: the positions that hold, the
    day's sums and national rows, every alert, the run's alert events and counts."""
    alerts = Alert.objects.order_by("kind", "medicine_id", "establishment_id", "region_id", "status")
    events = AlertEvent.objects.filter(run=run).values_list(
        "alert__kind",
        "alert__medicine_id",
        "alert__establishment_id",
        "alert__region_id",
        "kind",
        "from_value",
        "to_value",
    )
    return {
        **_published(run.as_of),
        "sums": day_sums.sums_read(as_of=run.as_of).to_dict("records"),
        "every_alert": list(
            alerts.values_list("kind", "medicine_id", "establishment_id", "region_id", "level", "status", "clear_runs")
        ),
        "events": sorted(events, key=repr),
        "counts": (run.positions, run.medicines, run.alerts_opened, run.alerts_closed),
    }


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_full_run_published_by_difference_leaves_what_evaluating_every_position_leaves(settings, monkeypatch):
    # given two regions scored on a first day, alerts that need three clear runs to close
    settings.SCORING_CHUNK_SIZE = 2
    settings.ALERT_CLEAR_RUNS = 3
    build_positions(establishments=3, medicines=4, seed=21, region=factories.RegionFactory(code="02"))
    build_positions(establishments=3, medicines=4, seed=22, region=factories.RegionFactory(code="03"))
    scores.scoring_run_execute(as_of=AS_OF - dt.timedelta(days=3), trigger="test")
    levels = list(StockLevel.objects.order_by("pk"))
    # and on the second day some positions run out and others are restocked (their alerts count a clear run)
    StockLevel.objects.filter(pk__in=[level.pk for level in levels[::5]]).update(quantity=0, updated_at=timezone.now())
    StockLevel.objects.filter(pk__in=[level.pk for level in levels[2::7]]).update(
        quantity=10_000, updated_at=timezone.now()
    )
    second = scores.scoring_run_execute(as_of=AS_OF - dt.timedelta(days=2), trigger="test")
    counting = Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES, clear_runs__gt=0).count()
    # and before the third day an analyst resolves an alert whose condition still holds, and more positions move
    held = Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES, clear_runs=0, establishment__isnull=False).first()
    alert_resolve(alert_id=held.pk, user=factories.UserFactory(roles=["analyst"]))
    StockLevel.objects.filter(pk__in=[level.pk for level in levels[1::6]]).update(quantity=0, updated_at=timezone.now())
    StockLevel.objects.filter(pk__in=[level.pk for level in levels[::5][:2]]).update(
        quantity=5_000, updated_at=timezone.now()
    )
    # when the third day is scored evaluating every position (inside a transaction, then undone) ...
    with transaction.atomic():
        everything = scores.scoring_run_execute(as_of=AS_OF - dt.timedelta(days=1), trigger="test")
        expected = _state(everything)
        transaction.set_rollback(True)
    # ... and by difference with the second day's publication (outside a transaction)
    by_difference = []
    publish = scores._publish_by_difference
    monkeypatch.setattr(scores, "_publish_by_difference", lambda **kwargs: by_difference.append(1) or publish(**kwargs))
    third = scores.scoring_run_execute(as_of=AS_OF - dt.timedelta(days=1), trigger="test")
    # then it was published by difference, and left everything as evaluating every position did
    assert (second.alerts_all, third.alerts_all, len(by_difference)) == (False, False, 1)
    assert everything.alerts_all  # the run inside the transaction evaluated every alert
    assert counting > 0 and expected["every_alert"]
    assert _state(third) == expected
    # and the resolved alert's condition opened a new alert
    assert Alert.objects.filter(
        kind=held.kind, medicine=held.medicine, establishment=held.establishment, status__in=ACTIVE_ALERT_STATUSES
    ).exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_changed_alert_settings_or_ven_classes_evaluate_every_position_again(settings):
    # given a day scored twice, the second by difference
    build_positions(establishments=2, medicines=3, seed=31)
    first = scores.scoring_run_execute(as_of=FIRST, trigger="test")
    second = scores.scoring_run_execute(as_of=SECOND, trigger="test")
    assert (first.alerts_all, second.alerts_all, first.conditions_key == second.conditions_key) == (True, False, True)
    # when the probability cut of the alerts changes, then a medicine's VEN class
    settings.STOCKOUT_PROBABILITY_ALERT = 0.2
    cut = scores.scoring_run_execute(as_of=AS_OF, trigger="test")
    medicine = StockLevel.objects.order_by("pk").first().medicine
    medicine.ven_class = "N" if medicine.ven_class != "N" else "V"
    medicine.save(update_fields=["ven_class"])
    ven = scores.scoring_run_execute(as_of=AS_OF, trigger="test")
    after = scores.scoring_run_execute(as_of=AS_OF, trigger="test")
    # then each change evaluated every alert, and the run after it went by difference again
    assert (cut.alerts_all, ven.alerts_all, after.alerts_all) == (True, True, False)
    assert len({second.conditions_key, cut.conditions_key, ven.conditions_key}) == 3


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_run_that_rewrites_most_positions_leaves_their_close_to_the_publication_s_join(settings, monkeypatch):
    # given a day scored, then every position moved (a new month rewrites nearly every row)
    first, _out = _scored_then_moved(settings)
    StockLevel.objects.update(quantity=7, updated_at=timezone.now())
    monkeypatch.setattr(scores, "CLOSE_BESIDE_SHARE", 0.25)
    rows_close, superseded_close, calls = position_rows.rows_close, position_rows.superseded_close, []
    monkeypatch.setattr(position_rows, "rows_close", lambda **kwargs: calls.append("by id") or rows_close(**kwargs))
    monkeypatch.setattr(
        position_rows, "superseded_close", lambda **kwargs: calls.append("join") or superseded_close(**kwargs)
    )
    # when
    run = scores.scoring_run_execute(as_of=SECOND, trigger="test")
    # then no chunk's rows were closed one by one: the publication joined them, evaluating every alert
    assert calls == ["join"]
    assert run.alerts_all and (_holding(SECOND)["run_id"] == run.pk).sum() == 12


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_sums_that_do_not_count_the_positions_scored_send_the_publication_back_to_every_position(settings):
    # given a scored day, then a position's row deleted behind the runs' back
    first, _out = _scored_then_moved(settings)
    RiskScore.objects.positions().filter(run=first).order_by("pk").first().delete()
    # when the next day is scored
    run = scores.scoring_run_execute(as_of=SECOND, trigger="test")
    # then the previous sums, which counted the deleted row, were not adjusted: every position was summed
    assert run.alerts_all
    stored = day_sums.sums_read(as_of=SECOND)
    assert stored["positions"].sum() == 12
    expected = position_sums(inputs.stored_positions_frame(as_of=SECOND), probability_cut=0.5)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
