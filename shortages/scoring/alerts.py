"""Which alert conditions hold after a run, as a frame: pure rules, no database.

Output columns: ``kind``, ``medicine_id``, ``establishment_id`` (NaN for national alerts),
``region_id``, ``level``, ``metric`` (name of the figure that triggered it) and ``value``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shortages.scoring.params import ScoringParams
from shortages.scoring.positions import BELOW_EMERGENCY, STOCKED_OUT, UNDERSTOCKED

COLUMNS = ["kind", "medicine_id", "establishment_id", "region_id", "level", "metric", "value"]


def _rows(frame: pd.DataFrame, mask: pd.Series, *, kind: str, level, metric: str, value: pd.Series) -> pd.DataFrame:
    selected = frame.loc[mask]
    levels = pd.Series(level, index=frame.index)[mask] if not isinstance(level, str) else level
    return pd.DataFrame(
        {
            "kind": kind,
            "medicine_id": selected["medicine_id"],
            "establishment_id": selected["establishment_id"],
            "region_id": selected["region_id"],
            "level": levels,
            "metric": metric,
            "value": value[mask].astype("float64"),
        }
    )


def probability_alert_raised(scored: pd.DataFrame, params: ScoringParams) -> pd.Series:
    """Positions that raise the high-stockout-probability alert: P >= ``probability_alert`` and
    the position understocked (months of stock under its level's minimum, not yet below the
    emergency point, which has its own alert).

    Why the status: inside its max-min band a position is only due for its routine order, which P
    ignores; in the backtest of the demo history those positions stock out no more often than the
    average position whatever P (docs/scoring.md, "Choosing the alert rule").
    """
    return scored["stockout_probability"].ge(params.probability_alert) & scored["stock_status"].eq(UNDERSTOCKED)


def position_conditions(scored: pd.DataFrame, params: ScoringParams) -> pd.DataFrame:
    """Position alerts. Rules: stockout when stocked out with demand (critical for vital medicines,
    else high); below emergency point (high for vital, else medium); high stockout probability when
    P >= ``probability_alert`` and the position is understocked (:func:`probability_alert_raised`;
    medium for vital, else low: one level under the emergency point); expiry when units will expire
    unused within ``expiry_alert_months`` (high when that is half the stock or more, else medium)."""
    vital = scored["ven_class"].eq("V")
    status = scored["stock_status"]
    probability = scored["stockout_probability"]
    parts = [
        _rows(
            scored,
            status.eq(STOCKED_OUT) & scored["amc"].ne(0),
            kind="stockout",
            level=np.where(vital, "critical", "high"),
            metric="usable_stock",
            value=scored["usable_stock"],
        ),
        _rows(
            scored,
            status.eq(BELOW_EMERGENCY),
            kind="below_emergency",
            level=np.where(vital, "high", "medium"),
            metric="months_of_stock",
            value=scored["months_of_stock"],
        ),
        _rows(
            scored,
            probability_alert_raised(scored, params),
            kind="high_probability",
            level=np.where(vital, "medium", "low"),
            metric="stockout_probability",
            value=probability,
        ),
        _rows(
            scored,
            scored["expiry_at_risk"].gt(0),
            kind="expiry",
            level=np.where(scored["expiry_at_risk"] * 2 >= scored["stock"], "high", "medium"),
            metric="expiry_at_risk",
            value=scored["expiry_at_risk"],
        ),
    ]
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def national_conditions(national: pd.DataFrame, params: ScoringParams) -> pd.DataFrame:
    """National alerts. Rules: national risk when the national level is critical or high (same
    level); safety-stock breach when a declaring company holds less than 3 months of its sales (high
    when industry cover is under half the duty, else medium); declared disruption (critical when half
    of declared sales or more are disrupted, high from a fifth, else medium)."""
    frame = national.assign(establishment_id=np.nan, region_id=np.nan)
    share = frame["disrupted_sales_share"].fillna(0.0)
    parts = [
        _rows(
            frame,
            frame["risk_level"].isin(["critical", "high"]),
            kind="national_risk",
            level=frame["risk_level"],
            metric="score",
            value=frame["score"],
        ),
        _rows(
            frame,
            frame["companies_in_breach"].fillna(0).gt(0),
            kind="safety_stock",
            level=np.where(frame["industry_mos"].fillna(0) < params.safety_stock_months / 2, "high", "medium"),
            metric="industry_mos",
            value=frame["industry_mos"],
        ),
        _rows(
            frame,
            frame["disrupted_companies"].fillna(0).gt(0),
            kind="disruption",
            level=np.select([share >= 0.5, share >= 0.2], ["critical", "high"], default="medium"),
            metric="disrupted_sales_share",
            value=share,
        ),
    ]
    return pd.concat(parts, ignore_index=True)[COLUMNS]
