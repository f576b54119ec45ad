"""Position rows are written when a position's figures change, and hold until a later run changes
them: what each day reads, re-runs, failed runs, back-filled days, positions that disappear."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.conf import settings

from shortages import scoring
from shortages.choices import RunStatus
from shortages.models import RiskScore, ScoringRun
from shortages.models.scores import POSITION_FIGURES
from shortages.services import inputs, position_rows, scores
from stock.models import ConsumptionMonth, StockLevel, StockLot
from tests.shortages.conftest import AS_OF, build_positions

pytestmark = pytest.mark.django_db
NEXT_DAY = AS_OF + dt.timedelta(days=1)


def _day(day: dt.date) -> dict:
    """What the readers see on ``day``: each position's score, stock and the day its row started."""
    rows = RiskScore.objects.positions().published_on(day)
    return {(row.establishment_id, row.medicine_id): (row.score, row.stock, row.as_of) for row in rows}


def test_a_day_scored_again_writes_only_what_changed_and_reads_the_same():
    # given a scored day
    build_positions(establishments=2, medicines=3, stock_months=(0.0, 3.0))
    first = scores.scoring_run_execute(as_of=AS_OF)
    before = _day(AS_OF)
    # when the next day is scored with one position's stock changed
    level = StockLevel.objects.order_by("pk").first()
    StockLevel.objects.filter(pk=level.pk).update(quantity=level.quantity + 500)
    second = scores.scoring_run_execute(as_of=NEXT_DAY)
    # then the second run wrote one position row, and the first day still reads as it did
    key = (level.establishment_id, level.medicine_id)
    assert list(RiskScore.objects.positions().filter(run=second).values_list("establishment", "medicine")) == [key]
    assert second.positions == first.positions == 6
    assert _day(AS_OF) == before
    after = _day(NEXT_DAY)
    assert after.keys() == before.keys()
    assert after[key][1] == level.quantity + 500 and after[key][2] == NEXT_DAY
    assert all(after[other] == before[other] for other in before if other != key)
    # and the row it replaced stopped holding on the second day
    old = RiskScore.objects.get(run=first, establishment_id=key[0], medicine_id=key[1])
    assert old.valid_until == NEXT_DAY


def test_figures_and_points_are_rebuilt_from_the_typed_columns():
    # given scored positions
    sites, _ = build_positions(establishments=1, medicines=4, stock_months=(0.0, 3.0))
    params = inputs.scoring_params(as_of=AS_OF)
    data = inputs.position_inputs(as_of=AS_OF, establishment_ids=[sites[0].pk], months=params.months)
    scored = scoring.score_positions(data.positions, data.lots, data.consumption, inputs.medicines_frame(), params)
    # when they are stored and read back
    scores.scoring_run_execute(as_of=AS_OF)
    rows = {row.medicine_id: row for row in RiskScore.objects.positions().published_on(AS_OF)}
    # then figures and contributions have the keys and values the scoring computed
    assert len(rows) == 4
    for record in scored.to_dict("records"):
        row = rows[record["medicine_id"]]
        assert set(row.figures) == {*POSITION_FIGURES, "factors"}
        assert list(row.contributions) == list(settings.POSITION_RISK_WEIGHTS)
        for name, points in row.contributions.items():
            expected = record[f"contrib_{name}"]
            assert (points is None and np.isnan(expected)) or points == expected
        assert row.figures["factors"]["cover"] == pytest.approx(record["factor_cover"], nan_ok=True)
        assert row.figures["expiry_at_risk"] == record["expiry_at_risk"]
        assert row.figures["sigma_rule"] == record["sigma_rule"]
        assert row.score == record["score"] or (row.score is None and np.isnan(record["score"]))


