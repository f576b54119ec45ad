"""The position alerts replayed on a walk-forward's position-months: how often each kind would have
fired at the month end, and how often a stockout followed within the horizon. Pure pandas.

Each month-end row of the walk-forward is given the live status (:func:`positions.stock_status` on
the closing count, with the one stockout rule's verdict: a row stocked out by it has nothing usable),
its learned P as the position's stockout probability, and the live conditions of
:func:`alerts.stockout_kind_conditions` decide which alerts it raises. The history has no lots, so the
expiry kinds are not replayed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from shortages.scoring.alerts import STOCKOUT_KINDS, stockout_kind_conditions
from shortages.scoring.params import ScoringParams
from shortages.scoring.positions import stock_status


def replayed_positions(predictions: pd.DataFrame, params: ScoringParams) -> pd.DataFrame:
    """The rows of ``predictions`` (``level``, ``months_of_stock``, ``stocked_out_now``,
    ``consumption_3``, ``p``) as the alert rules read a scored position: ``stock_status``, ``amc``,
    ``stockout_probability`` and ``model_version`` (the walk-forward's P is a learned one)."""
    levels = pd.DataFrame.from_dict(params.stock_levels, orient="index")
    level_values = levels.reindex(predictions["level"]).reset_index(drop=True)
    out = predictions["stocked_out_now"].astype(bool).reset_index(drop=True)
    months = predictions["months_of_stock"].astype("float64").reset_index(drop=True)
    demand = predictions["consumption_3"].astype("float64").reset_index(drop=True)
    # Without a closing count (months of stock unknown) a position not stocked out is insufficient data.
    amc = demand.where(months.notna() | out)
    # The one stockout rule has already judged the month end: nothing usable where it found a stockout.
    usable = pd.Series(np.where(out, 0.0, 1.0), index=months.index)
    status = stock_status(usable, amc, months, level_values, recent_issued=demand)
    return pd.DataFrame(
        {
            "stock_status": status,
            "amc": amc,
            "months_of_stock": months,
            "stockout_probability": predictions["p"].astype("float64").to_numpy(),
            "model_version": 0,
        }
    )


def alert_kind_report(
    predictions: pd.DataFrame, *, params: ScoringParams, labels: Mapping[str, str]
) -> dict[str, dict]:
    """Per stockout kind, keyed by ``labels[kind]``, over the scored rows whose outcome was observed
    (population C): ``alerts``, ``hits`` (followed by a stockout within the horizon), ``positions``,
    ``stockouts``, ``per_thousand`` (alerts per 1,000 positions), ``precision`` (hits / alerts) and
    ``recall`` (hits / stockouts); NaN where a denominator is 0."""
    rows = predictions.loc[predictions["observed"] & predictions["scored"]].reset_index(drop=True)
    held = stockout_kind_conditions(replayed_positions(rows, params), params)
    actual = rows["label"].astype(bool).to_numpy()
    positions, stockouts = len(rows), int(actual.sum())
    report = {}
    for kind in STOCKOUT_KINDS:
        fired = held[kind].to_numpy(dtype=bool)
        alerts, hits = int(fired.sum()), int((fired & actual).sum())
        report[labels[kind]] = {
            "kind": kind,
            "alerts": alerts,
            "hits": hits,
            "positions": positions,
            "stockouts": stockouts,
            "per_thousand": 1000.0 * alerts / positions if positions else float("nan"),
            "precision": hits / alerts if alerts else float("nan"),
            "recall": hits / stockouts if stockouts else float("nan"),
        }
    return report
