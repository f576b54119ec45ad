"""Adjusted monthly consumption, average monthly consumption (AMC) and its spread (sigma).

Input frame ``consumption``: one row per position and month with columns ``establishment_id``,
``medicine_id``, ``month`` (first day of the month), ``issued`` (units), ``stockout_days`` (days) and
``reported`` (bool). A month with no row counts as not reported.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

POSITION_KEYS = ["establishment_id", "medicine_id"]


def window_months(as_of: dt.date, months: int) -> list[pd.Timestamp]:
    """The ``months`` calendar months that end with the last complete month on or before ``as_of``
    (the month of ``as_of`` itself when ``as_of`` is its last day), oldest first."""
    as_of_ts = pd.Timestamp(as_of)
    last = as_of_ts.to_period("M")
    if as_of_ts.day != as_of_ts.days_in_month:
        last -= 1
    return [(last - offset).to_timestamp() for offset in range(months - 1, -1, -1)]


def adjusted_consumption(consumption: pd.DataFrame, *, as_of: dt.date, months: int) -> pd.DataFrame:
    """Rows of the window with ``days_in_month`` (D), ``adjusted`` (units/month) and ``used``.

    Rule: C_adj = C x D / (D - X) with X the stockout days; a month with X >= D or not reported is
    left out (``used`` False, ``adjusted`` NaN).
    """
    window = window_months(as_of, months)
    frame = consumption.loc[pd.to_datetime(consumption["month"]).isin(window)].copy()
    frame["month"] = pd.to_datetime(frame["month"])
    days = frame["month"].dt.days_in_month.astype("float64")
    stockout = frame["stockout_days"].astype("float64")
    used = frame["reported"].astype(bool) & (stockout < days)
    frame["days_in_month"] = days
    frame["used"] = used
    frame["adjusted"] = np.where(
        used, frame["issued"].astype("float64") * days / (days - stockout).where(used, 1.0), np.nan
    )
    return frame


def consumption_stats(adjusted: pd.DataFrame) -> pd.DataFrame:
    """Per position: ``months_used``, ``amc`` (units/month) and ``sigma`` (units/month).

    Rule: AMC = mean of the used C_adj, NaN ("insufficient data") under 2 months; sigma = sample
    standard deviation of C_adj from 3 months on, else the Poisson fallback sqrt(AMC).
    """
    used = adjusted.loc[adjusted["used"]]
    grouped = used.groupby(POSITION_KEYS)["adjusted"]
    stats = pd.DataFrame({"months_used": grouped.size(), "mean": grouped.mean(), "std": grouped.std(ddof=1)})
    stats["amc"] = stats["mean"].where(stats["months_used"] >= 2)
    stats["sigma"] = np.where(stats["months_used"] >= 3, stats["std"], np.sqrt(stats["amc"]))
    stats["sigma_rule"] = np.where(stats["months_used"] >= 3, "sample", "poisson")
    return stats[["months_used", "amc", "sigma", "sigma_rule"]].reset_index()
