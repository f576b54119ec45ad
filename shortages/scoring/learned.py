"""The learned models: a calibrated stockout probability and a demand forecast with its spread.

Both are gradient-boosted trees (LightGBM) over every position at once, trained on the features of
:mod:`shortages.scoring.features`:

- **probability**: P(the position is stocked out, by :mod:`shortages.scoring.stockouts`, in one of
  the next ``horizon`` months), a binary model whose raw output is then calibrated by Platt scaling
  (a logistic map of its log-odds) fitted on *out-of-time* predictions: models trained on earlier
  months predicting the ``CALIBRATION_MONTHS`` latest months whose outcome is known. The final
  model is then trained on every month whose outcome is known. Nothing is learned from a month
  whose outcome is not complete at the cut-off ``until``.
- **forecast**: the units issued in each of the next three months, as a median (L1 loss) and the
  10 % and 90 % quantiles, of the issues scaled by the position's recent consumption (one model per
  month ahead and quantile).

Deterministic for a seed (single-threaded tree building order is fixed by ``deterministic``).
Pure: frames in, frames out; no Django import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.special import expit, logit

from shortages.scoring.features import FEATURES, horizon_outcome
from shortages.scoring.stockouts import lagged, position_codes

FORECAST_MONTHS = 3
QUANTILES = {"low": 0.1, "median": 0.5, "high": 0.9}
LAG_FEATURES = [f"issued_lag_{lag}" for lag in range(12)]
FORECAST_FEATURES = FEATURES + LAG_FEATURES
#: Hyper-parameters fixed once for all positions (see docs/scoring.md for how they were chosen).
CLASSIFIER_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.03,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.7,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 5.0,
    "verbose": -1,
    "deterministic": True,
    "force_row_wise": True,
}
CLASSIFIER_ROUNDS = 300
FORECAST_ROUNDS = 200
#: Out-of-time months the calibration is fitted on (at most: the first months of a history have no
#: earlier model to predict them), and how often the model predicting them is refitted. Two years:
#: the map's two parameters then rest on the model's behaviour over more than one season and supply
#: cycle, not on the latest year's stockout rate alone (chosen on the Côte d'Ivoire history, see
#: docs/scoring.md).
CALIBRATION_MONTHS = 24
CALIBRATION_REFIT_MONTHS = 3
#: Months with a known outcome needed before a model is trained at all.
MINIMUM_TRAINING_MONTHS = 6


class NotEnoughHistory(ValueError):
    """The history is too short to learn from: the analytical formula answers instead."""


@dataclass
class Panel:
    """The history on its complete grid with features, outcome and demand scale, one row per
    position-month (``grid`` holds the keys and raw figures, ``features`` the model inputs)."""

    grid: pd.DataFrame
    features: pd.DataFrame
    horizon: int

    @property
    def months(self) -> pd.Series:
        return self.grid["month"]


def build_panel(grid: pd.DataFrame, *, horizon: int, signals: pd.DataFrame | None = None) -> Panel:
    """Features (with the scaled issue lags of the forecast) and, per row, ``label``/``observed`` over
    ``horizon`` months, ``scale`` (units/month) and ``future_<h>`` (units issued h months later)."""
    from shortages.scoring.features import position_features

    features = position_features(grid, signals)
    codes = position_codes(grid)
    reported = grid["reported"].to_numpy(dtype=bool)
    issued, scale = with_issue_lags(features, grid, codes)
    outcome = horizon_outcome(grid, features["stocked_out"].to_numpy(), horizon)
    features["label"] = outcome["label"].to_numpy()
    features["observed"] = outcome["observed"].to_numpy()
    features["scale"] = scale
    features["reported"] = reported
    features["has_demand"] = np.nan_to_num(features["consumption_3"].to_numpy()) > 0
    for step in range(1, FORECAST_MONTHS + 1):
        ahead = np.full(len(issued), np.nan)
        if step < len(issued):
            same = codes[:-step] == codes[step:]
            ahead[:-step] = np.where(same, issued[step:], np.nan)
        features[f"future_{step}"] = ahead
    return Panel(grid=grid, features=features, horizon=horizon)


def with_issue_lags(features: pd.DataFrame, grid: pd.DataFrame, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add the forecast's ``issued_lag_<k>`` (units issued k months earlier over the scale) to
    ``features``; return the units issued (NaN where unreported) and the scale."""
    reported = grid["reported"].to_numpy(dtype=bool)
    issued = np.where(reported, grid["issued"].astype("float64"), np.nan)
    scale = _scale(issued, codes)
    for lag in range(12):
        features[f"issued_lag_{lag}"] = (lagged(issued, codes, lag) if lag else issued) / scale
    return issued, scale


