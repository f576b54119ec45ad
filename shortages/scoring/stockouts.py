"""What a stockout is: one rule for the status, the training labels, the backtest and the alerts.

A position-month is **stocked out** when it was reported and

- stockout days were recorded for it (``stockout_days > 0``), or
- its closing count is 0 while there was demand: something was issued in that month or in one of
  the ``DEMAND_LOOKBACK_MONTHS`` calendar months before it.

Edge cases, all deliberate:

- a month that was not reported is never stocked out (and never "not stocked out": it is unknown);
- a closing of 0 after months with nothing issued (nothing received either, or only what was
  issued at once) is a dormant position, not a stockout: nobody asked for the medicine;
- a closing of 0 in a month whose own issues emptied the shelf is a stockout (the next patient
  finds nothing), even when no stockout day was typed in: in monthly LMIS data most stockouts
  look exactly like that;
- stockout days above the month's length are read as the whole month (counted, not refused here:
  the import refuses them, older histories may carry them).

``history`` frames have one row per position and month: ``establishment_id``, ``medicine_id``,
``month`` (first day), ``issued``, ``stockout_days``, ``closing_balance`` (NaN when unknown) and
``reported`` (bool). Months missing from the frame are unreported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shortages.scoring.consumption import POSITION_KEYS

#: Reported months before a month whose issues still count as demand for it. Fixed before any
#: measurement (a quarter: the review cycle of the field's max-min systems), not tuned.
DEMAND_LOOKBACK_MONTHS = 3


def complete_months(history: pd.DataFrame) -> pd.DataFrame:
    """The history on a full monthly grid per position, from its first to its last row; months added
    to fill the gaps have ``reported`` False and NaN figures. Sorted by position and month."""
    frame = history.copy()
    frame["month"] = pd.to_datetime(frame["month"]).dt.to_period("M").dt.to_timestamp()
    frame = frame.sort_values(POSITION_KEYS + ["month"], kind="stable")
    bounds = frame.groupby(POSITION_KEYS, sort=False)["month"].agg(["min", "max"])
    spans = ((bounds["max"].dt.to_period("M") - bounds["min"].dt.to_period("M")).map(lambda d: d.n) + 1).to_numpy()
    starts = np.repeat(bounds["min"].dt.to_period("M").astype("int64").to_numpy(), spans)
    offsets = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    months = pd.PeriodIndex.from_ordinals(starts + offsets, freq="M").to_timestamp()
    # each key level repeated as an array (a list of the index's tuples cost 0.1 s per 20,000 rows)
    grid = pd.DataFrame({key: np.repeat(bounds.index.get_level_values(key).to_numpy(), spans) for key in POSITION_KEYS})
    grid["month"] = months
    merged = grid.merge(frame, on=POSITION_KEYS + ["month"], how="left")
    merged["reported"] = merged["reported"].fillna(False).astype(bool)
    return merged.reset_index(drop=True)


def position_codes(history: pd.DataFrame) -> np.ndarray:
    """One integer per position, equal on consecutive rows of the same position."""
    return history.groupby(POSITION_KEYS, sort=False).ngroup().to_numpy()


def lagged(values: np.ndarray, codes: np.ndarray, lag: int, *, fill: float = np.nan) -> np.ndarray:
    """``values`` of ``lag`` rows earlier within the same position (``fill`` where there is none);
    on a complete grid sorted by position and month, that is ``lag`` months earlier."""
    result = np.full(len(values), fill, dtype="float64")
    if lag < len(values):
        same = codes[lag:] == codes[:-lag]
        result[lag:] = np.where(same, values[:-lag], fill)
    return result


def stocked_out(history: pd.DataFrame) -> pd.Series:
    """True where a position-month is stocked out by the rule above; ``history`` must be on a
    complete grid (:func:`complete_months`), sorted by position and month."""
    reported = history["reported"].to_numpy(dtype=bool)
    issued = np.where(reported, history["issued"].astype("float64").fillna(0.0).to_numpy(), 0.0)
    codes = position_codes(history)
    recent = issued.copy()
    for lag in range(1, DEMAND_LOOKBACK_MONTHS + 1):
        recent += lagged(issued, codes, lag, fill=0.0)
    days = history["stockout_days"].astype("float64").fillna(0.0).to_numpy()
    closing = history["closing_balance"].astype("float64").fillna(np.inf).to_numpy()
    out = stockout_rule(stock=closing, stockout_days=days, recent_issued=recent)
    return pd.Series(reported & out, index=history.index, name="stocked_out")


def stockout_rule(*, stock: np.ndarray, stockout_days: np.ndarray, recent_issued: np.ndarray) -> np.ndarray:
    """The rule itself, on arrays: stockout days recorded, or nothing left (``stock`` <= 0) while
    units were issued in the month or the ``DEMAND_LOOKBACK_MONTHS`` before it (``recent_issued``).
    The position's current status applies it to today's usable stock with no stockout day."""
    stock = np.asarray(stock, dtype="float64")
    return (np.asarray(stockout_days, dtype="float64") > 0) | ((stock <= 0) & (np.asarray(recent_issued) > 0))
