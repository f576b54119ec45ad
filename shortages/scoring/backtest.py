"""Backtest helpers: positions as they stood at a past month's end, what happened next, and how
well the probability ranked it. Pure pandas and numpy.

``history``: ``establishment_id``, ``medicine_id``, ``month``, ``issued``, ``stockout_days``,
``reported``, ``closing_balance`` (units at the month's end, NaN when unknown).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from shortages.scoring.consumption import POSITION_KEYS


def positions_at_month_end(history: pd.DataFrame, month: pd.Timestamp) -> pd.DataFrame:
    """Positions with a known closing balance for ``month``: ``stock`` = that balance, no transit."""
    rows = history.loc[(pd.to_datetime(history["month"]) == month) & history["closing_balance"].notna()]
    return rows[POSITION_KEYS].assign(stock=rows["closing_balance"].astype("float64"), in_transit=0.0)


def stockout_outcomes(history: pd.DataFrame, scored: pd.DataFrame, month: pd.Timestamp) -> pd.DataFrame:
    """Per scored position: ``observed`` (at least one reported month in the horizon) and
    ``stocked_out`` (a month of the next ceil(H) months has stockout days).

    The horizon of a position is its ``horizon_months`` (months after ``month``, whole months).
    """
    frame = history.merge(scored[POSITION_KEYS + ["horizon_months"]], on=POSITION_KEYS, how="inner")
    period = pd.to_datetime(frame["month"]).dt.to_period("M")
    offset = (period - month.to_period("M")).map(lambda delta: delta.n).astype("int64")
    within = (offset >= 1) & (offset <= np.ceil(frame["horizon_months"]).astype("int64")) & frame["reported"]
    future = frame.loc[within]
    outcome = future.groupby(POSITION_KEYS)["stockout_days"].max().gt(0).rename("stocked_out").reset_index()
    outcome["observed"] = True
    result = scored[POSITION_KEYS].merge(outcome, on=POSITION_KEYS, how="left")
    result["observed"] = result["observed"].fillna(False).astype(bool)
    result["stocked_out"] = result["stocked_out"].fillna(False).astype(bool)
    return result


def classification_metrics(actual: pd.Series, probability: pd.Series, threshold: float) -> dict[str, float | int]:
    """Precision and recall of ``probability >= threshold`` and the ROC AUC of ``probability``.

    AUC = (sum of ranks of positives - n+ (n+ + 1) / 2) / (n+ x n-) (Mann-Whitney, ties averaged);
    NaN when one class is empty, as is precision with no positive prediction.
    """
    actual = actual.astype(bool).to_numpy()
    probability = probability.astype("float64").to_numpy()
    predicted = probability >= threshold
    true_positive = int(np.sum(predicted & actual))
    positives, predicted_count = int(actual.sum()), int(predicted.sum())
    negatives = len(actual) - positives
    if positives and negatives:
        ranks = rankdata(probability)
        auc = (ranks[actual].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    else:
        auc = float("nan")
    return {
        "positions": len(actual),
        "stockouts": positives,
        "predicted": predicted_count,
        "precision": true_positive / predicted_count if predicted_count else float("nan"),
        "recall": true_positive / positives if positives else float("nan"),
        "auc": float(auc),
    }
