"""Which alert conditions hold after a run, as a frame: pure rules, no database.

Output columns: ``kind``, ``medicine_id``, ``establishment_id`` (NaN for regional and national
alerts), ``region_id`` (NaN for national alerts), ``level``, ``metric`` (name of the figure that
triggered it) and ``value``; regional roll-ups add ``positions`` and ``at_risk``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from shortages.scoring.params import ScoringParams
from shortages.scoring.positions import BELOW_EMERGENCY, STOCKED_OUT, UNDERSTOCKED

COLUMNS = ["kind", "medicine_id", "establishment_id", "region_id", "level", "metric", "value"]
# Statuses that count a position in a regional roll-up (the overview's "at risk" positions).
ROLLUP_STATUSES = (STOCKED_OUT, BELOW_EMERGENCY)
# The stored figure a roll-up compares with its probability cut: the probability of stockout within
# the horizon, counted only where a learned model gave it (calibrated, ``model_version`` set).
ROLLUP_PROBABILITY_COLUMN = "stockout_probability"

#: The units projected to expire unused from which the expiry alert opens: what its figure shows
#: rounded half up to a whole unit is at least 1. The projection (lots used first-expiry-first-out at
#: AMC / 30.4375 a day) leaves fractions of a unit; from above 0, 14 positions of the demo opened an
#: expiry alert for less than one unit, 9 of them reading "unités à risque de péremption : 0".
EXPIRY_ALERT_MIN_UNITS = 0.5

#: Counts a safety-stock alert keeps beside the industry's months of stock (NaN on the other rows).
SAFETY_STOCK_COUNTS = ("companies_in_breach", "declared_companies")

#: Alert levels from the least to the most severe.
LEVELS = ("low", "medium", "high", "critical")
#: The position alerts that announce a stockout: their level reads from the table below.
STOCKOUT_KINDS = ("stockout", "below_emergency", "high_probability")
#: Level table of the stockout kinds (docs/scoring.md, "Alert levels"). An alert takes the more
#: severe of the level its position's state gives (``STATE_LEVELS``) and the level the calibrated
#: probability P of stockout within the horizon gives (``PROBABILITY_LEVELS``: lower bounds of P,
#: highest first). A medicine without a VEN class reads as E (as the position score does).
STATE_LEVELS: Mapping[str, Mapping[str, str]] = {
    "stockout": {"V": "critical", "E": "high", "N": "high"},
    "below_emergency": {"V": "high", "E": "medium", "N": "medium"},
    "high_probability": {"V": "medium", "E": "medium", "N": "medium"},
}
PROBABILITY_LEVELS: Mapping[str, tuple[tuple[float, str], ...]] = {
    "V": ((0.8, "critical"), (0.5, "high")),
    "E": ((0.8, "high"), (0.5, "medium")),
    "N": ((0.5, "medium"),),
}


def calibrated_probability(scored: pd.DataFrame) -> pd.Series:
    """P where a learned model gave it (``model_version`` set: a calibrated chance), else NaN (the
    analytical formula ranks positions but its P is not a chance: docs/scoring.md)."""
    probability = scored["stockout_probability"].astype("float64")
    if "model_version" not in scored:
        return probability.where(pd.Series(False, index=scored.index))
    return probability.where(scored["model_version"].notna())


def alert_level(kind: str, ven_class: pd.Series, probability: pd.Series) -> np.ndarray:
    """The level of a stockout-kind alert (:data:`STOCKOUT_KINDS`) per position: the more severe of
    its state's level and its calibrated ``probability``'s (NaN: the state's level alone)."""
    ven = ven_class.where(ven_class.isin(list(PROBABILITY_LEVELS)), "E")
    rank = {level: index for index, level in enumerate(LEVELS)}
    state = ven.map({name: rank[level] for name, level in STATE_LEVELS[kind].items()}).to_numpy(dtype="int64")
    conditions, choices = [], []
    for ven_name, bands in PROBABILITY_LEVELS.items():
        for bound, level in bands:
            conditions.append((ven.eq(ven_name) & probability.ge(bound)).to_numpy())
            choices.append(rank[level])
    from_probability = np.select(conditions, choices, default=0) if conditions else 0
    return np.asarray(LEVELS, dtype=object)[np.maximum(state, from_probability)]


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


def stockout_kind_conditions(scored: pd.DataFrame, params: ScoringParams) -> dict[str, pd.Series]:
    """Per stockout kind (:data:`STOCKOUT_KINDS`), the positions whose condition holds: stocked out
    with demand (AMC not 0); below the emergency point; high stockout probability
    (:func:`probability_alert_raised`). The backtest replays these same rules."""
    status = scored["stock_status"]
    return {
        "stockout": status.eq(STOCKED_OUT) & scored["amc"].ne(0),
        "below_emergency": status.eq(BELOW_EMERGENCY),
        "high_probability": probability_alert_raised(scored, params),
    }


def position_conditions(scored: pd.DataFrame, params: ScoringParams) -> pd.DataFrame:
    """Position alerts. The stockout kinds (:func:`stockout_kind_conditions`) take their level from
    the table of :func:`alert_level` (state and calibrated P by VEN class). Expiry when units will
    expire unused within ``expiry_alert_months``, at least ``EXPIRY_ALERT_MIN_UNITS`` of them (high
    when that is half the stock or more, else medium); expired stock to withdraw when lots past their date still hold units
    (``expired_stock`` > 0): with nothing usable left the position is stocked out in effect and the
    alert takes the stockout's level, else medium."""
    expired = (
        scored["expired_stock"].astype("float64") if "expired_stock" in scored else pd.Series(0.0, index=scored.index)
    )
    ven = scored["ven_class"]
    probability = calibrated_probability(scored)
    held = stockout_kind_conditions(scored, params)
    values = {
        "stockout": ("usable_stock", scored["usable_stock"]),
        "below_emergency": ("months_of_stock", scored["months_of_stock"]),
        "high_probability": ("stockout_probability", scored["stockout_probability"]),
    }

    def level_of(kind: str, mask: pd.Series) -> pd.Series:
        """The levels of the positions of ``mask`` only (the others raise nothing of ``kind``)."""
        return pd.Series(alert_level(kind, ven[mask], probability[mask]), index=scored.index[mask], dtype=object)

    parts = [
        _rows(
            scored,
            held[kind],
            kind=kind,
            level=level_of(kind, held[kind]),
            metric=values[kind][0],
            value=values[kind][1],
        )
        for kind in STOCKOUT_KINDS
    ]
    parts += [
        _rows(
            scored,
            scored["expiry_at_risk"].ge(EXPIRY_ALERT_MIN_UNITS),
            kind="expiry",
            level=np.where(scored["expiry_at_risk"] * 2 >= scored["stock"], "high", "medium"),
            metric="expiry_at_risk",
            value=scored["expiry_at_risk"],
        ),
        _rows(
            scored,
            expired.gt(0),
            kind="expired_stock",
            level=level_of("stockout", expired.gt(0)).where(scored["usable_stock"].le(0), "medium"),
            metric="expired_stock",
            value=expired,
        ),
    ]
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def rollup_counted(
    positions: pd.DataFrame,
    *,
    probability_cut: float | None = None,
    probability_column: str = ROLLUP_PROBABILITY_COLUMN,
) -> pd.DataFrame:
    """Per position, whether it counts in its region's roll-up: ``counted_by_status`` (stocked out
    or below the emergency point), ``counted_by_probability`` (a calibrated P, one a learned model
    gave, >= ``probability_cut``; always False while the cut is None) and ``counted``."""
    by_status = positions["stock_status"].isin(ROLLUP_STATUSES)
    if probability_cut is None or probability_column not in positions:
        by_probability = pd.Series(False, index=positions.index)
    else:
        calibrated = calibrated_probability(positions.assign(stockout_probability=positions[probability_column]))
        by_probability = calibrated.ge(probability_cut)
    return pd.DataFrame(
        {
            "counted_by_status": by_status,
            "counted_by_probability": by_probability,
            "counted": by_status | by_probability,
        }
    )


def rollup_conditions(counts: pd.DataFrame, *, share: float, min_positions: int) -> pd.DataFrame:
    """Regional roll-ups from ``counts`` per (``medicine_id``, ``region_id``): ``positions``,
    ``at_risk`` (those counted by :func:`rollup_counted`) and ``vital``. One roll-up where the
    counted positions are at least ``min_positions`` and at least ``share`` of the medicine's
    positions in the region. Level: for vital medicines critical from twice ``share``, else high;
    for the others high from twice ``share``, else medium. ``value`` is the share counted;
    ``positions`` and ``at_risk`` the counts behind it."""
    grouped = counts.assign(share=counts["at_risk"] / counts["positions"])
    raised = grouped.loc[(grouped["at_risk"] >= min_positions) & (grouped["share"] >= share)]
    severe = raised["share"] >= 2 * share
    levels = np.where(
        raised["vital"].astype(bool), np.where(severe, "critical", "high"), np.where(severe, "high", "medium")
    )
    return pd.DataFrame(
        {
            "kind": "regional_stockout",
            "medicine_id": raised["medicine_id"],
            "establishment_id": np.nan,
            "region_id": raised["region_id"],
            "level": levels,
            "metric": "share_at_risk",
            "value": raised["share"].astype("float64"),
            "positions": raised["positions"].astype("int64"),
            "at_risk": raised["at_risk"].astype("int64"),
        }
    ).reset_index(drop=True)


def national_conditions(national: pd.DataFrame, params: ScoringParams) -> pd.DataFrame:
    """National alerts. Rules: national risk when the national level is critical or high (same
    level); safety-stock breach when a declaring company holds less than 3 months of its sales (high
    when industry cover is under half the duty, else medium); declared disruption (critical when half
    of declared sales or more are disrupted, high from a fifth, else medium). A safety-stock row also
    carries ``companies_in_breach`` and ``declared_companies``."""
    frame = national.assign(establishment_id=np.nan, region_id=np.nan)
    share = frame["disrupted_sales_share"].fillna(0.0)
    in_breach = frame["companies_in_breach"].fillna(0).gt(0)
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
            in_breach,
            kind="safety_stock",
            level=np.where(frame["industry_mos"].fillna(0) < params.safety_stock_months / 2, "high", "medium"),
            metric="industry_mos",
            value=frame["industry_mos"],
        ).assign(
            # what raised it: the industry's months alone read as met when one company of several
            # is short ("3,9 mois (obligation : 3 mois)")
            companies_in_breach=frame.loc[in_breach, "companies_in_breach"].to_numpy(),
            declared_companies=frame.loc[in_breach, "declared_companies"].to_numpy(),
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
    return pd.concat(parts, ignore_index=True)[[*COLUMNS, *SAFETY_STOCK_COUNTS]]
