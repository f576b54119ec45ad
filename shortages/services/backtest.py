"""Backtest of the stockout probability: replay the history month by month.

For each month-end t of the history (that leaves a full horizon after it), positions are scored as
they stood then: stock = the month's closing balance, consumption = the months up to t, no lots
(expiry is not replayed) and nothing in transit. The outcome is whether the position had stockout
days in any of the next ceil(H) reported months. Positions already stocked out at t, without
consumption or with insufficient data are left out (nothing to forecast). Reads: three queries.

Besides precision, recall and AUC at the configured cut, the result holds what other cuts would
flag, how the observed stockout rate follows P (reliability), and what the position alert rules
(:func:`shortages.scoring.alerts.probability_alert_raised`) would have flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from shortages import scoring
from shortages.scoring.alerts import probability_alert_raised
from shortages.scoring.backtest import DEFAULT_CUTS, cut_table, prediction_metrics, reliability_table
from shortages.scoring.positions import BELOW_EMERGENCY, INSUFFICIENT_DATA, NO_CONSUMPTION, STOCKED_OUT
from shortages.scoring.stockouts import complete_months, stocked_out
from shortages.services import inputs
from stock.models import ConsumptionMonth, Establishment

HISTORY_COLUMNS = [
    "establishment_id",
    "medicine_id",
    "month",
    "issued",
    "stockout_days",
    "reported",
    "closing_balance",
]


@dataclass
class BacktestResult:
    """Metrics overall and by establishment level, the months replayed, and (overall) the cut
    table, the reliability table and the alert rules (``rule``, ``predicted``, ``precision``,
    ``recall``, ``per_thousand``)."""

    months: list[dt.date]
    overall: dict
    by_level: dict[str, dict]
    threshold: float
    cuts: pd.DataFrame
    reliability: pd.DataFrame
    alert_rules: pd.DataFrame


def history_frame(*, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
    """Monthly consumption with closing balances (one query, streamed)."""
    rows = ConsumptionMonth.objects.order_by()
    if start:
        rows = rows.filter(month__gte=start)
    if end:
        rows = rows.filter(month__lte=end)
    frame = pd.DataFrame.from_records(
        rows.values_list(*HISTORY_COLUMNS).iterator(chunk_size=20000), columns=HISTORY_COLUMNS
    )
    frame["month"] = pd.to_datetime(frame["month"])
    frame["closing_balance"] = frame["closing_balance"].astype("float64")
    if frame.empty:
        return frame.assign(stocked_out=pd.Series(dtype=bool))
    grid = complete_months(frame)
    grid["stocked_out"] = stocked_out(grid)
    return grid.loc[grid["reported"]].reset_index(drop=True)


def alert_rules_table(replayed: pd.DataFrame, params: scoring.ScoringParams) -> pd.DataFrame:
    """What the position alerts would have flagged among the replayed positions: ``alert``, the
    high-probability alert; ``any_status``, the same cut without the status condition (positions
    below the emergency point left out, they have their own alert); ``with_emergency``, the
    high-probability or the below-emergency alert (what announces a stockout to an analyst)."""
    probability_alert = probability_alert_raised(replayed, params)
    below_emergency = replayed["stock_status"].eq(BELOW_EMERGENCY)
    rules = {
        "alert": probability_alert,
        "any_status": replayed["stockout_probability"].ge(params.probability_alert) & ~below_emergency,
        "with_emergency": probability_alert | below_emergency,
    }
    rows = [{"rule": name, **prediction_metrics(replayed["stocked_out"], mask)} for name, mask in rules.items()]
    return pd.DataFrame(rows)


def backtest_run(
    *,
    months: int | None = None,
    threshold: float | None = None,
    start: dt.date | None = None,
    cuts: Sequence[float] = DEFAULT_CUTS,
) -> BacktestResult:
    """Replay every month-end of the history from ``start`` (default: as soon as ``SCORING_MONTHS``
    months precede it) that has a full horizon after it; ``months`` limits to the latest ones.
    ``threshold`` replaces ``STOCKOUT_PROBABILITY_ALERT`` (prediction and alert rule), ``cuts``
    are the cuts compared."""
    history = history_frame()
    if history.empty:
        raise ValueError("history: no monthly consumption to replay")
    establishments = pd.DataFrame.from_records(
        Establishment.objects.values_list("id", "region_id", "level"),
        columns=["establishment_id", "region_id", "level"],
    )
    medicines = inputs.medicines_frame()
    probe = inputs.scoring_params(as_of=dt.date.today())
    all_months = sorted(history["month"].unique())
    present = set(establishments.loc[establishments["establishment_id"].isin(history["establishment_id"]), "level"])
    # the longest horizon of the levels that have history (no warehouse: no warehouse horizon)
    longest = max(
        values["lead_time"] + values["review"] for level, values in probe.stock_levels.items() if level in present
    )
    overrides = medicines.loc[medicines["medicine_id"].isin(history["medicine_id"])]
    overrides = overrides[["lead_time_months", "review_period_months"]].dropna(how="all")
    if not overrides.empty:
        longest = max(longest, float(overrides.sum(axis=1).max()))
    first = probe.months - 1
    last = len(all_months) - int(np.ceil(longest)) - 1
    candidates = [pd.Timestamp(month) for month in all_months[first : last + 1]]
    if start:
        candidates = [month for month in candidates if month.date() >= start]
    if months:
        candidates = candidates[-months:]
    if not candidates:
        raise ValueError("history: too short to replay a month with a full horizon after it")
    results = []
    for month in candidates:
        as_of = (month + pd.offsets.MonthEnd(0)).date()
        params = inputs.scoring_params(as_of=as_of)
        positions = scoring.positions_at_month_end(history, month).merge(establishments, on="establishment_id")
        past = history.loc[history["month"] <= month]
        lots = pd.DataFrame(columns=["establishment_id", "medicine_id", "expiry_date", "quantity"])
        scored = scoring.score_positions(positions, lots, past, medicines, params)
        scored = scored.loc[~scored["stock_status"].isin([STOCKED_OUT, NO_CONSUMPTION, INSUFFICIENT_DATA])]
        outcome = scoring.stockout_outcomes(history, scored, month)
        frame = scored[["establishment_id", "medicine_id", "level", "stockout_probability", "stock_status"]].merge(
            outcome, on=["establishment_id", "medicine_id"]
        )
        results.append(frame.loc[frame["observed"]])
    replayed = pd.concat(results, ignore_index=True)
    cut = probe.probability_alert if threshold is None else threshold
    overall = scoring.classification_metrics(replayed["stocked_out"], replayed["stockout_probability"], cut)
    by_level = {
        level: scoring.classification_metrics(group["stocked_out"], group["stockout_probability"], cut)
        for level, group in replayed.groupby("level")
    }
    actual, probability = replayed["stocked_out"], replayed["stockout_probability"]
    return BacktestResult(
        months=[m.date() for m in candidates],
        overall=overall,
        by_level=by_level,
        threshold=cut,
        cuts=cut_table(actual, probability, cuts),
        reliability=reliability_table(actual, probability),
        alert_rules=alert_rules_table(replayed, replace(probe, probability_alert=cut)),
    )
