"""The benchmark's ``predictions`` part: the month computed again as the worker does after an import."""

from __future__ import annotations

import io

from django.core.management import call_command

from shortages.models import PositionPrediction, PredictionBatch
from shortages.services import learning
from tests.shortages.test_prediction_lifecycle import AS_OF, history  # noqa: F401 - the fixture
from tooling.benchmarks import scoring_bench


def test_the_predictions_part_computes_the_month_again_and_reports_it(history):  # noqa: F811 - the fixture
    # given an active model whose month-end predictions are stored
    call_command("train_model", until=AS_OF, stdout=io.StringIO())
    learning.month_predictions_refresh(as_of=AS_OF)
    before = PredictionBatch.objects.get()
    # when
    figures = scoring_bench.child_measure("predictions", as_of=AS_OF)
    # then the month was computed again, once, and the figures say what was computed
    after = PredictionBatch.objects.get()
    assert after.computed_at > before.computed_at
    assert figures["month"] == learning.last_complete_month(AS_OF).date().isoformat()
    assert figures["models"] == 1
    assert figures["positions"] == after.positions == PositionPrediction.objects.count() > 0
    assert figures["seconds"] >= 0 and figures["peak_rss_mb"] > 0
