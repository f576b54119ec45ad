"""Position scores written with COPY are the rows the model-instance path would have written."""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from django.core.management import call_command

from shortages import scoring
from shortages.models import RiskScore, ScoringRun
from shortages.services import inputs, score_copy
from shortages.services.scores import POSITION_FIGURES, _position_rows
from stock.models import Establishment

FIELDS = [
    "medicine_id",
    "establishment_id",
    "region_id",
    "as_of",
    "stock",
    "usable_stock",
    "amc",
    "sigma",
    "months_of_stock",
    "days_of_cover",
    "pipeline",
    "horizon_months",
    "stockout_probability",
    "stock_status",
    "score",
    "level",
    "insufficient_data",
]


def _same(left, right) -> bool:
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, float) or isinstance(right, float):
        return left is not None and right is not None and math.isclose(left, right, rel_tol=1e-12, abs_tol=1e-12)
    return left == right


@pytest.mark.services
@pytest.mark.django_db
def test_copied_scores_equal_the_model_rows():
    # given a tiny dataset and its scored positions
    call_command(
        "generate_national",
        *["--scale", "0.003", "--medicines", "40", "--months", "7", "--ledger-days", "0", "--end", "2026-06-30"],
        stdout=io.StringIO(),
        verbosity=0,
    )
    as_of = dt.date(2026, 7, 1)
    run = ScoringRun.objects.create(as_of=as_of, status="running")
    params = inputs.scoring_params(as_of=as_of)
    ids = list(Establishment.objects.values_list("id", flat=True))
    data = inputs.position_inputs(as_of=as_of, establishment_ids=ids, months=params.months)
    scored = scoring.score_positions(data.positions, data.lots, data.consumption, inputs.medicines_frame(), params)
    expected = {
        (row.establishment_id, row.medicine_id): row
        for row in _position_rows(scored, run=run, weights=params.position_weights)
    }
    # when
    written = score_copy.position_scores_copy(
        scored=scored, run=run, figure_names=POSITION_FIGURES, weights=params.position_weights
    )
    # then
    stored = list(RiskScore.objects.filter(run=run))
    assert written == len(stored) == len(expected) > 0
    assert {row.insufficient_data for row in stored} == {True, False}
    for row in stored:
        model_row = expected[(row.establishment_id, row.medicine_id)]
        for name in FIELDS:
            assert _same(getattr(row, name), getattr(model_row, name)), (name, getattr(row, name))
        assert _same(row.figures, model_row.figures), (row.figures, model_row.figures)
        assert _same(row.contributions, model_row.contributions)
