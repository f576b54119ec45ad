"""Walk-forward evaluation of the learned models against the analytical formula and the naive rule.

For every test month-end t, models are trained on what was known at t (outcomes complete by t:
month + horizon <= t) and predict the positions of t. Every method is then judged on the same
position-months, in two populations: **A**, positions not stocked out at t (the early-warning
question), and **C**, A plus those already stocked out. Pure pandas and numpy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from shortages.scoring.backtest import RELIABILITY_EDGES, reliability_table
from shortages.scoring.learned import (
    FORECAST_MONTHS,
    LearnedModel,
    NotEnoughHistory,
    Panel,
    model_predict,
    model_train,
    scored_rows,
)

#: The naive rule the probability is compared with: months of stock under one month.
NAIVE_RULE_MONTHS = 1.0


def roc_auc(actual, score) -> float:
    """Mann-Whitney ROC AUC (ties averaged); NaN when a class is empty."""
    actual = np.asarray(actual, dtype=bool)
    positives = int(actual.sum())
    negatives = len(actual) - positives
    if not positives or not negatives:
        return float("nan")
    ranks = rankdata(np.asarray(score, dtype="float64"))
    return float((ranks[actual].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def expected_calibration_error(actual, probability, edges: Sequence[float] = RELIABILITY_EDGES) -> float:
    """Sum over equal-width bins of (rows in bin / rows) x |mean P - observed rate|."""
    table = reliability_table(actual, probability, edges)
    filled = table.loc[table["positions"] > 0]
    if filled.empty:
        return float("nan")
    gaps = (filled["mean_probability"] - filled["observed"]).abs()
    return float((gaps * filled["positions"]).sum() / filled["positions"].sum())


def brier_skill(actual, probability) -> tuple[float, float]:
    """Brier score and its skill against always answering the base rate (1 - BS / BS_base)."""
    actual = np.asarray(actual, dtype="float64")
    probability = np.asarray(probability, dtype="float64")
    brier = float(np.mean((probability - actual) ** 2))
    base = actual.mean()
    reference = base * (1 - base)
    return brier, float(1 - brier / reference) if reference > 0 else float("nan")


def recall_at_precision(actual, score, precision: float) -> tuple[float, float]:
    """The highest recall of a cut of ``score`` whose precision is at least ``precision``, and that cut
    (NaN when no cut reaches it). Cuts fall between distinct scores."""
    actual = np.asarray(actual, dtype=bool)
    score = np.asarray(score, dtype="float64")
    if not actual.any() or np.isnan(precision):
        return float("nan"), float("nan")
    order = np.argsort(-score, kind="stable")
    sorted_scores = score[order]
    hits = np.cumsum(actual[order])
    last_of_tie = np.r_[sorted_scores[1:] != sorted_scores[:-1], True]
    counts = np.arange(1, len(score) + 1)[last_of_tie]
    hits = hits[last_of_tie]
    precisions = hits / counts
    reaching = np.flatnonzero(precisions >= precision - 1e-12)
    if not len(reaching):
        return 0.0, float("nan")
    best = reaching[np.argmax(hits[reaching])]
    return float(hits[best] / actual.sum()), float(sorted_scores[last_of_tie][best])


def population_report(frame: pd.DataFrame, *, cut: float) -> dict:
    """Figures of one population of a walk-forward: ``frame`` has ``label``, ``p`` (learned),
    ``p_formula`` and ``months_of_stock``."""
    actual = frame["label"].to_numpy(dtype=bool)
    rule = (frame["months_of_stock"] < NAIVE_RULE_MONTHS).to_numpy()
    rule_hits = int((rule & actual).sum())
    rule_precision = rule_hits / rule.sum() if rule.sum() else float("nan")
    rule_recall = rule_hits / actual.sum() if actual.sum() else float("nan")
    recall, rule_cut = recall_at_precision(actual, frame["p"], rule_precision)
    flagged = frame["p"].to_numpy() >= cut
    brier, skill = brier_skill(actual, frame["p"])
    return {
        "rows": len(frame),
        "stockouts": int(actual.sum()),
        "base_rate": float(actual.mean()) if len(actual) else float("nan"),
        "auc": roc_auc(actual, frame["p"]),
        "auc_formula": roc_auc(actual, frame["p_formula"].fillna(0.0)),
        "auc_months_of_stock": roc_auc(actual, -frame["months_of_stock"].fillna(0.0)),
        "ece": expected_calibration_error(actual, frame["p"]),
        "ece_formula": expected_calibration_error(actual, frame["p_formula"].fillna(0.0)),
        "brier": brier,
        "brier_skill": skill,
        "brier_skill_formula": brier_skill(actual, frame["p_formula"].fillna(0.0))[1],
        "cut": cut,
        "flagged": int(flagged.sum()),
        "precision_at_cut": float((flagged & actual).sum() / flagged.sum()) if flagged.sum() else float("nan"),
        "recall_at_cut": float((flagged & actual).sum() / actual.sum()) if actual.sum() else float("nan"),
        "rule_precision": rule_precision,
        "rule_recall": rule_recall,
        "recall_at_rule_precision": recall,
        "cut_at_rule_precision": rule_cut,
        "reliability": reliability_table(actual, frame["p"]).to_dict("records"),
    }


@dataclass
class WalkForward:
    """The predictions of every test month (one row per position and month end) and the models'
    training sizes."""

    predictions: pd.DataFrame
    months: list[pd.Timestamp]
    skipped: list[tuple[pd.Timestamp, str]]


def walk_forward(
    panel: Panel,
    *,
    test_months: Sequence[pd.Timestamp],
    formula: Callable[[Panel, np.ndarray], np.ndarray] | None = None,
    seed: int = 7,
    progress: Callable[[pd.Timestamp, LearnedModel], None] | None = None,
    retrain_every: int = 1,
) -> WalkForward:
    """For each month t of ``test_months``: train on what was known at t, predict the scored rows of t.

    ``formula(panel, mask)`` gives the analytical probability of the rows in ``mask`` (NaN where it
    has none); predictions hold, for every position reported at t, ``scored`` (the probability's
    population: with recent demand), ``p``, ``p_formula``, ``months_of_stock``, ``stocked_out_now``,
    ``label``, ``observed`` and the forecasts. ``retrain_every`` > 1 keeps a model for that many
    months (each still trained on months before the first one it predicts)."""
    features = panel.features
    scored = scored_rows(panel)
    reported = features["reported"].to_numpy(dtype=bool)
    frames, done, skipped = [], [], []
    model, trained_at = None, None
    for month in test_months:
        month = pd.Timestamp(month)
        mask = reported & (panel.months == month).to_numpy()
        if not (mask & scored).any():
            continue
        stale = trained_at is None or (month.to_period("M") - trained_at.to_period("M")).n >= retrain_every
        if model is None or stale:
            try:
                model, trained_at = model_train(panel, until=month, seed=seed), month
            except NotEnoughHistory as reason:
                skipped.append((month, str(reason)))
                continue
        predicted = model_predict(model, features.loc[mask])
        rows = panel.grid.loc[mask, ["establishment_id", "medicine_id", "month"]].copy()
        rows["scored"] = scored[mask]
        rows["p"] = predicted["probability"].to_numpy()
        rows["p_formula"] = formula(panel, mask) if formula is not None else np.nan
        rows["months_of_stock"] = features.loc[mask, "months_of_stock"].to_numpy()
        rows["stocked_out_now"] = features.loc[mask, "stocked_out"].to_numpy(dtype=bool)
        rows["label"] = features.loc[mask, "label"].to_numpy(dtype=bool)
        rows["observed"] = features.loc[mask, "observed"].to_numpy(dtype=bool)
        rows["consumption_3"] = features.loc[mask, "consumption_3"].to_numpy()
        for step in range(1, FORECAST_MONTHS + 1):
            for column in (f"forecast_{step}", f"forecast_low_{step}", f"forecast_high_{step}"):
                rows[column] = predicted[column].to_numpy() if column in predicted else np.nan
            rows[f"future_{step}"] = features.loc[mask, f"future_{step}"].to_numpy()
        frames.append(rows)
        done.append(month)
        if progress is not None:
            progress(month, model)
    predictions = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return WalkForward(predictions=predictions, months=done, skipped=skipped)


def walk_forward_report(predictions: pd.DataFrame, *, cut: float) -> dict:
    """Populations A and C of a walk-forward's observed rows."""
    observed = predictions.loc[predictions["observed"] & predictions["scored"]]
    return {
        "A": population_report(observed.loc[~observed["stocked_out_now"]], cut=cut),
        "C": population_report(observed, cut=cut),
    }


