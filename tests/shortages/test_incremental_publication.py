"""An incremental run publishes by difference: the day's sums adjusted by the re-scored positions
give the national figures a full run gives, to the last digit, and only the alerts of what was
evaluated again move."""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from shortages import tasks
from shortages.choices import ACTIVE_ALERT_STATUSES, AlertKind, RunScope, RunStatus
from shortages.models import Alert, RiskScore, ScoringRun
from shortages.scoring.sums import SUM_KEYS, position_sums, public_side_of_sums, sums_adjusted
from shortages.services import day_sums, incremental, inputs, position_rows, scores
from shortages.services.alerts import SyncScope, alerts_sync
from shortages.services.incremental import scoring_run_incremental_execute
from shortages.services.scores import RunInProgress, scoring_run_execute
from stock.models import StockLevel
from tests import factories
from tests.shortages.conftest import AS_OF, build_positions

NATIONAL_FIGURES = [
    "medicine_id",
    "stock",
    "amc",
    "months_of_stock",
    "stockout_probability",
    "score",
    "level",
    "figures",
    "contributions",
]


# Inside a transaction (a test's own) an incremental run reads one read after the other and stores its
# rows before publishing; outside (``transactional``), its reads run at once on connections of their
# own and its rows are stored beside the publication.
in_a_transaction_or_not = pytest.mark.parametrize(
    "transactional",
    [
        pytest.param(False, marks=pytest.mark.django_db),
        pytest.param(True, marks=pytest.mark.django_db(transaction=True)),
    ],
)


def _national() -> list[tuple]:
    rows = RiskScore.objects.national().filter(as_of=AS_OF).order_by("medicine_id")
    return [tuple(row) for row in rows.values_list(*NATIONAL_FIGURES)]


def _holding_alerts() -> set[tuple]:
    """Active alerts whose condition held at the latest run (no clear run counted)."""
    alerts = Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES, clear_runs=0)
    return set(alerts.values_list("kind", "medicine_id", "establishment_id", "region_id", "level"))


@pytest.mark.services  # incremental runs read the window summed by PostgreSQL
@in_a_transaction_or_not
def test_an_incremental_run_reads_only_the_changed_positions_and_publishes_what_a_full_run_would(
    transactional, monkeypatch
):
    # given a scored day of 8 x 5 positions in two regions
    build_positions(establishments=4, medicines=5, seed=3, region=factories.RegionFactory(code="02"))
    build_positions(establishments=4, medicines=5, seed=4, region=factories.RegionFactory(code="03"))
    scoring_run_execute(as_of=AS_OF, trigger="test")
    # and then a quarter of the positions move: some run out, others are restocked
    levels = list(StockLevel.objects.order_by("pk"))
    out = [level.pk for level in levels[::4]]
    restocked = [level.pk for level in levels[1::8]]
    StockLevel.objects.filter(pk__in=out).update(quantity=0, updated_at=timezone.now())
    StockLevel.objects.filter(pk__in=restocked).update(quantity=5000, updated_at=timezone.now())
    read, looked_up = [], []
    stored_positions_frame = inputs.stored_positions_frame

    def spy(**kwargs):
        frame = stored_positions_frame(**kwargs)
        read.append((len(frame), threading.current_thread().name))
        return frame

    monkeypatch.setattr(inputs, "stored_positions_frame", spy)
    monkeypatch.setattr(position_rows, "superseded_close", lambda **kwargs: looked_up.append(kwargs))
    # when
    run = scoring_run_incremental_execute(as_of=AS_OF, trigger="test")
    # then it read back the rows of the positions it re-scored only, beside its other reads when
    # outside a transaction, and closed them by id without looking them up again
    assert run.scope == RunScope.INCREMENTAL and run.status == RunStatus.SUCCEEDED
    assert run.positions == len(out) + len(restocked)
    thread = "bulk-reader" if transactional else "MainThread"
    assert [(rows, name.split("_")[0]) for rows, name in read] == [(run.positions, thread)]
    assert looked_up == []
    monkeypatch.undo()
    # and its sums are those of every position that holds, to the last digit
    held = inputs.stored_positions_frame(as_of=AS_OF)
    stored = day_sums.sums_read(as_of=AS_OF)
    expected = position_sums(held, probability_cut=0.5)
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)
    national, alerts = _national(), _holding_alerts()
    assert any(kind == AlertKind.STOCKOUT for kind, *_ in alerts)
    # and a full run of the same day publishes the same national rows and the same alerts
    scoring_run_execute(as_of=AS_OF, trigger="test")
    assert _national() == national
    assert _holding_alerts() == alerts


