"""A full run in one process reads its inputs once and publishes from the positions it
holds in memory: the same inputs, frame, national scores and alerts as reading them per chunk and
back from the database."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from shortages import scoring
from shortages.models import Alert, RiskScore, ScoringRun
from shortages.services import chunk_scoring, inputs, position_rows, scores
from stock.models import StockLevel
from tests.shortages.conftest import AS_OF, build_positions

pytestmark = pytest.mark.django_db
KEYS = ["establishment_id", "medicine_id"]


def _national() -> dict:
    rows = RiskScore.objects.national().filter(as_of=AS_OF)
    return {row.medicine_id: (row.score, row.level, row.stock_status, row.figures) for row in rows}


def _close(left, right) -> bool:
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_close(left[key], right[key]) for key in left)
    if isinstance(left, tuple | list) and isinstance(right, tuple | list):
        return len(left) == len(right) and all(_close(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-12, abs_tol=1e-12)
    return left == right


def test_the_frame_kept_in_memory_is_the_frame_read_back():
    # given scored positions, some with stock expiring unused
    sites, _ = build_positions(establishments=3, medicines=5, stock_months=(2.0, 12.0))
    run = ScoringRun.objects.create(as_of=AS_OF, status="running")
    params = inputs.scoring_params(as_of=AS_OF)
    data = inputs.position_inputs(as_of=AS_OF, establishment_ids=[site.pk for site in sites], months=params.months)
    scored = scoring.score_positions(data.positions, data.lots, data.consumption, inputs.medicines_frame(), params)
    # when
    position_rows.rows_insert(stored=position_rows.stored_columns(scored), run=run)
    kept = inputs.scored_positions_frame(scored).sort_values(KEYS).reset_index(drop=True)
    read = inputs.stored_positions_frame(as_of=AS_OF, run_id=run.pk).sort_values(KEYS).reset_index(drop=True)
    # then
    assert (kept["expiry_at_risk"] % 1 > 0).any()
    pd.testing.assert_frame_equal(kept, read, check_dtype=False, check_exact=True)


def test_publishing_from_memory_gives_the_scores_and_alerts_of_publishing_from_the_database(monkeypatch):
    # given a run published from memory
    build_positions(establishments=4, medicines=6, stock_months=(0.0, 12.0))
    first = scores.scoring_run_execute(as_of=AS_OF)
    from_memory, alerts = (
        _national(),
        set(Alert.objects.values_list("kind", "medicine_id", "establishment_id", "level")),
    )
    assert first.alerts_opened > 0
    # when the same day is published again from the positions read back
    publish = scores.scoring_run_publish
    seen = []

    def publish_read_back(*, run_id, positions=None, national=None):
        seen.append(positions is not None)
        return publish(run_id=run_id)

    monkeypatch.setattr(scores, "scoring_run_publish", publish_read_back)
    second = scores.scoring_run_execute(as_of=AS_OF)
    # then
    assert seen == [True]
    assert (second.alerts_opened, second.alerts_closed) == (0, 0)
    assert set(Alert.objects.values_list("kind", "medicine_id", "establishment_id", "level")) == alerts
    assert from_memory.keys() == _national().keys() and len(from_memory) == 6
    assert _close(from_memory, _national())


def test_a_chunk_scored_from_the_inputs_read_once_has_the_inputs_it_reads_itself():
    # given two establishments of three
    sites, _ = build_positions(establishments=3, medicines=4)
    chunk = [sites[0].pk, sites[2].pk]
    whole = inputs.run_frames(as_of=AS_OF, months=6)
    # when
    shared = inputs.position_inputs(as_of=AS_OF, establishment_ids=chunk, months=6, frames=whole)
    own = inputs.position_inputs(as_of=AS_OF, establishment_ids=chunk, months=6)
    # then
    for frame in (whole.levels, whole.consumption, whole.lots):
        assert set(frame["establishment_id"]) == {site.pk for site in sites}
    assert set(own.consumption["establishment_id"]) == set(chunk)
    for name in ("positions", "lots", "consumption"):
        pd.testing.assert_frame_equal(getattr(shared, name), getattr(own, name), check_exact=True)


def _positions() -> dict:
    rows = RiskScore.objects.positions().filter(as_of=AS_OF)
    return {
        (row.establishment_id, row.medicine_id): (row.score, row.level, row.amc, row.figures, row.contributions)
        for row in rows
    }


def test_chunks_scored_ahead_store_what_chunks_scored_one_by_one_store(settings):
    # given three establishments cut into chunks of one, scored by the chunk tasks one by one
    settings.SCORING_CHUNK_SIZE = 1
    build_positions(establishments=3, medicines=4, stock_months=(0.0, 12.0))
    started = scores.scoring_run_start(as_of=AS_OF)
    for chunk in started.chunks:
        scores.scoring_chunk_execute(run_id=started.run.pk, establishment_ids=chunk)
    scores.scoring_run_publish(run_id=started.run.pk)
    one_by_one, national = _positions(), _national()
    RiskScore.objects.all().delete()  # so that the next run writes every position again
    # when a run in one process scores each chunk while the one before is stored
    run = scores.scoring_run_execute(as_of=AS_OF)
    # then
    assert run.chunks_done == run.chunks_total == 3
    assert RiskScore.objects.positions().filter(as_of=AS_OF, run=run).count() == len(one_by_one) == 12
    assert _positions() == one_by_one
    assert _close(_national(), national)


@pytest.mark.parametrize("shuffled", [False, True])
def test_a_chunk_takes_its_learned_figures_from_the_whole_runs_as_a_join_with_them_would(shuffled):
    # given the learned figures of every position of three establishments (in position order, as
    # the month's batches store them, or shuffled, as several models' frames may come)
    sites, _ = build_positions(establishments=3, medicines=4, stock_months=(0.0, 12.0))
    keys = pd.DataFrame(list(StockLevel.objects.values_list(*KEYS)), columns=KEYS).sort_values(KEYS)
    rows = len(keys)
    learned = keys.assign(
        learned_probability=[(index % 10) / 10 + 0.05 for index in range(rows)],
        forecast_1=range(rows),
        forecast_2=range(rows),
        forecast_3=range(rows),
        model_version=3,
    ).reset_index(drop=True)
    if shuffled:
        learned = learned.sample(frac=1.0, random_state=5).reset_index(drop=True)
    chunk = [sites[2].pk, sites[0].pk]
    params, medicines = inputs.scoring_params(as_of=AS_OF), inputs.medicines_frame()
    # when
    scored = chunk_scoring.chunk_scored(
        establishment_ids=chunk, frames=None, medicines=medicines, params=params, learned=learned
    ).scored
    # then the chunk's positions have their own figures, the same as scoring them against every
    # position's
    data = inputs.position_inputs(as_of=AS_OF, establishment_ids=chunk, months=params.months, aggregated=True)
    joined = scoring.score_positions(
        data.positions, data.lots, data.consumption, medicines, params, learned=learned, stats=data.stats
    )
    pd.testing.assert_frame_equal(scored, joined, check_exact=True)
    mine = learned.merge(scored[KEYS + ["forecast_1"]], on=KEYS, suffixes=("", "_scored"))
    assert len(mine) == len(scored) == 8
    assert (mine["forecast_1"] == mine["forecast_1_scored"]).all()
    assert scored["model_version"].eq(3).sum() == scored["amc"].gt(0).sum() > 0