def test_a_failed_run_leaves_no_row_and_the_day_reads_the_rows_before_it(monkeypatch):
    # given a scored day, then stock changes everywhere and the next run fails at publication
    build_positions(establishments=2, medicines=2)
    scores.scoring_run_execute(as_of=AS_OF)
    before = _day(AS_OF)
    StockLevel.objects.update(quantity=999)

    def broken(**kwargs):
        raise RuntimeError("publication lost")

    monkeypatch.setattr(scores, "scoring_run_publish", broken)
    # when
    with pytest.raises(RuntimeError, match="publication lost"):
        scores.scoring_run_execute(as_of=NEXT_DAY)
    # then its rows are gone and both days read the first run's rows
    failed = ScoringRun.objects.get(status=RunStatus.FAILED)
    assert not RiskScore.objects.filter(run=failed).exists()
    assert _day(AS_OF) == before
    assert {key: value[:2] for key, value in _day(NEXT_DAY).items()} == {
        key: value[:2] for key, value in before.items()
    }


def test_a_position_that_is_gone_stops_holding():
    # given a scored day
    build_positions(establishments=1, medicines=3)
    scores.scoring_run_execute(as_of=AS_OF)
    level = StockLevel.objects.order_by("pk").first()
    # when the position's stock level, lots and consumption are gone, and the next day is scored
    StockLot.objects.filter(establishment=level.establishment, medicine=level.medicine).delete()
    ConsumptionMonth.objects.filter(establishment=level.establishment, medicine=level.medicine).delete()
    level.delete()
    scores.scoring_run_execute(as_of=NEXT_DAY)
    # then the next day no longer reads it; the first day still does
    key = (level.establishment_id, level.medicine_id)
    assert key in _day(AS_OF)
    assert key not in _day(NEXT_DAY) and len(_day(NEXT_DAY)) == 2


def test_a_back_filled_day_changes_what_that_day_reads_only():
    # given two scored days, the positions' stock changed in between
    build_positions(establishments=1, medicines=2)
    scores.scoring_run_execute(as_of=AS_OF - dt.timedelta(days=2))
    later = AS_OF + dt.timedelta(days=5)
    scores.scoring_run_execute(as_of=later)
    latest = _day(later)
    # when the day in between is scored with other stock
    StockLevel.objects.update(quantity=5)
    scores.scoring_run_execute(as_of=AS_OF)
    # then that day reads the new stock, the later day what it read, and the day after the
    # back-filled one reads the earlier figures again
    assert {value[1] for value in _day(AS_OF).values()} == {5.0}
    assert _day(later) == latest
    after = _day(AS_OF + dt.timedelta(days=1))
    assert len(after) == 2 and 5.0 not in {value[1] for value in after.values()}


def test_fingerprints_tell_changed_rows_from_unchanged_ones():
    # given stored columns of three positions, one of which then changes
    sites, _ = build_positions(establishments=1, medicines=3)
    params = inputs.scoring_params(as_of=AS_OF)
    data = inputs.position_inputs(as_of=AS_OF, establishment_ids=[sites[0].pk], months=params.months)
    scored = scoring.score_positions(data.positions, data.lots, data.consumption, inputs.medicines_frame(), params)
    stored = position_rows.stored_columns(scored)
    current = stored[["establishment_id", "medicine_id", "fingerprint"]].copy()
    moved = scored.copy()
    moved.loc[1, "stock"] += 1
    # when / then
    assert not position_rows.changed(position_rows.stored_columns(scored), current).any()
    assert position_rows.changed(position_rows.stored_columns(moved), current).tolist() == [False, True, False]
    assert position_rows.changed(stored, current.iloc[:2]).tolist() == [False, False, True]
    assert stored["fingerprint"].nunique() == 3
    # fingerprints are compared as 64-bit integers: one differing in its last bit is a change
    bumped = current.copy()
    bumped.loc[1, "fingerprint"] += 1
    assert position_rows.changed(stored, bumped).tolist() == [False, True, False]