@pytest.mark.services  # outside a transaction, the close that looks the run's rows up waits for them
@in_a_transaction_or_not
def test_a_replaced_row_that_no_longer_holds_sends_the_close_back_to_looking_the_rows_up(transactional, monkeypatch):
    # given a scored day whose positions then move
    build_positions(establishments=3, medicines=4, seed=6)
    scoring_run_execute(as_of=AS_OF, trigger="test")
    StockLevel.objects.update(quantity=0, updated_at=timezone.now())
    # and an incremental run that reads a replaced row which another writer closes before it publishes
    changed_read, looked_up = incremental.changed_read, []

    def read_then_closed(**kwargs):
        read = changed_read(**kwargs)
        RiskScore.objects.filter(pk=int(read.held["row_id"].iloc[0])).update(valid_until=AS_OF)
        return read

    superseded_close = position_rows.superseded_close
    monkeypatch.setattr(incremental, "changed_read", read_then_closed)
    monkeypatch.setattr(
        position_rows, "superseded_close", lambda **kwargs: looked_up.append(1) or superseded_close(**kwargs)
    )
    # when
    run = scoring_run_incremental_execute(as_of=AS_OF, trigger="test")
    # then the close looked the run's rows up, and only the run's rows hold for those positions
    assert looked_up == [1]
    assert run.status == RunStatus.SUCCEEDED and run.positions == 12
    holding = inputs.stored_positions_frame(as_of=AS_OF, rows_named=True)
    assert len(holding) == 12
    assert set(RiskScore.objects.filter(pk__in=holding["row_id"].tolist()).values_list("run_id", flat=True)) == {run.pk}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_position_first_stocked_since_the_run_of_the_day_is_scored_with_nothing_to_close():
    # given a scored day, then a medicine stocked for the first time at one establishment
    build_positions(establishments=2, medicines=3, seed=8)
    scoring_run_execute(as_of=AS_OF, trigger="test")
    establishment = StockLevel.objects.order_by("pk").first().establishment
    level = StockLevel.objects.create(establishment=establishment, medicine=factories.MedicineFactory(), quantity=40)
    # when
    run = scoring_run_incremental_execute(as_of=AS_OF, trigger="test")
    # then it holds a row of its own and every earlier row still holds
    assert run.status == RunStatus.SUCCEEDED and run.positions == 1
    holding = inputs.stored_positions_frame(as_of=AS_OF)
    assert len(holding) == 7
    assert (
        (holding["establishment_id"] == establishment.pk) & (holding["medicine_id"] == level.medicine_id)
    ).sum() == 1
    assert day_sums.sums_read(as_of=AS_OF)["positions"].sum() == 7


@pytest.mark.services
@in_a_transaction_or_not
def test_without_stored_sums_an_incremental_run_publishes_from_every_position(transactional):
    # given a scored day whose sums are gone (a day scored before they were stored)
    build_positions(establishments=3, medicines=4, seed=5)
    scoring_run_execute(as_of=AS_OF, trigger="test")
    national = _national()
    day_sums.PositionSums.objects.all().delete()
    StockLevel.objects.filter(pk=StockLevel.objects.order_by("pk")[0].pk).update(updated_at=timezone.now())
    # when
    run = scoring_run_incremental_execute(as_of=AS_OF, trigger="test")
    # then the national figures are whole, and the sums are stored again
    assert run.scope == RunScope.INCREMENTAL and run.positions == 1
    assert _national() == national
    assert day_sums.sums_read(as_of=AS_OF)["positions"].sum() == 12


