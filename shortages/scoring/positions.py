"""Figures of one position (establishment e, medicine m) as of a day, computed for all positions at once.

Input frames:
- ``positions``: ``establishment_id``, ``medicine_id``, ``region_id``, ``level`` (establishment level),
  ``stock`` (units on hand), ``in_transit`` (units shipped to it, not yet received);
- ``lots``: ``establishment_id``, ``medicine_id``, ``expiry_date``, ``quantity`` (units);
- ``consumption``: see :mod:`shortages.scoring.consumption`;
- ``medicines``: ``medicine_id``, ``ven_class``, ``lead_time_months``, ``review_period_months`` (NaN
  when the level's default applies).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtr

from shortages.scoring.consumption import POSITION_KEYS, adjusted_consumption, consumption_stats, window_months
from shortages.scoring.params import DAYS_PER_MONTH, VEN_CRITICALITY, ScoringParams
from shortages.scoring.stockouts import DEMAND_LOOKBACK_MONTHS, stockout_rule

STOCKED_OUT = "stocked_out"
BELOW_EMERGENCY = "below_emergency"
UNDERSTOCKED = "understocked"
ADEQUATE = "adequate"
OVERSTOCKED = "overstocked"
NO_CONSUMPTION = "no_consumption"
INSUFFICIENT_DATA = "insufficient_data"


def usable_stock(positions: pd.DataFrame, lots: pd.DataFrame, amc: pd.Series, params: ScoringParams) -> pd.DataFrame:
    """Per position: ``expired_stock``, ``expiring_unused``, ``expiry_at_risk`` and ``usable_stock`` (units).

    Rule: lots are used first-expiry-first-out at the daily rate r = AMC / 30.4375. With U_i the units
    used from the first i lots, U_i = min(U_{i-1} + q_i, r x d_i) (d_i = days to expiry), that is
    U_i = Q_i + min(0, min_{j<=i}(r x d_j - Q_j)) with Q the cumulative quantity: a grouped cumulative
    minimum, no loop. Lots expiring on or before the day are expired. What a lot cannot deliver before
    its expiry is ``expiring_unused``; ``expiry_at_risk`` is the part of it in lots expiring within
    ``expiry_alert_months``. Stock not held in lots never expires. With AMC = 0 every lot expires
    unused; with AMC unknown nothing is projected. S = stock - expired - expiring unused (>= 0).
    """
    # Lots are grouped by the row of their position in ``positions`` (one integer key: grouping by
    # the two ids cost most of the time), in the order of their position's ids and expiry.
    keyed = positions[POSITION_KEYS].assign(amc=amc.to_numpy(), position=np.arange(len(positions)))
    frame = lots.merge(keyed, on=POSITION_KEYS, how="inner")
    as_of = pd.Timestamp(params.as_of)
    frame["days"] = (pd.to_datetime(frame["expiry_date"]) - as_of).dt.days.astype("float64")
    frame["quantity"] = frame["quantity"].astype("float64")
    if not _sorted_by(frame, [*POSITION_KEYS, "days"]):
        frame = frame.sort_values(POSITION_KEYS + ["days"], kind="stable")
    expired = frame["days"] <= 0
    live = frame.loc[~expired].copy()
    rate = live["amc"] / DAYS_PER_MONTH
    position = live["position"]
    cumulative = live["quantity"].groupby(position).cumsum()
    slack = (rate * live["days"] - cumulative).groupby(position).cummin()
    used_to_date = cumulative + np.minimum(0.0, slack)
    used = used_to_date - used_to_date.groupby(position).shift(1, fill_value=0.0)
    unused = (live["quantity"] - used).clip(lower=0.0)
    unused = unused.where(live["amc"].notna(), 0.0)
    live["unused"] = unused
    live["at_risk"] = unused.where(live["days"] <= params.expiry_alert_months * DAYS_PER_MONTH, 0.0)
    per_expired = frame.loc[expired].groupby("position")["quantity"].sum()
    per_unused = live.groupby("position")[["unused", "at_risk"]].sum()
    rows = len(positions)
    stock = positions["stock"].to_numpy(dtype="float64")
    result = pd.DataFrame(
        {
            "expired_stock": _per_position(per_expired, rows),
            "expiring_unused": _per_position(per_unused["unused"], rows),
            "expiry_at_risk": _per_position(per_unused["at_risk"], rows),
        }
    )
    result["expired_stock"] = np.minimum(result["expired_stock"].to_numpy(), stock)
    result["usable_stock"] = np.clip(stock - result["expired_stock"] - result["expiring_unused"], 0.0, None)
    return pd.concat([positions[POSITION_KEYS].reset_index(drop=True), result], axis=1)


def _per_position(sums: pd.Series, rows: int) -> np.ndarray:
    """``sums`` indexed by position row, as an array of ``rows`` values (0 where none)."""
    values = np.zeros(rows)
    values[sums.index.to_numpy()] = sums.to_numpy()
    return values


def _sorted_by(frame: pd.DataFrame, columns: list[str]) -> bool:
    """Whether the rows of ``frame`` are in the order of ``columns`` (ties allowed), in one pass."""
    if len(frame) < 2:
        return True
    undecided = np.ones(len(frame) - 1, dtype=bool)
    for column in columns:
        values = frame[column].to_numpy()
        before, after = values[:-1], values[1:]
        if (undecided & (after < before)).any():
            return False
        undecided &= after == before
    return True


def stock_status(
    usable: pd.Series,
    amc: pd.Series,
    months_of_stock: pd.Series,
    levels: pd.DataFrame,
    recent_issued: pd.Series | None = None,
) -> np.ndarray:
    """Status by max-min levels (``levels``: ``emergency``, ``minimum``, ``maximum`` in months).

    Rule, first match: AMC = 0 -> no consumption; stocked out by the one stockout rule
    (:func:`shortages.scoring.stockouts.stockout_rule`: S <= 0 while units were issued in the last
    four months, ``recent_issued``; without it, any AMC counts as recent issues) -> stocked out; AMC
    unknown -> insufficient data; MOS < emergency -> below emergency point; MOS < minimum ->
    understocked; MOS <= maximum -> adequate; else overstocked.
    """
    recent = amc.fillna(0.0) if recent_issued is None else recent_issued.fillna(0.0)
    out = stockout_rule(stock=usable.to_numpy(), stockout_days=np.zeros(len(usable)), recent_issued=recent.to_numpy())
    conditions = [
        amc.to_numpy() == 0,
        out,
        amc.isna().to_numpy(),
        (months_of_stock < levels["emergency"]).to_numpy(),
        (months_of_stock < levels["minimum"]).to_numpy(),
        (months_of_stock <= levels["maximum"]).to_numpy(),
    ]
    choices = [NO_CONSUMPTION, STOCKED_OUT, INSUFFICIENT_DATA, BELOW_EMERGENCY, UNDERSTOCKED, ADEQUATE]
    return np.select(conditions, choices, default=OVERSTOCKED)


def stockout_probability(
    stock: pd.Series, pipeline: pd.Series, amc: pd.Series, sigma: pd.Series, horizon: pd.Series
) -> pd.Series:
    """P = 1 - Phi((S + Q - AMC x H) / (sigma x sqrt(H))), a probability in [0, 1].

    Rule: NaN when AMC is unknown; 0 when AMC = 0 (no demand); with sigma = 0 the outcome is certain:
    1 when S + Q < AMC x H, 0 when above, 0.5 on the boundary.
    """
    margin = stock + pipeline - amc * horizon
    spread = sigma * np.sqrt(horizon)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = margin / spread
    probability = pd.Series(1.0 - ndtr(z.to_numpy(dtype="float64")), index=stock.index)
    certain = np.select([margin < 0, margin > 0], [1.0, 0.0], default=0.5)
    probability = probability.where(spread > 0, certain)
    probability = probability.where(amc != 0, 0.0)
    return probability.where(amc.notna()).clip(0.0, 1.0)


def _recent_issued(keys: pd.DataFrame, consumption: pd.DataFrame, params: ScoringParams) -> pd.DataFrame:
    """``recent_issued``: units issued per position of ``keys`` over the last
    ``DEMAND_LOOKBACK_MONTHS`` + 1 complete months."""
    months = window_months(params.as_of, DEMAND_LOOKBACK_MONTHS + 1)
    recent = consumption.loc[pd.to_datetime(consumption["month"]).isin(months)]
    sums = recent.groupby(POSITION_KEYS)["issued"].sum().rename("recent_issued")
    keyed = keys.join(sums, on=POSITION_KEYS)
    keyed["recent_issued"] = keyed["recent_issued"].astype("float64").fillna(0.0)
    return keyed


LEARNED_COLUMNS = ["learned_probability", "forecast_1", "forecast_2", "forecast_3", "model_version"]


def _with_learned(frame: pd.DataFrame, learned: pd.DataFrame | None) -> pd.DataFrame:
    """``stockout_probability``: the learned one where the model gave one and the position has
    consumption (AMC > 0), else the formula's."""
    if learned is None or learned.empty:
        for column in LEARNED_COLUMNS:
            frame[column] = np.nan
    else:
        frame = frame.merge(learned[POSITION_KEYS + LEARNED_COLUMNS], on=POSITION_KEYS, how="left")
    takes = frame["learned_probability"].notna() & frame["amc"].gt(0)
    frame["stockout_probability"] = frame["learned_probability"].where(takes, frame["formula_probability"])
    frame["model_version"] = frame["model_version"].where(takes)
    return frame.drop(columns=["learned_probability"])