def _scale(issued: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Mean units issued over the last 6 reported months (at least 0.5 unit/month, NaN without any)."""
    stack = np.vstack([issued] + [lagged(issued, codes, lag) for lag in range(1, 6)])
    counts = (~np.isnan(stack)).sum(axis=0)
    mean = np.where(counts > 0, np.nansum(stack, axis=0) / np.maximum(counts, 1), np.nan)
    return np.where(np.isnan(mean), np.nan, np.maximum(mean, 0.5))


def scored_rows(panel: Panel) -> np.ndarray:
    """Rows a probability is given for: reported at the month end, with demand in the recent months."""
    features = panel.features
    return (features["reported"] & features["has_demand"]).to_numpy()


@dataclass
class LearnedModel:
    """A trained probability model with its calibration and the demand forecasters."""

    horizon: int
    until: pd.Timestamp
    classifier: lgb.Booster
    calibration: tuple[float, float]
    forecasters: dict[str, lgb.Booster] = field(default_factory=dict)
    training_rows: int = 0
    calibration_rows: int = 0
    first_month: pd.Timestamp | None = None
    base_rate: float = float("nan")
    seed: int = 0

    @property
    def feature_names(self) -> list[str]:
        """The probability model's inputs as it was trained: a model stored before a feature was
        added still reads its own."""
        return self.classifier.feature_name()

    def to_payload(self) -> dict:
        """A JSON-serialisable form (the boosters as LightGBM's own text format)."""
        return {
            "horizon": self.horizon,
            "until": self.until.strftime("%Y-%m-%d"),
            "first_month": self.first_month.strftime("%Y-%m-%d") if self.first_month is not None else None,
            "classifier": self.classifier.model_to_string(),
            "calibration": list(self.calibration),
            "forecasters": {name: booster.model_to_string() for name, booster in self.forecasters.items()},
            "training_rows": self.training_rows,
            "calibration_rows": self.calibration_rows,
            "base_rate": self.base_rate,
            "seed": self.seed,
        }

    @classmethod
    def from_payload(cls, payload: dict | str) -> LearnedModel:
        data = json.loads(payload) if isinstance(payload, str) else payload
        return cls(
            horizon=int(data["horizon"]),
            until=pd.Timestamp(data["until"]),
            first_month=pd.Timestamp(data["first_month"]) if data.get("first_month") else None,
            classifier=lgb.Booster(model_str=data["classifier"]),
            calibration=(float(data["calibration"][0]), float(data["calibration"][1])),
            forecasters={name: lgb.Booster(model_str=text) for name, text in data["forecasters"].items()},
            training_rows=int(data.get("training_rows", 0)),
            calibration_rows=int(data.get("calibration_rows", 0)),
            base_rate=float(data.get("base_rate", float("nan"))),
            seed=int(data.get("seed", 0)),
        )


#: Threads of the tree building (results are identical for a seed and a thread count). One: OpenMP
#: threads spin while they wait, and on a 2-core server shared with the web and the database two
#: threads made a small training 50 times slower, not faster.
THREADS = 1


def _classifier(rows: pd.DataFrame, seed: int) -> lgb.Booster:
    dataset = lgb.Dataset(rows[FEATURES], rows["label"].astype("float64"), free_raw_data=True)
    return lgb.train({**CLASSIFIER_PARAMS, "seed": seed, "num_threads": THREADS}, dataset, CLASSIFIER_ROUNDS)


def platt_fit(raw: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    """(a, b) of P = expit(a x logit(raw) + b), by Newton's method on the log loss (a kept > 0, so
    that the map is increasing: a probability never ranks positions otherwise than the model)."""
    z = logit(np.clip(raw, 1e-6, 1 - 1e-6))
    y = np.asarray(actual, dtype="float64")
    a, b = 1.0, 0.0
    for _ in range(100):
        q = expit(a * z + b)
        weight = q * (1 - q)
        gradient = np.array([((q - y) * z).sum(), (q - y).sum()])
        hessian = np.array([[(weight * z * z).sum(), (weight * z).sum()], [(weight * z).sum(), weight.sum()]])
        step = np.linalg.solve(hessian + 1e-9 * np.eye(2), gradient)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    return max(float(a), 1e-3), float(b)


def calibrated(raw: np.ndarray, calibration: tuple[float, float]) -> np.ndarray:
    """The calibrated probability of raw model outputs."""
    a, b = calibration
    return expit(a * logit(np.clip(np.asarray(raw, dtype="float64"), 1e-6, 1 - 1e-6)) + b)


def _month_offset(month: pd.Timestamp, months: int) -> pd.Timestamp:
    return (month.to_period("M") + months).to_timestamp()


def training_rows(panel: Panel, until: pd.Timestamp) -> pd.DataFrame:
    """Rows whose outcome is complete by the end of ``until``: month + horizon <= until."""
    features = panel.features
    last = _month_offset(until, -panel.horizon)
    mask = scored_rows(panel) & features["observed"].to_numpy() & (panel.months <= last).to_numpy()
    return features.loc[mask].assign(month=panel.months[mask])


def model_train(panel: Panel, *, until: pd.Timestamp, seed: int = 7) -> LearnedModel:
    """Train the probability (calibrated out of time) and the forecasters on what is known at the
    end of month ``until``. Raises :class:`NotEnoughHistory` with fewer than
    ``MINIMUM_TRAINING_MONTHS`` months of known outcomes or no stockout among them."""
    until = pd.Timestamp(until).to_period("M").to_timestamp()
    rows = training_rows(panel, until)
    known_months = sorted(rows["month"].unique())
    if len(known_months) < MINIMUM_TRAINING_MONTHS or rows["label"].nunique() < 2:
        raise NotEnoughHistory(
            f"{len(known_months)} months with a known outcome (at least {MINIMUM_TRAINING_MONTHS} are needed)"
        )
    raw, actual = _out_of_time(rows, known_months, panel.horizon, seed)
    calibration = platt_fit(raw, actual) if len(raw) and len(set(actual)) == 2 else (1.0, 0.0)
    model = LearnedModel(
        horizon=panel.horizon,
        until=until,
        classifier=_classifier(rows, seed),
        calibration=calibration,
        training_rows=len(rows),
        calibration_rows=len(raw),
        first_month=pd.Timestamp(known_months[0]),
        base_rate=float(rows["label"].mean()),
        seed=seed,
    )
    model.forecasters = _forecasters(panel, until, seed)
    return model


def _out_of_time(rows: pd.DataFrame, known_months: list, horizon: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Raw predictions of the latest ``CALIBRATION_MONTHS`` known months, each by a model trained
    only on rows whose outcome was complete before that month (refitted every few months)."""
    targets = known_months[-CALIBRATION_MONTHS:]
    raw, actual = [], []
    for start in range(0, len(targets), CALIBRATION_REFIT_MONTHS):
        block = targets[start : start + CALIBRATION_REFIT_MONTHS]
        cut = _month_offset(pd.Timestamp(block[0]), -horizon)
        fit = rows.loc[rows["month"] <= cut]
        if fit["month"].nunique() < MINIMUM_TRAINING_MONTHS // 2 or fit["label"].nunique() < 2:
            continue
        booster = _classifier(fit, seed)
        held = rows.loc[rows["month"].isin(block)]
        raw.append(booster.predict(held[FEATURES], num_threads=THREADS))
        actual.append(held["label"].to_numpy())
    if not raw:
        return np.array([]), np.array([])
    return np.concatenate(raw), np.concatenate(actual).astype(bool)


def _forecasters(panel: Panel, until: pd.Timestamp, seed: int) -> dict[str, lgb.Booster]:
    """One booster per month ahead and quantile, on (units issued h months later) / scale, trained on
    the rows whose h-th month is at or before ``until``."""
    features = panel.features
    boosters = {}
    base = features["reported"].to_numpy() & ~np.isnan(features["scale"].to_numpy())
    for step in range(1, FORECAST_MONTHS + 1):
        target = features[f"future_{step}"].to_numpy() / features["scale"].to_numpy()
        mask = base & ~np.isnan(target) & (panel.months <= _month_offset(until, -step)).to_numpy()
        if mask.sum() < 50:
            continue
        for name, alpha in QUANTILES.items():
            params = {
                **CLASSIFIER_PARAMS,
                "objective": "quantile",
                "alpha": alpha,
                "seed": seed,
                "num_threads": THREADS,
            }
            dataset = lgb.Dataset(features.loc[mask, FORECAST_FEATURES], target[mask])
            boosters[f"{name}_{step}"] = lgb.train(params, dataset, FORECAST_ROUNDS)
    return boosters


def model_predict(model: LearnedModel, features: pd.DataFrame) -> pd.DataFrame:
    """Per row of ``features``: ``raw`` and ``probability`` (calibrated), ``forecast_<h>`` (median
    units in month h ahead) with ``forecast_low_<h>`` and ``forecast_high_<h>`` (10 % and 90 %).

    Each quantile has its own booster, so their predictions may cross; a bound that falls on the
    wrong side of the median is set to the median (low <= median <= high, the median untouched)."""
    result = pd.DataFrame(index=features.index)
    if features.empty:
        return result.assign(raw=[], probability=[])
    raw = model.classifier.predict(features[model.feature_names], num_threads=THREADS)
    result["raw"] = raw
    result["probability"] = calibrated(raw, model.calibration)
    scale = features["scale"].to_numpy() if "scale" in features else np.full(len(features), np.nan)
    for step in range(1, FORECAST_MONTHS + 1):
        for name in QUANTILES:
            booster = model.forecasters.get(f"{name}_{step}")
            column = f"forecast_{step}" if name == "median" else f"forecast_{name}_{step}"
            values = (
                booster.predict(features[booster.feature_name()], num_threads=THREADS) * scale
                if booster is not None
                else np.nan
            )
            result[column] = np.clip(values, 0.0, None)
        median = result[f"forecast_{step}"].to_numpy()
        result[f"forecast_low_{step}"] = np.minimum(result[f"forecast_low_{step}"].to_numpy(), median)
        result[f"forecast_high_{step}"] = np.maximum(result[f"forecast_high_{step}"].to_numpy(), median)
    return result


def model_contributions(model: LearnedModel, features: pd.DataFrame) -> pd.DataFrame:
    """Each feature's share of the probability, in percentage points, per row.

    The model's own additive contributions (TreeSHAP values of its log-odds, LightGBM's
    ``pred_contrib``) are spread over the distance between P and the base rate of the training rows:
    points_f = 100 x (P - base) x c_f / sum(c). They add up to 100 x (P - base)."""
    names = model.feature_names
    if features.empty:
        return pd.DataFrame(columns=names)
    values = model.classifier.predict(features[names], pred_contrib=True, num_threads=THREADS)[:, :-1]
    contributions = pd.DataFrame(values, columns=names, index=features.index)
    probability = calibrated(model.classifier.predict(features[names], num_threads=THREADS), model.calibration)
    total = contributions.sum(axis=1).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(np.abs(total) > 1e-12, (probability - model.base_rate) / total, 0.0)
    return contributions.mul(100.0 * share, axis=0)
