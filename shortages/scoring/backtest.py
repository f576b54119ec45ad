"""Backtest helpers: positions as they stood at a past month's end, what happened next, how well
the probability ranked it, what each cut would flag and how well P matches the observed rates.
Pure pandas and numpy.

``history``: ``establishment_id``, ``medicine_id``, ``month``, ``issued``, ``stockout_days``,
``reported``, ``closing_balance`` (units at the month's end, NaN when unknown).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from shortages.scoring.consumption import POSITION_KEYS

#: Cuts of P whose predictions the backtest compares.
DEFAULT_CUTS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
#: Bin edges of the reliability table: 0-0.1, 0.1-0.2, ..., 0.9-1 (k / 10 is the float nearest to
#: the decimal, so P = 0.7 falls in 0.7-0.8).
RELIABILITY_EDGES = tuple(k / 10 for k in range(11))


def positions_at_month_end(history: pd.DataFrame, month: pd.Timestamp) -> pd.DataFrame:
    """Positions with a known closing balance for ``month``: ``stock`` = that balance, no transit."""
    rows = history.loc[(pd.to_datetime(history["month"]) == month) & history["closing_balance"].notna()]
    return rows[POSITION_KEYS].assign(stock=rows["closing_balance"].astype("float64"), in_transit=0.0)


def stockout_outcomes(history: pd.DataFrame, scored: pd.DataFrame, month: pd.Timestamp) -> pd.DataFrame:
    """Per scored position: ``observed`` (at least one reported month in the horizon) and
    ``stocked_out`` (a month of the next ceil(H) months is stocked out: the history's
    ``stocked_out`` column, the rule of :mod:`shortages.scoring.stockouts`, else stockout days).

    The horizon of a position is its ``horizon_months`` (months after ``month``, whole months).
    """
    frame = history.merge(scored[POSITION_KEYS + ["horizon_months"]], on=POSITION_KEYS, how="inner")
    period = pd.to_datetime(frame["month"]).dt.to_period("M")
    offset = (period - month.to_period("M")).map(lambda delta: delta.n).astype("int64")
    within = (offset >= 1) & (offset <= np.ceil(frame["horizon_months"]).astype("int64")) & frame["reported"]
    future = frame.loc[within]
    # the one stockout rule (shortages.scoring.stockouts) when the history carries it
    flag = future["stocked_out"] if "stocked_out" in future else future["stockout_days"].gt(0)
    outcome = flag.groupby([future[key] for key in POSITION_KEYS]).max().rename("stocked_out").reset_index()
    outcome["observed"] = True
    result = scored[POSITION_KEYS].merge(outcome, on=POSITION_KEYS, how="left")
    result["observed"] = result["observed"].fillna(False).astype(bool)
    result["stocked_out"] = result["stocked_out"].fillna(False).astype(bool)
    return result


def prediction_metrics(actual: pd.Series, predicted: pd.Series) -> dict[str, float | int]:
    """Of the positions flagged by ``predicted``: how many, the share that stocked out (precision),
    the share of stockouts flagged (recall) and flags per 1,000 positions. NaN when undefined."""
    actual = np.asarray(actual, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    true_positive = int(np.sum(predicted & actual))
    positives, predicted_count = int(actual.sum()), int(predicted.sum())
    return {
        "predicted": predicted_count,
        "precision": true_positive / predicted_count if predicted_count else float("nan"),
        "recall": true_positive / positives if positives else float("nan"),
        "per_thousand": 1000 * predicted_count / len(actual) if len(actual) else float("nan"),
    }


def classification_metrics(actual: pd.Series, probability: pd.Series, threshold: float) -> dict[str, float | int]:
    """Precision and recall of ``probability >= threshold`` and the ROC AUC of ``probability``.

    AUC = (sum of ranks of positives - n+ (n+ + 1) / 2) / (n+ x n-) (Mann-Whitney, ties averaged);
    NaN when one class is empty, as is precision with no positive prediction.
    """
    actual = actual.astype(bool).to_numpy()
    probability = probability.astype("float64").to_numpy()
    positives = int(actual.sum())
    negatives = len(actual) - positives
    if positives and negatives:
        ranks = rankdata(probability)
        auc = (ranks[actual].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    else:
        auc = float("nan")
    flagged = prediction_metrics(actual, probability >= threshold)
    return {
        "positions": len(actual),
        "stockouts": positives,
        "predicted": flagged["predicted"],
        "precision": flagged["precision"],
        "recall": flagged["recall"],
        "auc": float(auc),
    }


def cut_table(actual: pd.Series, probability: pd.Series, cuts: Sequence[float]) -> pd.DataFrame:
    """One row per cut c: ``cut``, ``predicted`` (positions with P >= c), ``precision``, ``recall``
    and ``per_thousand`` (predicted per 1,000 positions)."""
    probability = np.asarray(probability, dtype="float64")
    rows = [{"cut": float(cut), **prediction_metrics(actual, probability >= cut)} for cut in cuts]
    return pd.DataFrame(rows, columns=["cut", "predicted", "precision", "recall", "per_thousand"])


def reliability_table(
    actual: pd.Series, probability: pd.Series, edges: Sequence[float] = RELIABILITY_EDGES
) -> pd.DataFrame:
    """P in bins [edges[i], edges[i+1]) (the last bin includes its upper edge): ``low``, ``high``,
    ``positions``, ``mean_probability`` and ``observed`` (share that stocked out; NaN when empty).

    A reliable probability has ``observed`` close to ``mean_probability`` in every bin.
    """
    probability = np.asarray(probability, dtype="float64")
    actual = np.asarray(actual, dtype=bool)
    known = ~np.isnan(probability)
    bins = np.searchsorted(np.asarray(edges[1:-1], dtype="float64"), probability[known], side="right")
    frame = pd.DataFrame({"bin": bins, "probability": probability[known], "stocked_out": actual[known]})
    grouped = frame.groupby("bin").agg(
        positions=("stocked_out", "size"),
        mean_probability=("probability", "mean"),
        observed=("stocked_out", "mean"),
    )
    table = grouped.reindex(range(len(edges) - 1))
    table["positions"] = table["positions"].fillna(0).astype("int64")
    table.insert(0, "low", list(edges[:-1]))
    table.insert(1, "high", list(edges[1:]))
    return table.reset_index(drop=True)