def mase_report(panel: Panel, predictions: pd.DataFrame, *, origins: Sequence[pd.Timestamp]) -> dict:
    """Mean MASE of the three-month forecast and of a 3-month moving average, per origin and overall.

    For each series (position) reported at an origin: errors over the following months that were
    reported, scaled by the mean absolute one-step naive error of the series' reported history up
    to the origin (consecutive reported months); series with a zero or unknown scale are left out.
    ``mase_hindsight_best``: the mean, over the same series, of the smaller of the two errors
    (``hindsight_ratio``: over the moving average's)."""
    grid = panel.grid
    issued = grid["issued"].where(grid["reported"]).astype("float64")
    history = grid.assign(issued=issued)[["establishment_id", "medicine_id", "month", "issued"]]
    rows = []
    for origin in origins:
        origin = pd.Timestamp(origin)
        past = history.loc[(history["month"] <= origin) & history["issued"].notna()].sort_values(
            ["establishment_id", "medicine_id", "month"]
        )
        consecutive = past.groupby(["establishment_id", "medicine_id"])["month"].diff().dt.days.le(31)
        steps = past["issued"].diff().abs().where(consecutive)
        scale = steps.groupby([past["establishment_id"], past["medicine_id"]]).mean().rename("scale")
        moving = (
            past.groupby(["establishment_id", "medicine_id"])["issued"]
            .apply(lambda values: values.tail(3).mean())
            .rename("moving_average")
        )
        at_origin = predictions.loc[predictions["month"] == origin]
        at_origin = at_origin.join(scale, on=["establishment_id", "medicine_id"]).join(
            moving, on=["establishment_id", "medicine_id"]
        )
        at_origin = at_origin.loc[at_origin["scale"] > 0]
        model_errors, moving_errors = [], []
        for step in range(1, FORECAST_MONTHS + 1):
            actual = at_origin[f"future_{step}"]
            model_errors.append((actual - at_origin[f"forecast_{step}"]).abs())
            moving_errors.append((actual - at_origin["moving_average"]).abs())
        model_mase = pd.concat(model_errors, axis=1).mean(axis=1) / at_origin["scale"]
        moving_mase = pd.concat(moving_errors, axis=1).mean(axis=1) / at_origin["scale"]
        kept = model_mase.notna() & moving_mase.notna()
        rows.append(
            {
                "origin": origin,
                "series": int(kept.sum()),
                "mase_forecast": float(model_mase[kept].mean()),
                "mase_moving_average": float(moving_mase[kept].mean()),
                "errors": pd.DataFrame({"forecast": model_mase[kept], "moving_average": moving_mase[kept]}),
            }
        )
    errors = pd.concat([row.pop("errors") for row in rows]) if rows else pd.DataFrame()
    forecast = float(errors["forecast"].mean()) if len(errors) else float("nan")
    moving = float(errors["moving_average"].mean()) if len(errors) else float("nan")
    # For each series the better of the two forecasts, picked once the months are known: no rule that
    # chooses between them from the history alone can do better (how far a target below it is).
    hindsight = float(errors.min(axis=1).mean()) if len(errors) else float("nan")
    return {
        "origins": rows,
        "series": len(errors),
        "mase_forecast": forecast,
        "mase_moving_average": moving,
        "ratio": forecast / moving if moving else float("nan"),
        "mase_hindsight_best": hindsight,
        "hindsight_ratio": hindsight / moving if moving else float("nan"),
    }