def criticality(ven_class: pd.Series) -> np.ndarray:
    """The criticality factor of each VEN class (:data:`VEN_CRITICALITY`), 0.5 for a class unknown: a
    position's and a medicine's national score read it the same way."""
    values = ven_class.to_numpy()
    return np.select([values == name for name in VEN_CRITICALITY], list(VEN_CRITICALITY.values()), default=0.5)


def risk_level(score: pd.Series, thresholds) -> np.ndarray:
    """critical / high / medium / low from the 0-100 score (lower bounds in ``thresholds``); unknown for NaN."""
    return np.select(
        [score.isna(), score >= thresholds["critical"], score >= thresholds["high"], score >= thresholds["medium"]],
        ["unknown", "critical", "high", "medium"],
        default="low",
    )


def weighted_score(factors: pd.DataFrame, weights) -> tuple[pd.Series, pd.DataFrame]:
    """0-100 score = 100 x sum(w_f x f) / sum(w_f) over the factors present (each factor in [0, 1]).

    Returns the score and each factor's contribution in points (they add up to the score); a factor
    that is NaN is left out and the weights of the others are rescaled.
    """
    names = list(weights)
    values = factors[names].astype("float64")
    weight_row = pd.Series({name: float(weights[name]) for name in names})
    present = values.notna()
    total = present.mul(weight_row, axis=1).sum(axis=1)
    contributions = values.fillna(0.0).mul(weight_row, axis=1).mul(100.0).div(total.where(total > 0), axis=0)
    contributions = contributions.where(present)
    score = contributions.sum(axis=1, min_count=1)
    return score, contributions


