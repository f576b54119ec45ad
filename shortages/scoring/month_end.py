"""The learned model's predictions of every position at one month end, computed in parts.

:func:`shortages.scoring.learned.build_panel` over the whole national history holds every month of
every position at once (millions of rows, gigabytes). Only the month end is predicted, and nearly
every feature reads the position's own rows or its establishment's: a part made of whole
establishments gives those features alone (:func:`month_part`). The national and provincial
features add up every position of a medicine; each part keeps what its rows add to them for the
months those features read, and :func:`month_predict` computes them once over all the parts before
predicting. The parts come in the order of the whole history, so that the float sums are the same
as over it: the predictions are those of the whole panel, to the last bit.

Pure: frames in, frames out; no Django import.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shortages.scoring.consumption import POSITION_KEYS
from shortages.scoring.features import SUPPLY_EARLIER_MONTHS, own_features, supply_nodes, with_signals
from shortages.scoring.learned import FORECAST_FEATURES, LearnedModel, model_predict, with_issue_lags
from shortages.scoring.stockouts import position_codes


@dataclass
class MonthPart:
    """Whole establishments at a month end, before the national and provincial features: ``keys``
    and ``features`` of their rows scored at the month, and the ``figures`` those features add up
    (:func:`shortages.scoring.features.supply_figures`) of their rows of the month and of the
    months before it that those features read, ``scored`` marking the rows of ``features``."""

    keys: pd.DataFrame
    features: pd.DataFrame
    figures: pd.DataFrame


def month_part(grid: pd.DataFrame, *, month: pd.Timestamp) -> MonthPart:
    """What ``grid`` (whole establishments on a complete grid up to ``month``, sorted by position
    and month) gives alone of the rows scored at ``month`` (reported, with recent demand, as
    :func:`shortages.scoring.learned.scored_rows`): the model inputs but the national, provincial
    and signal ones, and the scale of the forecasts."""
    features, figures = own_features(grid)
    _issued, scale = with_issue_lags(features, grid, position_codes(grid))
    reported = grid["reported"].to_numpy(dtype=bool)
    has_demand = np.nan_to_num(features["consumption_3"].to_numpy()) > 0
    months = grid["month"]
    scored = (months == month).to_numpy() & reported & has_demand
    first = (month.to_period("M") - max(SUPPLY_EARLIER_MONTHS)).to_timestamp()
    read = ((months >= first) & (months <= month)).to_numpy()
    inputs = [column for column in FORECAST_FEATURES if column in features]
    return MonthPart(
        keys=grid.loc[scored, POSITION_KEYS].reset_index(drop=True),
        features=features.loc[scored, inputs].assign(scale=scale[scored]).reset_index(drop=True),
        figures=figures.loc[read].assign(scored=scored[read]).reset_index(drop=True),
    )


def month_predict(model: LearnedModel, parts: list[MonthPart]) -> pd.DataFrame:
    """``keys`` and :func:`shortages.scoring.learned.model_predict` of every row scored at the month.
    ``parts`` cover every position, in the order of the whole history (establishment, then
    medicine): the national and provincial features are computed once over all their figures, then
    each part is predicted on its own."""
    figures = pd.concat([part.figures for part in parts], ignore_index=True)
    scored = figures.pop("scored").to_numpy()
    nodes = supply_nodes(figures, at=scored).reset_index(drop=True)
    del figures
    predicted, start = [], 0
    for part in parts:
        end = start + len(part.features)
        if end > start:
            features = part.features.join(nodes.iloc[start:end].reset_index(drop=True))
            result = model_predict(model, with_signals(features, part.keys, None))
            predicted.append(pd.concat([part.keys, result.reset_index(drop=True)], axis=1))
        start = end
    return pd.concat(predicted, ignore_index=True) if predicted else pd.DataFrame(columns=POSITION_KEYS)