@pytest.mark.services
@in_a_transaction_or_not
def test_a_publication_that_fails_leaves_none_of_the_runs_rows_and_the_day_as_it_was(transactional, monkeypatch):
    # given a scored day whose positions then move
    build_positions(establishments=3, medicines=4, seed=9)
    scoring_run_execute(as_of=AS_OF, trigger="test")
    held, sums, national = (
        inputs.stored_positions_frame(as_of=AS_OF, rows_named=True),
        day_sums.sums_read(as_of=AS_OF),
        _national(),
    )
    StockLevel.objects.update(quantity=0, updated_at=timezone.now())

    # and a publication that fails once the replaced rows are closed (its rows stored beside it or not)
    def broken(**kwargs):
        raise RuntimeError("alert sync lost its connection")

    monkeypatch.setattr(scores, "alerts_sync", broken)
    # when
    with pytest.raises(RuntimeError, match="lost its connection"):
        scoring_run_incremental_execute(as_of=AS_OF, trigger="test")
    # then the run is failed with its error, none of its rows is left, and the day reads as before
    run = ScoringRun.objects.get(scope=RunScope.INCREMENTAL)
    assert run.status == RunStatus.FAILED and "lost its connection" in run.error
    assert not RiskScore.objects.filter(run=run).exists()
    pd.testing.assert_frame_equal(inputs.stored_positions_frame(as_of=AS_OF, rows_named=True), held)
    pd.testing.assert_frame_equal(day_sums.sums_read(as_of=AS_OF), sums)
    assert _national() == national


@pytest.mark.django_db
def test_an_alert_outside_the_scope_neither_clears_nor_changes():
    # given two active stockout alerts of two positions
    run = ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.RUNNING)
    medicine = factories.MedicineFactory()
    first, second = factories.EstablishmentFactory(), factories.EstablishmentFactory()
    alerts = [
        Alert.objects.create(kind=AlertKind.STOCKOUT, medicine=medicine, establishment=site, level="high")
        for site in (first, second)
    ]
    # when a run that evaluated the first position only finds no condition
    scope = SyncScope(
        positions=pd.DataFrame({"establishment_id": [first.pk], "medicine_id": [medicine.pk]}),
        regions=pd.DataFrame({"medicine_id": [], "region_id": []}),
    )
    empty = pd.DataFrame(columns=["kind", "medicine_id", "establishment_id", "region_id", "level", "metric", "value"])
    alerts_sync(run=run, conditions=empty, scope=scope)
    # then the first counts a clear run, the second is left alone
    for alert in alerts:
        alert.refresh_from_db()
    assert [alert.clear_runs for alert in alerts] == [1, 0]


POSITION = st.tuples(
    st.integers(1, 3),  # medicine
    st.sampled_from([1.0, 2.0, np.nan]),  # region
    st.sampled_from(["stocked_out", "below_emergency", "adequate", "no_consumption"]),
    st.floats(0, 1e6, allow_nan=False),  # usable stock
    st.one_of(st.just(np.nan), st.floats(0, 1e5, allow_nan=False)),  # AMC
    st.one_of(st.just(np.nan), st.floats(0, 1, allow_nan=False)),  # P
)


def _frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["medicine_id", "region_id", "stock_status", "usable_stock", "amc", "stockout_probability"]
    )
    # a learned model gave P to some positions, the formula to the others (``model_version`` NaN)
    model_version = np.where(frame["usable_stock"] % 2 < 1, 1.0, np.nan)
    return frame.assign(in_transit=frame["usable_stock"] / 3, horizon_months=2.0, model_version=model_version)


