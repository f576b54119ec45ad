"""A month's predictions computed one batch of establishments at a time are those of the whole panel:
the national and provincial features still add up every establishment, whatever the batch size."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from shortages.models import PredictionModel
from shortages.scoring import learned
from shortages.scoring.consumption import POSITION_KEYS
from shortages.scoring.features import HISTORY_MONTHS_READ
from shortages.services import learning
from stock.models import Establishment
from stock.services.history_load import history_file_load
from tests.shortages.prediction_world import synthetic_history

AS_OF = dt.date(2018, 6, 30)  # the synthetic history runs from 2016-01 to 2018-06
SITES, PRODUCTS = 9, 3
FIGURES = ["learned_probability", "forecast_1", "forecast_2", "forecast_3"]


@pytest.fixture
def model(tmp_path: Path, db) -> PredictionModel:
    """A model trained on nine sites in two regions and six provinces (three districts each)."""
    frame = synthetic_history(sites=SITES, products=PRODUCTS, months=30, seed=4)
    frame["region"] = frame["site_code"].map(lambda code: "REGION NORD" if int(code[1:]) < 5 else "REGION SUD")
    path = tmp_path / "history.csv"
    frame.to_csv(path, index=False)
    assert history_file_load(path=path, mapping="lmis-civ").rows_written == len(frame)
    learning.prediction_models_train(until=AS_OF, seed=5)
    return PredictionModel.objects.get()


def _whole_panel_predictions(model: PredictionModel, month: pd.Timestamp) -> pd.DataFrame:
    """The predictions of ``model`` from the panel of every position at once (as training builds it)."""
    start = (month.to_period("M") - HISTORY_MONTHS_READ).to_timestamp().date()
    panel = learned.build_panel(learning.history_grid(start=start, end=month.date()), horizon=model.horizon_months)
    at = (panel.months == month).to_numpy() & learned.scored_rows(panel)
    predicted = learned.model_predict(learning.loaded_model(model), panel.features.loc[at]).reset_index(drop=True)
    result = panel.grid.loc[at, POSITION_KEYS].reset_index(drop=True)
    result["learned_probability"] = predicted["probability"].to_numpy()
    for step in range(1, learned.FORECAST_MONTHS + 1):
        result[f"forecast_{step}"] = predicted[f"forecast_{step}"].to_numpy()
    return result


def test_batches_of_establishments_give_the_predictions_of_the_whole_panel(model, settings):
    # given a month end and batches of two establishments (three positions each)
    month = learning.last_complete_month(AS_OF)
    settings.PREDICTION_BATCH_POSITIONS = 2 * PRODUCTS
    batches = learning.prediction_batches(levels=["primary", "hospital"])
    assert [len(batch) for batch in batches] == [2, 2, 2, 2, 1]
    # when the month is predicted in those batches, and in one batch
    batched = learning.month_predictions_compute(month=month, model=model)
    settings.PREDICTION_BATCH_POSITIONS = 10**9
    assert len(learning.prediction_batches(levels=["primary"])) == 1
    single = learning.month_predictions_compute(month=month, model=model)
    # then both are the predictions of the whole panel, to the bit, for positions of both regions
    whole = _whole_panel_predictions(model, month)
    assert len(whole) >= SITES * PRODUCTS // 2
    regions = Establishment.objects.filter(pk__in=batched["establishment_id"]).values("region").distinct()
    assert regions.count() == 2
    for frame in (batched, single):
        pd.testing.assert_frame_equal(frame[POSITION_KEYS + FIGURES], whole, check_exact=True)
        assert (frame["model_version"] == model.version).all()


def test_a_batch_on_its_own_would_not_give_them(model):
    # given the whole panel's predictions: the national and provincial features read every site
    month = learning.last_complete_month(AS_OF)
    whole = _whole_panel_predictions(model, month)
    # when two establishments' panel is built alone, without the other sites
    start = (month.to_period("M") - HISTORY_MONTHS_READ).to_timestamp().date()
    first_two = list(Establishment.objects.order_by("pk").values_list("pk", flat=True)[:2])
    panel = learned.build_panel(
        learning.history_grid(start=start, end=month.date(), establishment_ids=first_two), horizon=2
    )
    at = (panel.months == month).to_numpy() & learned.scored_rows(panel)
    alone = learned.model_predict(learning.loaded_model(model), panel.features.loc[at])
    # then its probabilities differ: what the batched computation must not lose is really there
    expected = whole.loc[whole["establishment_id"].isin(first_two), "learned_probability"].to_numpy()
    assert len(expected) == len(alone) > 0
    assert (abs(alone["probability"].to_numpy() - expected) > 1e-6).any()


def test_a_month_without_reports_yet_predicts_nothing_without_reading_the_histories(model, monkeypatch):
    # given the month after the history's last one: no report of it has arrived
    month = learning.last_complete_month(AS_OF) + pd.DateOffset(months=1)

    def no_read(**_kwargs):
        raise AssertionError("the histories were read for a month without reports")

    monkeypatch.setattr(learning, "history_grid", no_read)
    # when its predictions are computed
    frame = learning.month_predictions_compute(month=month, model=model)
    # then there are none, and nothing was read
    assert frame.empty
    assert list(frame.columns) == learning.MONTH_COLUMNS
