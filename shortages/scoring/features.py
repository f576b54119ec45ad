"""Features of a position at a month's end, known at that month's end, for the learned models.

Input: a history on a complete grid (:func:`shortages.scoring.stockouts.complete_months`) with
``issued``, ``received``, ``stockout_days``, ``closing_balance``, ``reported`` and, when the source
has them, ``opening`` and ``ordered``; plus a ``level`` per row (establishment level) and optional
medicine-month signals (national months of stock, industry cover, declared disruptions).

Every feature of the row of month t reads months <= t only (lags look backwards on the grid).
Quantities are made scale-free by the position's recent consumption, so that one global model
serves a health centre dispensing 5 units a month and a hospital dispensing 5,000.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shortages.scoring.consumption import POSITION_KEYS
from shortages.scoring.stockouts import lagged, position_codes, stocked_out

#: The longest window of a feature (months). A feature of month t reads at most
#: ``HISTORY_MONTHS_READ`` months up to t (windows over censored demand reach 6 months further back).
FEATURE_MONTHS = 12
HISTORY_MONTHS_READ = FEATURE_MONTHS + 7
#: Earlier months of the national and provincial figures read beside the month's own (months back:
#: name suffix): a supply that dries up shows over a quarter, not in one month's figure.
SUPPLY_EARLIER_MONTHS = {1: "previous", 2: "two_months_ago"}
LEVEL_CODES = {"primary": 0, "hospital": 1, "warehouse": 2}

FEATURES = [
    "months_of_stock",
    "stock_over_forecast",
    "log_stock",
    "log_consumption_3",
    "consumption_trend",
    "consumption_cv",
    "zero_issue_share",
    "issued_last_over_mean",
    "received_3_over_consumption",
    "received_last_over_consumption",
    "months_since_receipt",
    "ordered_last_over_consumption",
    "ordered_3_over_consumption",
    "stocked_out_now",
    "stockouts_6",
    "stockouts_12",
    "months_since_stockout",
    "stockout_streak",
    "reported_6",
    "history_months",
    "opening_gap",
    "stock_change",
    "months_of_stock_previous",
    "stock_over_peak",
    "stock_over_last_issue",
    "fill_rate",
    "projected_cover",
    "national_fill_rate",
    "national_received_share_previous",
    "stockout_rate_all",
    "site_stocked_out_share",
    "site_stockouts_6_share",
    "site_months_since_receipt",
    "level",
    "calendar_month",
    "national_months_of_stock",
    "national_months_of_stock_previous",
    "national_months_of_stock_two_months_ago",
    "national_stocked_out_share",
    "national_stocked_out_share_previous",
    "national_stocked_out_share_two_months_ago",
    "national_stocked_out_change",
    "national_received_share",
    "province_stocked_out_share",
    "province_stocked_out_share_previous",
    "province_stocked_out_share_two_months_ago",
    "province_received_share",
    "province_months_of_stock",
    "industry_cover_months",
    "declared_disruption",
]


def _rolling(values: np.ndarray, codes: np.ndarray, months: int, how: str) -> np.ndarray:
    """Sum, mean, max, min or count (non-NaN) of ``values`` over the ``months`` months ending at each row,
    within its position, ignoring NaN (NaN mean/min/max where no value)."""
    stack = np.vstack([values] + [lagged(values, codes, lag) for lag in range(1, months)])
    present = ~np.isnan(stack)
    with np.errstate(invalid="ignore", divide="ignore"):
        if how == "count":
            return present.sum(axis=0).astype("float64")
        if how == "sum":
            return np.where(present.any(axis=0), np.nansum(stack, axis=0), np.nan)
        if how == "mean":
            counts = present.sum(axis=0)
            return np.where(counts > 0, np.nansum(stack, axis=0) / np.maximum(counts, 1), np.nan)
        filled = np.where(present, stack, -np.inf if how == "max" else np.inf)
        result = filled.max(axis=0) if how == "max" else filled.min(axis=0)
        return np.where(present.any(axis=0), result, np.nan)


def _months_since(flag: np.ndarray, codes: np.ndarray, months: int) -> np.ndarray:
    """Months since the latest row (this one included) where ``flag`` is true, within ``months``;
    ``months`` when none."""
    result = np.full(len(flag), float(months))
    for lag in range(months - 1, -1, -1):
        hit = lagged(flag.astype("float64"), codes, lag, fill=0.0) > 0 if lag else flag
        result = np.where(hit, float(lag), result)
    return result


def _run_length(flag: np.ndarray, codes: np.ndarray, months: int) -> np.ndarray:
    """Consecutive months up to this row (included) where ``flag`` is true, within its position,
    at most ``months``."""
    alive = flag.astype(bool).copy()
    result = alive * 1.0
    for lag in range(1, months):
        alive &= lagged(flag.astype("float64"), codes, lag, fill=0.0) > 0
        result += alive
    return result


def _ratio(numerator: np.ndarray, denominator: np.ndarray, cap: float = 24.0) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = numerator / denominator
    return np.clip(np.where(denominator > 0, ratio, np.where(numerator > 0, cap, 0.0)), 0.0, cap)


def demand_estimate(history: pd.DataFrame, codes: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Issues per reported month, NaN where unreported; months stocked out are censored (what was
    issued is a lower bound of demand): they count at least as the mean of uncensored months."""
    issued = np.where(history["reported"], history["issued"].astype("float64"), np.nan)
    clean = np.where(out, np.nan, issued)
    mean_clean = _rolling(clean, codes, 6, "mean")
    return np.where(out & ~np.isnan(mean_clean), np.fmax(issued, mean_clean), issued)