def score_positions(
    positions: pd.DataFrame,
    lots: pd.DataFrame,
    consumption: pd.DataFrame,
    medicines: pd.DataFrame,
    params: ScoringParams,
    learned: pd.DataFrame | None = None,
    stats: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every figure of every position; one row per position of ``positions``.

    Units: quantities in dispensing units, ``amc``/``sigma`` in units per month, ``months_of_stock``
    and ``horizon_months`` in months, ``days_of_cover`` in days, probabilities in [0, 1], ``score``
    0-100 with ``contrib_<factor>`` points.

    ``learned``: the learned model's figures of some positions (``learned_probability``,
    ``forecast_1..3``, ``model_version``, see :mod:`shortages.scoring.learned`). Where a position has
    one, it is its stockout probability (``model_version`` says which model spoke); elsewhere the
    analytical formula answers (``model_version`` NaN). The formula's figure stays in
    ``formula_probability``.

    ``stats``: the window's consumption already summed per position (``months_used``, ``amc``,
    ``sigma``, ``sigma_rule`` of :func:`consumption_stats` and ``recent_issued``, the units issued
    over the stock status's look-back), as the database sums it nationally; ``consumption`` is then
    not read.
    """
    frame = positions.reset_index(drop=True).copy()
    for column in ("stock", "in_transit"):
        frame[column] = frame[column].astype("float64")
    if stats is None:
        stats = consumption_stats(adjusted_consumption(consumption, as_of=params.as_of, months=params.months))
        stats = stats.merge(_recent_issued(frame[POSITION_KEYS], consumption, params), on=POSITION_KEYS, how="right")
    frame = frame.merge(stats, on=POSITION_KEYS, how="left")
    frame["recent_issued"] = frame["recent_issued"].astype("float64").fillna(0.0)
    frame["months_used"] = frame["months_used"].fillna(0).astype("int64")
    frame = frame.merge(medicines, on="medicine_id", how="left")
    frame = frame.join(usable_stock(frame, lots, frame["amc"], params).drop(columns=POSITION_KEYS))

    levels = pd.DataFrame.from_dict(params.stock_levels, orient="index")
    level_values = levels.reindex(frame["level"]).reset_index(drop=True)
    frame["insufficient_data"] = frame["amc"].isna()
    with np.errstate(divide="ignore", invalid="ignore"):
        mos = frame["usable_stock"] / frame["amc"].where(frame["amc"] > 0)
    frame["months_of_stock"] = mos
    frame["days_of_cover"] = mos * DAYS_PER_MONTH
    frame["stock_status"] = stock_status(frame["usable_stock"], frame["amc"], mos, level_values, frame["recent_issued"])
    frame["lead_time_months"] = pd.to_numeric(frame["lead_time_months"]).fillna(level_values["lead_time"])
    frame["review_period_months"] = pd.to_numeric(frame["review_period_months"]).fillna(level_values["review"])
    frame["horizon_months"] = frame["lead_time_months"] + frame["review_period_months"]
    frame["pipeline"] = frame["in_transit"]
    frame["formula_probability"] = stockout_probability(
        frame["usable_stock"], frame["pipeline"], frame["amc"], frame["sigma"], frame["horizon_months"]
    )
    frame = _with_learned(frame, learned)

    factors = pd.DataFrame(
        {
            "stockout_probability": frame["stockout_probability"],
            "cover": (1.0 - mos / level_values["minimum"]).clip(0.0, 1.0).where(frame["amc"] > 0, 0.0),
            "criticality": criticality(frame["ven_class"]),
        }
    )
    factors.loc[frame["insufficient_data"], "cover"] = np.nan
    factors.loc[frame["stock_status"] == STOCKED_OUT, "cover"] = 1.0
    score, contributions = weighted_score(factors, params.position_weights)
    # Without an AMC there is no probability: the position is "insufficient data", never low risk.
    score = score.where(~frame["insufficient_data"])
    frame["score"] = score.round(2)
    frame["risk_level"] = risk_level(frame["score"], params.thresholds)
    for name in contributions.columns:
        frame[f"factor_{name}"] = factors[name]
        frame[f"contrib_{name}"] = contributions[name].where(score.notna()).round(2)
    return frame
