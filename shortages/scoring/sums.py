"""The positions of a day summed per medicine, region and horizon: everything the national figures
and the regional roll-ups read of the positions, in a frame small enough to keep (a few rows per
medicine, where the positions are 0.7 million).

Sums can be adjusted by difference: a run that re-scores some positions takes the sums of the rows
they replace off and adds theirs (:func:`sums_adjusted`), without reading the other positions.
For that to give the figures a full sum gives, to the last digit, the float figures are summed as
integers of 1/10,000 of a unit (:data:`FIXED_POINT`), whose sums do not depend on the order of the
rows or on how many times they were taken off and added back; a figure rounds by at most half of
that per position. Counts are integers already.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shortages.scoring.alerts import rollup_conditions, rollup_counted
from shortages.scoring.positions import BELOW_EMERGENCY, NO_CONSUMPTION, STOCKED_OUT

SUM_KEYS = ["medicine_id", "region_id", "horizon_months"]
# Units per integer step of the summed float figures.
FIXED_POINT = 10_000
COUNT_COLUMNS = ["positions", "counted", "stocked_out", "below_emergency", "rollup", "amc_known", "learned"]
AMOUNT_COLUMNS = ["usable_stock", "amc", "in_transit", "weighted_probability", "probability_weight"]
SUM_COLUMNS = COUNT_COLUMNS + AMOUNT_COLUMNS


def fixed(values: pd.Series) -> np.ndarray:
    """``values`` in integer steps of 1 / :data:`FIXED_POINT` (missing and infinite values: 0)."""
    numbers = pd.to_numeric(values).to_numpy(dtype="float64")
    numbers = np.where(np.isfinite(numbers), numbers, 0.0)
    return np.rint(numbers * FIXED_POINT).astype("int64")


def position_sums(positions: pd.DataFrame, *, probability_cut: float | None = None) -> pd.DataFrame:
    """Per (``medicine_id``, ``region_id``, ``horizon_months``) of ``positions`` (stored position
    figures: ``usable_stock``, ``amc``, ``in_transit``, ``stock_status``, ``stockout_probability``,
    and ``model_version`` for the roll-ups' probability cut): the counts of :data:`COUNT_COLUMNS`
    (``counted``: positions with consumption; ``rollup``: counted in a regional roll-up,
    :func:`shortages.scoring.alerts.rollup_counted`; ``amc_known``: with an AMC; ``learned``: whose P
    a learned model gave, ``model_version`` set, none without that column) and the fixed-point
    sums of :data:`AMOUNT_COLUMNS` (``weighted_probability``: P x AMC; ``probability_weight``: the
    AMC of positions with a P). A missing region or horizon is a key of its own."""
    status = positions["stock_status"]
    probability = pd.to_numeric(positions["stockout_probability"]).astype("float64")
    amc = pd.to_numeric(positions["amc"]).astype("float64")
    with_probability = probability.notna() & amc.notna()
    frame = pd.DataFrame(
        {
            "medicine_id": positions["medicine_id"].to_numpy(dtype="int64"),
            "region_id": pd.to_numeric(positions["region_id"]).astype("float64").to_numpy(),
            "horizon_months": pd.to_numeric(positions["horizon_months"]).astype("float64").to_numpy(),
            "positions": 1,
            "counted": (status != NO_CONSUMPTION).to_numpy(dtype="int64"),
            "stocked_out": (status == STOCKED_OUT).to_numpy(dtype="int64"),
            "below_emergency": (status == BELOW_EMERGENCY).to_numpy(dtype="int64"),
            "rollup": rollup_counted(positions, probability_cut=probability_cut)["counted"].to_numpy(dtype="int64"),
            "amc_known": amc.notna().to_numpy(dtype="int64"),
            "learned": (
                positions["model_version"].notna().to_numpy(dtype="int64")
                if "model_version" in positions
                else np.zeros(len(positions), dtype="int64")
            ),
            "usable_stock": fixed(positions["usable_stock"]),
            "amc": fixed(amc),
            "in_transit": fixed(positions["in_transit"]),
            "weighted_probability": fixed((probability * amc).where(with_probability)),
            "probability_weight": fixed(amc.where(with_probability)),
        }
    )
    return frame.groupby(SUM_KEYS, dropna=False, as_index=False, sort=True)[SUM_COLUMNS].sum()


def sums_adjusted(sums: pd.DataFrame, *, removed: pd.DataFrame, added: pd.DataFrame) -> pd.DataFrame:
    """``sums`` with the sums ``removed`` taken off and ``added`` put in (all frames of
    :func:`position_sums`); keys left without a position are dropped."""
    parts = [sums, added, removed.assign(**{column: -removed[column] for column in SUM_COLUMNS})]
    frame = pd.concat([part[SUM_KEYS + SUM_COLUMNS] for part in parts if not part.empty], ignore_index=True)
    if frame.empty:
        return sums.iloc[0:0][SUM_KEYS + SUM_COLUMNS]
    frame[SUM_COLUMNS] = frame[SUM_COLUMNS].astype("int64")
    total = frame.groupby(SUM_KEYS, dropna=False, as_index=False, sort=True)[SUM_COLUMNS].sum()
    return total.loc[total["positions"] > 0].reset_index(drop=True)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return numerator.astype("float64") / denominator.where(denominator > 0).astype("float64")


def public_side_of_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """Per medicine: ``positions``, ``public_stock`` (units), ``public_amc`` (units/month, NaN when no
    position has one), ``public_in_transit``, ``horizon_months`` (the longest), ``national_mos``
    (months), ``share_stocked_out``, ``share_below_emergency`` and ``share_at_risk`` (of positions
    with consumption), and ``public_probability`` (AMC-weighted mean of position probabilities)."""
    grouped = sums.groupby("medicine_id")
    totals = grouped[SUM_COLUMNS].sum()
    result = pd.DataFrame(
        {
            "positions": totals["positions"],
            "public_stock": totals["usable_stock"] / FIXED_POINT,
            "public_amc": (totals["amc"] / FIXED_POINT).where(totals["amc_known"] > 0),
            "public_in_transit": totals["in_transit"] / FIXED_POINT,
            "horizon_months": grouped["horizon_months"].max(),
        }
    )
    result["share_stocked_out"] = _ratio(totals["stocked_out"], totals["counted"])
    result["share_below_emergency"] = _ratio(totals["below_emergency"], totals["counted"])
    result["share_at_risk"] = result["share_stocked_out"] + result["share_below_emergency"]
    result["national_mos"] = result["public_stock"] / result["public_amc"].where(result["public_amc"] > 0)
    result["public_probability"] = _ratio(totals["weighted_probability"], totals["probability_weight"])
    return result


def regional_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """Per (``medicine_id``, ``region_id``) with a region: the counts of ``sums`` over horizons."""
    regional = sums.dropna(subset=["region_id"])
    return regional.groupby(["medicine_id", "region_id"], as_index=False, sort=True)[COUNT_COLUMNS].sum()


def regional_shares_of_sums(sums: pd.DataFrame) -> pd.DataFrame:
    """Per medicine and region: ``positions``, ``counted`` (those with consumption) and
    ``share_at_risk`` (stocked out or below the emergency point, among the ``counted``)."""
    regional = regional_sums(sums)
    at_risk = regional["stocked_out"] + regional["below_emergency"]
    return pd.DataFrame(
        {
            "medicine_id": regional["medicine_id"],
            "region_id": regional["region_id"],
            "positions": regional["positions"],
            "counted": regional["counted"],
            "share_at_risk": _ratio(at_risk, regional["counted"]),
        }
    )


def regional_rollups(
    sums: pd.DataFrame,
    *,
    vital: pd.Series,
    share: float,
    min_positions: int,
    regions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The regional roll-up alerts (:func:`shortages.scoring.alerts.rollup_conditions`) of ``sums``:
    per medicine and region, its positions and those counted in a roll-up; ``vital``: the ids of the
    vital medicines; ``regions`` (``medicine_id``, ``region_id``): those pairs only."""
    counts = regional_sums(sums).rename(columns={"rollup": "at_risk"})
    if regions is not None:
        wanted = pd.MultiIndex.from_arrays(
            [regions["medicine_id"].astype("int64"), regions["region_id"].astype("float64")]
        )
        present = pd.MultiIndex.from_arrays([counts["medicine_id"].astype("int64"), counts["region_id"]])
        counts = counts.loc[present.isin(wanted)]
    counts = counts.assign(vital=counts["medicine_id"].isin(vital))
    return rollup_conditions(counts, share=share, min_positions=min_positions)