def position_features(history: pd.DataFrame, signals: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per row of ``history`` (a complete grid, sorted by position and month) with the
    columns of :data:`FEATURES`, ``stocked_out`` and ``consumption_3`` (units/month).

    ``signals``: ``medicine_id``, ``month`` and any of ``industry_cover_months``,
    ``declared_disruption``; the national and provincial columns are computed here from the
    positions present.
    """
    frame, figures = own_features(history)
    return with_signals(frame.join(supply_nodes(figures)), history, signals)


def own_features(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The features that read only the position's own rows and its establishment's (those of
    :func:`position_features` but the national, provincial and signal ones), and per row the
    figures the national and provincial ones add up (:func:`supply_figures`). A part of the history
    made of whole establishments gives the same rows as the whole history."""
    codes = position_codes(history)
    reported = history["reported"].to_numpy(dtype=bool)
    out = stocked_out(history).to_numpy()
    demand = demand_estimate(history, codes, out)
    issued = np.where(reported, history["issued"].astype("float64"), np.nan)
    received = np.where(reported, history["received"].astype("float64"), np.nan)
    closing = np.where(reported, history["closing_balance"].astype("float64"), np.nan)
    ordered = (
        np.where(reported, history["ordered"].astype("float64"), np.nan)
        if "ordered" in history
        else np.full(len(history), np.nan)
    )
    consumption_3 = _rolling(demand, codes, 3, "mean")
    consumption_6 = _rolling(demand, codes, 6, "mean")
    consumption_12 = _rolling(demand, codes, 12, "mean")
    previous_3 = lagged(consumption_3, codes, 3)
    std_6 = np.sqrt(np.clip(_rolling(demand**2, codes, 6, "mean") - consumption_6**2, 0.0, None))
    scale = np.where(consumption_6 > 0, consumption_6, consumption_12)

    frame = pd.DataFrame(index=history.index)
    frame["months_of_stock"] = _ratio(closing, scale)
    frame["stock_over_forecast"] = _ratio(closing, consumption_3)
    frame["log_stock"] = np.log1p(closing)
    frame["log_consumption_3"] = np.log1p(consumption_3)
    frame["consumption_trend"] = _ratio(consumption_3, previous_3, cap=5.0)
    frame["consumption_cv"] = _ratio(std_6, consumption_6, cap=5.0)
    frame["zero_issue_share"] = _rolling(np.where(np.isnan(issued), np.nan, (issued == 0) * 1.0), codes, 6, "mean")
    frame["issued_last_over_mean"] = _ratio(issued, consumption_6, cap=5.0)
    frame["received_3_over_consumption"] = _ratio(_rolling(received, codes, 3, "sum"), scale)
    frame["received_last_over_consumption"] = _ratio(received, scale)
    frame["months_since_receipt"] = _months_since(np.nan_to_num(received) > 0, codes, FEATURE_MONTHS)
    frame["ordered_last_over_consumption"] = _ratio(ordered, scale)
    frame["ordered_3_over_consumption"] = _ratio(_rolling(ordered, codes, 3, "sum"), scale)
    frame["stocked_out_now"] = out * 1.0
    frame["stockouts_6"] = _rolling(out * 1.0, codes, 6, "sum")
    frame["stockouts_12"] = _rolling(out * 1.0, codes, 12, "sum")
    frame["months_since_stockout"] = _months_since(out, codes, FEATURE_MONTHS)
    frame["stockout_streak"] = _run_length(out, codes, FEATURE_MONTHS)
    frame["reported_6"] = _rolling(np.where(reported, 1.0, np.nan), codes, 6, "count")
    frame["history_months"] = _rolling(np.where(reported, 1.0, np.nan), codes, FEATURE_MONTHS, "count")
    if "opening" in history:
        opening = np.where(reported, history["opening"].astype("float64"), np.nan)
        frame["opening_gap"] = _ratio(np.abs(opening - lagged(closing, codes, 1)), scale, cap=5.0)
    else:
        frame["opening_gap"] = np.nan
    frame["stock_change"] = _ratio(closing, lagged(closing, codes, 1), cap=10.0)
    frame["months_of_stock_previous"] = lagged(frame["months_of_stock"].to_numpy(), codes, 1)
    # a month can empty the shelf even when the mean says otherwise: against the biggest recent month
    frame["stock_over_peak"] = _ratio(closing, _rolling(issued, codes, 6, "max"))
    frame["stock_over_last_issue"] = _ratio(closing, issued)
    ordered_before = lagged(ordered, codes, 1)
    frame["fill_rate"] = np.where(ordered_before > 0, _ratio(received, ordered_before, cap=3.0), np.nan)
    usual_fill = _rolling(frame["fill_rate"].to_numpy(), codes, 6, "mean")
    expected = np.nan_to_num(ordered) * np.where(np.isnan(usual_fill), 1.0, np.minimum(usual_fill, 1.0))
    frame["projected_cover"] = _ratio(np.nan_to_num(closing) + expected, consumption_3)
    # over the feature window, not the whole history: a scoring day reads only that window
    frame["stockout_rate_all"] = _rolling(np.where(reported, out * 1.0, np.nan), codes, FEATURE_MONTHS, "mean")
    frame = frame.join(_site(history, out, reported, frame))
    frame["level"] = history["level"].map(LEVEL_CODES).astype("float64").to_numpy()
    frame["calendar_month"] = pd.to_datetime(history["month"]).dt.month.astype("float64").to_numpy()
    frame["stocked_out"] = out
    frame["consumption_3"] = consumption_3
    return frame, supply_figures(history, closing, scale, out, reported, received, ordered)


def with_signals(frame: pd.DataFrame, history: pd.DataFrame, signals: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` with ``industry_cover_months`` and ``declared_disruption`` of its rows' medicine
    and month from ``signals`` (NaN without)."""
    for column in ("industry_cover_months", "declared_disruption"):
        frame[column] = np.nan
    if signals is not None and not signals.empty:
        keyed = history[["medicine_id", "month"]].merge(signals, on=["medicine_id", "month"], how="left")
        for column in ("industry_cover_months", "declared_disruption"):
            if column in keyed:
                frame[column] = keyed[column].astype("float64").to_numpy()
    return frame


def supply_figures(
    history: pd.DataFrame,
    closing: np.ndarray,
    scale: np.ndarray,
    out: np.ndarray,
    reported: np.ndarray,
    received: np.ndarray,
    ordered: np.ndarray,
) -> pd.DataFrame:
    """Per row of ``history``, its medicine, province and month and what it adds to the national and
    provincial figures of :func:`supply_nodes` (stock and consumption in units, stocked out and
    received as 0/1, NaN where unreported; units received and units ordered the month before)."""
    return pd.DataFrame(
        {
            "medicine_id": history["medicine_id"].to_numpy(),
            "province_id": history["province_id"].to_numpy() if "province_id" in history else 0,
            "month": history["month"].to_numpy(),
            "stock": np.where(reported, np.nan_to_num(closing), 0.0),
            "consumption": np.where(reported, np.nan_to_num(scale), 0.0),
            "out": np.where(reported, out * 1.0, np.nan),
            "received": np.where(reported, (np.nan_to_num(received) > 0) * 1.0, np.nan),
            "units_received": np.where(reported, np.nan_to_num(received), 0.0),
            "units_ordered": np.where(
                reported, lagged(np.nan_to_num(ordered), position_codes(history), 1, fill=0.0), 0.0
            ),
        },
        index=history.index,
    )


def supply_nodes(figures: pd.DataFrame, at: np.ndarray | None = None) -> pd.DataFrame:
    """Per row of ``figures`` (:func:`supply_figures`), or of its rows where ``at`` is true, what the
    other positions of its medicine show that month, nationally and in its province (the district
    store that supplies them): months of stock, the share stocked out, the share that received
    something; nationally, the change of the stocked-out share since last month. A row of month t
    reads the rows of months t-2..t only (:data:`SUPPLY_EARLIER_MONTHS`); the float sums follow the
    order of the rows, so a frame joined from parts gives the same figures as the whole when it
    keeps the whole's order."""
    rows = figures if at is None else figures.loc[at]
    result = pd.DataFrame(index=rows.index)
    for prefix, keys in (("national", ["medicine_id", "month"]), ("province", ["medicine_id", "province_id", "month"])):
        sums = figures.groupby(keys, dropna=False).agg(
            stock=("stock", "sum"),
            consumption=("consumption", "sum"),
            out=("out", "mean"),
            received=("received", "mean"),
        )
        sums["mos"] = _ratio(sums["stock"].to_numpy(), sums["consumption"].to_numpy())
        sums = _with_earlier_months(sums, ["mos", "out"], lags=list(SUPPLY_EARLIER_MONTHS))
        keyed = rows[keys].join(sums, on=keys)
        result[f"{prefix}_months_of_stock"] = keyed["mos"].to_numpy()
        result[f"{prefix}_stocked_out_share"] = keyed["out"].to_numpy()
        result[f"{prefix}_received_share"] = keyed["received"].to_numpy()
        for lag, suffix in SUPPLY_EARLIER_MONTHS.items():
            result[f"{prefix}_months_of_stock_{suffix}"] = keyed[f"mos_{lag}"].to_numpy()
            result[f"{prefix}_stocked_out_share_{suffix}"] = keyed[f"out_{lag}"].to_numpy()
    national = (
        figures.groupby(["medicine_id", "month"])
        .agg(
            share=("out", "mean"),
            received=("received", "mean"),
            units=("units_received", "sum"),
            asked=("units_ordered", "sum"),
        )
        .reset_index()
    )
    consecutive = national.groupby("medicine_id")["month"].diff().dt.days.fillna(99) <= 31
    national["change"] = (national["share"] - national.groupby("medicine_id")["share"].shift(1)).where(consecutive)
    national["received_previous"] = national.groupby("medicine_id")["received"].shift(1).where(consecutive)
    national["fill"] = np.where(
        national["asked"] > 0, _ratio(national["units"].to_numpy(), national["asked"].to_numpy(), cap=3.0), np.nan
    )
    keyed = rows[["medicine_id", "month"]].merge(national, on=["medicine_id", "month"], how="left")
    result["national_stocked_out_change"] = keyed["change"].to_numpy()
    result["national_received_share_previous"] = keyed["received_previous"].to_numpy()
    result["national_fill_rate"] = keyed["fill"].to_numpy()
    # the province's months of stock of earlier months are not features
    unused = [f"province_months_of_stock_{suffix}" for suffix in SUPPLY_EARLIER_MONTHS.values()]
    return result.drop(columns=["province_months_of_stock", *unused]).join(
        pd.DataFrame({"province_months_of_stock": result["province_months_of_stock"]})
    )


def _with_earlier_months(table: pd.DataFrame, columns: list[str], *, lags: list[int]) -> pd.DataFrame:
    """``table`` (indexed by its keys, ``month`` among them) with ``<column>_<k>``: the value of the
    same keys k calendar months earlier, for each k of ``lags`` (NaN where that month has no row)."""
    flat = table[columns].reset_index()
    keys = list(table.index.names)
    for lag in lags:
        earlier = flat[keys].assign(month=flat["month"] + pd.DateOffset(months=lag))
        earlier[[f"{column}_{lag}" for column in columns]] = flat[columns].to_numpy()
        flat = flat.merge(earlier, on=keys, how="left")
    return table.join(flat.set_index(keys).drop(columns=columns))


def _site(history: pd.DataFrame, out: np.ndarray, reported: np.ndarray, frame: pd.DataFrame) -> pd.DataFrame:
    """Per row, what its establishment shows that month over all its reported positions: the share
    stocked out, the share with a stockout in the last 6 months, and the fewest months since any of
    its positions received something (the establishment's delivery rhythm)."""
    site = pd.DataFrame(
        {
            "establishment_id": history["establishment_id"].to_numpy(),
            "month": history["month"].to_numpy(),
            "out": np.where(reported, out * 1.0, np.nan),
            "recent": np.where(reported, (frame["stockouts_6"].to_numpy() > 0) * 1.0, np.nan),
            "receipt": np.where(reported, frame["months_since_receipt"].to_numpy(), np.nan),
        }
    )
    sums = site.groupby(["establishment_id", "month"]).agg(
        site_stocked_out_share=("out", "mean"),
        site_stockouts_6_share=("recent", "mean"),
        site_months_since_receipt=("receipt", "min"),
    )
    keyed = site[["establishment_id", "month"]].join(sums, on=["establishment_id", "month"])
    return keyed[list(sums.columns)].set_index(history.index)


def horizon_outcome(history: pd.DataFrame, out: np.ndarray, horizon: int) -> pd.DataFrame:
    """Per row of month t: ``observed`` (a month of t+1..t+horizon was reported) and ``label``
    (one of them is stocked out)."""
    codes = position_codes(history)
    reported = history["reported"].to_numpy(dtype=bool)
    observed = np.zeros(len(history), dtype=bool)
    label = np.zeros(len(history), dtype=bool)
    for step in range(1, horizon + 1):
        ahead_reported = _lead(reported * 1.0, codes, step) > 0
        ahead_out = _lead(out * 1.0, codes, step) > 0
        observed |= ahead_reported
        label |= ahead_out
    return pd.DataFrame({"observed": observed, "label": label}, index=history.index)


def _lead(values: np.ndarray, codes: np.ndarray, step: int) -> np.ndarray:
    """``values`` ``step`` rows later within the same position (0 where there is none)."""
    result = np.zeros(len(values), dtype="float64")
    if step < len(values):
        same = codes[:-step] == codes[step:]
        result[:-step] = np.where(same, values[step:], 0.0)
    return result


__all__ = [
    "FEATURES",
    "FEATURE_MONTHS",
    "POSITION_KEYS",
    "horizon_outcome",
    "own_features",
    "position_features",
    "supply_figures",
    "supply_nodes",
    "with_signals",
]