@pytest.mark.services
def test_copied_rows_are_the_rows_the_model_path_writes():
    # given stored columns of scored positions, some without an AMC (NULL figures)
    sites, _ = build_positions(establishments=2, medicines=3, stock_months=(0.0, 3.0))
    ConsumptionMonth.objects.filter(medicine=StockLevel.objects.first().medicine).delete()
    params = inputs.scoring_params(as_of=AS_OF)
    data = inputs.position_inputs(as_of=AS_OF, establishment_ids=[site.pk for site in sites], months=params.months)
    scored = scoring.score_positions(data.positions, data.lots, data.consumption, inputs.medicines_frame(), params)
    stored = position_rows.stored_columns(scored)
    copied_run = ScoringRun.objects.create(as_of=AS_OF, status="running")
    model_run = ScoringRun.objects.create(as_of=AS_OF, status="running")
    # when the same rows are written by COPY and as model instances
    assert position_rows.copy_supported()
    position_rows.rows_insert(stored=stored, run=copied_run)
    RiskScore.objects.bulk_create(position_rows.model_rows(stored, run=model_run))
    # then every column holds the same value
    names = [field.attname for field in RiskScore._meta.concrete_fields if field.attname not in ("id", "run_id")]
    copied = {(row.establishment_id, row.medicine_id): row for row in RiskScore.objects.filter(run=copied_run)}
    written = {(row.establishment_id, row.medicine_id): row for row in RiskScore.objects.filter(run=model_run)}
    assert copied.keys() == written.keys() and len(copied) == 6
    assert {row.insufficient_data for row in copied.values()} == {True, False}
    for key, row in copied.items():
        assert [getattr(row, name) for name in names] == [getattr(written[key], name) for name in names]
        assert row.figures == written[key].figures and row.contributions == written[key].contributions


@pytest.mark.services
def test_the_window_summed_by_the_database_scores_like_the_monthly_rows():
    # given positions with stockout days, unreported months, one month only, and none at all
    sites, _ = build_positions(establishments=3, medicines=4, stock_months=(0.0, 3.0))
    months = ConsumptionMonth.objects.filter(establishment=sites[0])
    months.filter(pk__in=list(months.values_list("pk", flat=True)[:5])).update(reported=False, issued=0)
    ConsumptionMonth.objects.filter(establishment=sites[1], month__lt=dt.date(2026, 6, 1)).delete()
    ConsumptionMonth.objects.filter(pk=ConsumptionMonth.objects.order_by("pk").last().pk).update(stockout_days=30)
    ids = [site.pk for site in sites]
    params = inputs.scoring_params(as_of=AS_OF)
    medicines = inputs.medicines_frame()
    # when scored from the monthly rows and from the sums of the database
    rows = inputs.run_frames(as_of=AS_OF, months=params.months, aggregated=False).of(ids)
    summed = inputs.run_frames(as_of=AS_OF, months=params.months, aggregated=True).of(ids)
    by_rows = inputs.position_inputs(as_of=AS_OF, establishment_ids=ids, months=params.months, frames=rows)
    by_sums = inputs.position_inputs(as_of=AS_OF, establishment_ids=ids, months=params.months, frames=summed)
    assert by_sums.consumption.empty and len(by_sums.stats) == 12
    left = scoring.score_positions(by_rows.positions, by_rows.lots, by_rows.consumption, medicines, params)
    right = scoring.score_positions(
        by_sums.positions, by_sums.lots, by_sums.consumption, medicines, params, stats=by_sums.stats
    )
    # then every figure is the same (sigma to 1e-9: a sum of squares against pandas' two passes)
    keys = ["establishment_id", "medicine_id"]
    left, right = (frame.sort_values(keys, ignore_index=True) for frame in (left, right))
    assert set(left["months_used"]) >= {1, 6}
    for column in left.columns:
        if left[column].dtype.kind == "f":
            np.testing.assert_allclose(left[column], right[column], rtol=1e-9, equal_nan=True, err_msg=column)
        else:
            assert left[column].fillna("").tolist() == right[column].fillna("").tolist(), column
