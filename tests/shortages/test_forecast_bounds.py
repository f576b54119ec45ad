"""The demand forecast's uncertainty kept and shown: a month's predictions store, for each of the
three months ahead, the 10 % and 90 % quantiles beside the median (``PositionPrediction``), and the
position page shows each month's median with its 80 % interval from the stored prediction that
spoke for the position."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse
from django.utils import translation

from shortages.models import PositionPrediction, PredictionModel, RiskScore
from shortages.scoring import learned
from shortages.scoring.consumption import POSITION_KEYS
from shortages.scoring.features import HISTORY_MONTHS_READ
from shortages.services import learning, scores
from stock.models import StockLevel
from stock.services.history_load import history_file_load
from stock.templatetags.ui import qty
from tests import factories
from tests.shortages.prediction_world import synthetic_history

AS_OF = dt.date(2018, 6, 30)  # the synthetic history runs from 2016-01 to 2018-06
JUNE = dt.date(2018, 6, 1)  # the last complete month on AS_OF: the month the predictions come from
STEPS = range(1, learned.FORECAST_MONTHS + 1)
BOUNDS = [f"forecast_{name}_{step}" for step in STEPS for name in ("low", "high")]


@pytest.fixture
def model(tmp_path: Path, db) -> PredictionModel:
    """The small model of the prediction tests: eight sites, three products, 30 months, trained
    through the report import and the training service (a few seconds)."""
    path = tmp_path / "history.csv"
    synthetic_history(sites=8, products=3, months=30).to_csv(path, index=False)
    assert history_file_load(path=path, mapping="lmis-civ").rows_written == 8 * 3 * 30
    learning.prediction_models_train(until=AS_OF, seed=11)
    return PredictionModel.objects.get()


def _stored(model: PredictionModel) -> pd.DataFrame:
    columns = [*POSITION_KEYS, *(f"forecast_{step}" for step in STEPS), *BOUNDS]
    rows = PositionPrediction.objects.filter(month=JUNE, model_version=model.version).values_list(*columns)
    return pd.DataFrame(list(rows), columns=columns).sort_values(POSITION_KEYS, ignore_index=True)


def test_a_months_predictions_store_each_months_80_percent_interval(model):
    # when the month's predictions are computed and stored (the worker's refresh; a binary COPY on
    # PostgreSQL, bulk_create elsewhere)
    learning.month_predictions_refresh(as_of=AS_OF)
    stored = _stored(model)
    # then every position has both bounds of every month, around the median
    assert len(stored) == 8 * 3
    assert stored[BOUNDS].notna().all().all()
    for step in STEPS:
        low, median, high = (stored[f"forecast_{name}{step}"] for name in ("low_", "", "high_"))
        assert ((low <= median) & (median <= high)).all()
        assert ((low < median) & (median < high)).any()  # a spread, not the median copied
    # and they are the quantiles the model gives for the whole panel at the month end, to the bit
    month = pd.Timestamp(JUNE)
    start = (month.to_period("M") - HISTORY_MONTHS_READ).to_timestamp().date()
    panel = learned.build_panel(learning.history_grid(start=start, end=JUNE), horizon=model.horizon_months)
    at = (panel.months == month).to_numpy() & learned.scored_rows(panel)
    predicted = learned.model_predict(learning.loaded_model(model), panel.features.loc[at]).reset_index(drop=True)
    whole = pd.concat([panel.grid.loc[at, POSITION_KEYS].reset_index(drop=True), predicted[BOUNDS]], axis=1)
    whole = whole.astype(dict.fromkeys(POSITION_KEYS, "int64")).sort_values(POSITION_KEYS, ignore_index=True)
    pd.testing.assert_frame_equal(stored[[*POSITION_KEYS, *BOUNDS]], whole, check_exact=True, check_dtype=False)


def test_quantiles_that_cross_are_kept_around_the_median(model):
    # given the model's 10 % and 90 % boosters swapped: every bound then lies on the wrong side
    trained = learned.LearnedModel.from_payload(model.payload)
    for step in STEPS:
        trained.forecasters[f"low_{step}"], trained.forecasters[f"high_{step}"] = (
            trained.forecasters[f"high_{step}"],
            trained.forecasters[f"low_{step}"],
        )
    month = pd.Timestamp(JUNE)
    start = (month.to_period("M") - HISTORY_MONTHS_READ).to_timestamp().date()
    panel = learned.build_panel(learning.history_grid(start=start, end=JUNE), horizon=model.horizon_months)
    features = panel.features.loc[(panel.months == month).to_numpy() & learned.scored_rows(panel)]
    # when
    predicted = learned.model_predict(trained, features)
    # then each bound is set to the median rather than crossing it
    for step in STEPS:
        low, median, high = (predicted[f"forecast_{name}{step}"].to_numpy() for name in ("low_", "", "high_"))
        assert np.array_equal(low, median) and np.array_equal(high, median)


def test_a_model_without_quantile_boosters_stores_no_bounds(model):
    # given a stored model whose forecasters are the medians only
    payload = json.loads(model.payload)
    payload["forecasters"] = {name: text for name, text in payload["forecasters"].items() if name.startswith("median")}
    PredictionModel.objects.filter(pk=model.pk).update(payload=json.dumps(payload))
    learning._LOADED.clear()
    # when its month is computed
    learning.month_predictions_refresh(as_of=AS_OF)
    # then the medians are stored, the bounds are null
    stored = _stored(model)
    assert len(stored) == 8 * 3
    assert stored[[f"forecast_{step}" for step in STEPS]].notna().all().all() and stored[BOUNDS].isna().all().all()


def _intervals(client, establishment_id: int, medicine_id: int) -> list[str]:
    with translation.override("fr"):
        content = client.get(reverse("shortages:position_detail", args=[establishment_id, medicine_id])).content
    cells = re.findall(r'<td data-testid="forecast-interval">(.*?)</td>', content.decode(), flags=re.S)
    return [html.unescape(re.sub(r"\s+", " ", cell)).strip() for cell in cells]


def test_the_position_page_shows_each_months_median_and_80_percent_interval(client, personas, model):
    # given a day scored with the learned model, and a position of the same site with no history (the
    # formula answers for it)
    site = StockLevel.objects.order_by("establishment_id", "medicine_id").first().establishment
    newcomer = factories.MedicineFactory()
    StockLevel.objects.create(establishment=site, medicine=newcomer, quantity=100, in_transit=0)
    learning.month_predictions_refresh(as_of=AS_OF)
    scores.scoring_run_execute(as_of=AS_OF)
    learned_keys = list(
        RiskScore.objects.positions()
        .published_on(AS_OF)
        .filter(model_version=model.version)
        .order_by("establishment_id", "medicine_id")
        .values_list("establishment_id", "medicine_id")
    )
    shown, before, recomputed = learned_keys[:3]
    # a stored prediction of before the bounds were kept, and one whose first month was computed
    # again after the run (its interval belongs to another median until the next run)
    PositionPrediction.objects.filter(establishment_id=before[0], medicine_id=before[1]).update(**dict.fromkeys(BOUNDS))
    PositionPrediction.objects.filter(establishment_id=recomputed[0], medicine_id=recomputed[1]).update(
        forecast_1=12345.0
    )
    expected = {}
    with translation.override("fr"):
        for key in (shown, recomputed):
            row = PositionPrediction.objects.get(month=JUNE, establishment_id=key[0], medicine_id=key[1])
            expected[key] = [
                f"entre {qty(getattr(row, f'forecast_low_{step}'))} et {qty(getattr(row, f'forecast_high_{step}'))}"
                for step in STEPS
            ]
    expected[recomputed][0] = "—"
    expected[before] = []
    expected[(site.pk, newcomer.pk)] = []
    # when an analyst opens each position
    client.force_login(personas.analyst)
    pages = {key: _intervals(client, *key) for key in expected}
    # then each month's median comes with "entre X et Y" from the prediction that spoke; nothing new
    # where the formula answered or the stored prediction has no bounds
    assert pages == expected
    with translation.override("fr"):
        text = html.unescape(
            re.sub(r"<[^>]+>", " ", client.get(reverse("shortages:position_detail", args=shown)).content.decode())
        )
    assert "Intervalle à 80 %" in re.sub(r"\s+", " ", text)