@settings(max_examples=60, deadline=None)
@given(st.lists(POSITION, min_size=1, max_size=30), st.lists(POSITION, max_size=10), st.data())
def test_sums_adjusted_by_difference_equal_the_sums_of_the_positions_after(before, added, data):
    # given positions, some of which are replaced by others
    old = _frame(before)
    replaced = data.draw(st.lists(st.sampled_from(range(len(old))), unique=True))
    after = pd.concat([old.drop(index=replaced), _frame(added)], ignore_index=True)
    # when the sums of before are adjusted by the difference
    adjusted = sums_adjusted(
        position_sums(old, probability_cut=0.5),
        removed=position_sums(old.loc[replaced], probability_cut=0.5),
        added=position_sums(_frame(added), probability_cut=0.5),
    )
    # then they are the sums of the positions after, exactly
    expected = position_sums(after, probability_cut=0.5) if len(after) else adjusted.iloc[0:0]
    pd.testing.assert_frame_equal(
        adjusted.sort_values(SUM_KEYS, ignore_index=True), expected.sort_values(SUM_KEYS, ignore_index=True)
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(POSITION, min_size=1, max_size=30))
def test_national_figures_from_the_sums_are_those_of_the_positions(rows):
    # given positions
    frame = _frame(rows)
    # when the public side is computed from their sums
    public = public_side_of_sums(position_sums(frame))
    # then each figure is the plain one within the fixed point's rounding
    for medicine_id, group in frame.groupby("medicine_id"):
        figures = public.loc[medicine_id]
        assert figures["positions"] == len(group)
        assert figures["public_stock"] == pytest.approx(group["usable_stock"].sum(), abs=1e-4 * len(group))
        if group["amc"].notna().any():
            assert figures["public_amc"] == pytest.approx(group["amc"].sum(), abs=1e-4 * len(group))
        else:
            assert np.isnan(figures["public_amc"])
        counted = (group["stock_status"] != "no_consumption").sum()
        out = (group["stock_status"] == "stocked_out").sum()
        assert figures["share_stocked_out"] == (
            pytest.approx(out / counted) if counted else pytest.approx(np.nan, nan_ok=True)
        )


def test_the_sums_count_the_positions_whose_p_a_learned_model_gave():
    # given three positions of a medicine in a region: two given P by models v1 and v2, one by the formula
    frame = _frame([(1, 1.0, "adequate", 10.0, 2.0, 0.1), (1, 1.0, "adequate", 20.0, 2.0, 0.2)] * 2)
    frame["model_version"] = [1.0, np.nan, 2.0, np.nan]
    # when
    sums = position_sums(frame, probability_cut=0.5)
    # then
    assert sums[["positions", "learned"]].to_numpy().tolist() == [[4, 2]]
    # and positions read without the column count none as learned
    assert position_sums(frame.drop(columns="model_version"))["learned"].tolist() == [0]


def test_the_stored_sums_round_trip(db):
    # given sums with a position without region
    run = ScoringRun.objects.create(as_of=AS_OF + dt.timedelta(days=3), status=RunStatus.RUNNING)
    medicines = [factories.MedicineFactory().pk for _ in range(2)]
    frame = _frame([(1, 1.0, "stocked_out", 10.5, 3.25, 0.75), (2, np.nan, "adequate", 7.0, np.nan, np.nan)])
    frame["medicine_id"] = [medicines[0], medicines[1]]
    sums = position_sums(frame, probability_cut=0.5)
    # when stored and read
    day_sums.sums_store(run=run, sums=sums)
    # then
    pd.testing.assert_frame_equal(day_sums.sums_read(as_of=run.as_of), sums, check_dtype=False)
    assert day_sums.sums_read(as_of=AS_OF) is None


@pytest.mark.django_db
def test_an_incremental_run_does_not_start_while_a_run_of_the_day_is_running(eager_tasks):
    # given a scored day and a second run of it still running
    build_positions(establishments=2, medicines=2, seed=6)
    scoring_run_execute(as_of=AS_OF, trigger="test")
    ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.RUNNING, started_at=timezone.now())
    runs = ScoringRun.objects.count()
    # when / then: the service refuses, the task starts nothing, and the sums stay as published
    with pytest.raises(RunInProgress):
        scoring_run_incremental_execute(as_of=AS_OF, trigger="test")
    assert tasks.scoring_dispatch.apply(kwargs={"as_of": AS_OF.isoformat(), "scope": "incremental"}).get() is None
    assert ScoringRun.objects.count() == runs