def formula_probability(panel: Panel, mask: np.ndarray, *, months: int, horizon_months: float) -> np.ndarray:
    """The analytical probability (:func:`shortages.scoring.stockout_probability`) of the rows in
    ``mask``, all of one month t: stock = the closing count, AMC and sigma over the ``months``
    months up to t, nothing in transit, the given horizon."""
    from shortages.scoring.consumption import adjusted_consumption, consumption_stats
    from shortages.scoring.positions import stockout_probability

    grid = panel.grid
    month = pd.Timestamp(grid.loc[mask, "month"].iloc[0])
    as_of = (month + pd.offsets.MonthEnd(0)).date()
    window = grid.loc[(grid["month"] <= month) & (grid["month"] > _shift(month, -months))]
    consumption = window.assign(stockout_days=window["stockout_days"].fillna(0).clip(upper=31))
    consumption = consumption.assign(issued=consumption["issued"].fillna(0))
    stats = consumption_stats(adjusted_consumption(consumption, as_of=as_of, months=months))
    rows = grid.loc[mask, ["establishment_id", "medicine_id", "closing_balance"]].merge(
        stats, on=["establishment_id", "medicine_id"], how="left"
    )
    stock = rows["closing_balance"].astype("float64").fillna(0.0)
    horizon = pd.Series(horizon_months, index=rows.index, dtype="float64")
    probability = stockout_probability(stock, stock * 0.0, rows["amc"], rows["sigma"], horizon)
    return probability.to_numpy()


def _shift(month: pd.Timestamp, months: int) -> pd.Timestamp:
    return (month.to_period("M") + months).to_timestamp()


def test_month_ends(panel: Panel, *, first: dt.date | pd.Timestamp) -> list[pd.Timestamp]:
    """Month-ends from ``first`` on that leave a full horizon of history after them."""
    last = _shift(pd.Timestamp(panel.months.max()), -panel.horizon)
    months = sorted(pd.Timestamp(month) for month in panel.months.unique())
    return [month for month in months if pd.Timestamp(first) <= month <= last]
