"""National score rows, built as model instances (1,000 a day), stored by a binary ``COPY`` on
PostgreSQL (``bulk_create`` elsewhere). A national row holds for its own day."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection

from bulk import copy_in
from shortages import scoring
from shortages.disclosure_areas import REGIONAL_COUNTS, REGIONAL_SHARES
from shortages.models import RiskScore, ScoringRun
from shortages.scoring.sums import regional_shares_of_sums

NATIONAL_FIGURES = [
    "positions",
    "public_stock",
    "public_amc",
    "public_in_transit",
    "national_mos",
    "share_stocked_out",
    "share_below_emergency",
    "share_at_risk",
    "declared_companies",
    "industry_stock",
    "industry_sales",
    "industry_mos",
    "industry_top_share",
    "safety_stock_required",
    "safety_stock_gap",
    "companies_in_breach",
    "safety_stock_met",
    "disrupted_companies",
    "disrupted_sales_share",
    "deliveries_due",
    "supplier_count",
    "supplier_hhi",
    "import_share",
    "api_origin_hhi",
    "episodes",
]


def clean(value):
    """A JSON- and database-safe scalar: NaN and NaT become None, numpy scalars Python ones."""
    if value is None or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def figures_of(row: dict, names: list[str]) -> dict:
    return {name: clean(row.get(name)) for name in names}


def factors_of(row: dict, weights) -> tuple[dict, dict]:
    contributions = {name: clean(row.get(f"contrib_{name}")) for name in weights}
    factors = {name: clean(row.get(f"factor_{name}")) for name in weights}
    return contributions, factors


def regional_map(sums: pd.DataFrame) -> dict[int, dict[str, dict[str, float | int]]]:
    """{medicine_id: {"share_at_risk_by_region": {region_id: share at risk},
    "positions_counted_by_region": {region_id: positions the share is computed on}}} of the
    positions' ``sums`` (:func:`shortages.scoring.sums.regional_shares_of_sums`); the counts are the
    input of the rule of small areas (:mod:`shortages.disclosure_areas`)."""
    regional = regional_shares_of_sums(sums).dropna(subset=["share_at_risk"])
    if regional.empty:
        return {}
    shares: dict[int, dict[str, float]] = {}
    counts: dict[int, dict[str, int]] = {}
    for medicine_id, region_id, counted, share in zip(
        regional["medicine_id"].to_numpy(dtype="int64"),
        regional["region_id"].to_numpy(dtype="float64"),
        regional["counted"].to_numpy(dtype="int64"),
        regional["share_at_risk"].to_numpy(dtype="float64"),
        strict=True,
    ):
        region = str(int(region_id))
        shares.setdefault(int(medicine_id), {})[region] = round(float(share), 4)
        counts.setdefault(int(medicine_id), {})[region] = int(counted)
    return {
        medicine_id: {REGIONAL_SHARES: shares[medicine_id], REGIONAL_COUNTS: counts[medicine_id]}
        for medicine_id in shares
    }


def national_rows(
    frame: pd.DataFrame, *, run: ScoringRun, weights, regional: dict[int, dict[str, dict[str, float | int]]]
) -> list[RiskScore]:
    rows = []
    for row in frame.to_dict("records"):
        contributions, factors = factors_of(row, weights)
        mos = clean(row["national_mos"])
        rows.append(
            RiskScore(
                run=run,
                as_of=run.as_of,
                valid_until=run.as_of + dt.timedelta(days=1),
                medicine_id=row["medicine_id"],
                stock=float(row["public_stock"]),
                usable_stock=float(row["public_stock"]),
                amc=clean(row["public_amc"]),
                months_of_stock=mos,
                days_of_cover=mos * scoring.DAYS_PER_MONTH if mos is not None else None,
                pipeline=float(row["pipeline"]),
                horizon_months=clean(row["horizon_months"]),
                stockout_probability=clean(row["stockout_probability"]),
                stock_status=national_status(row),
                score=clean(row["score"]),
                level=row["risk_level"],
                insufficient_data=bool(row["insufficient_data"]),
                figures=figures_of(row, NATIONAL_FIGURES)
                | {"factors": factors}
                | (regional.get(int(row["medicine_id"])) or {REGIONAL_SHARES: {}, REGIONAL_COUNTS: {}}),
                contributions=contributions,
            )
        )
    return rows


# The columns a national row fills; the others stay NULL (they are the positions').
NATIONAL_FLOATS = (
    "stock", "usable_stock", "amc", "months_of_stock", "days_of_cover", "pipeline", "horizon_months",
    "stockout_probability", "score",
)  # fmt: skip


def national_rows_insert(rows: list[RiskScore]) -> int:
    """Store the national ``rows`` of one run and day (:func:`national_rows`): one binary ``COPY``
    on PostgreSQL (``bulk_create`` of 1,000 rows with two JSON documents each cost 0.16-0.20 s of
    every run, incremental ones included), ``bulk_create`` elsewhere. Returns how many."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        RiskScore.objects.bulk_create(rows, batch_size=2000)
        return len(rows)
    first = rows[0]
    if any(row.as_of != first.as_of or row.valid_until != first.valid_until for row in rows):
        raise ValueError("national rows: one day and one end per call")
    count = len(rows)
    fields = [
        copy_in.int8("run_id", np.array([row.run_id for row in rows], dtype=np.int64)),
        copy_in.date("as_of", first.as_of, count),
        copy_in.date("valid_until", first.valid_until, count),
        copy_in.int8("medicine_id", np.array([row.medicine_id for row in rows], dtype=np.int64)),
        *(
            copy_in.float8(name, np.array([getattr(row, name) for row in rows], dtype="float64"))
            for name in NATIONAL_FLOATS
        ),
        copy_in.text("stock_status", [row.stock_status for row in rows]),
        copy_in.text("level", [row.level for row in rows]),
        copy_in.text("sigma_rule", [row.sigma_rule for row in rows]),
        copy_in.boolean("insufficient_data", [row.insufficient_data for row in rows]),
        # JSONField's own encoding (ASCII: the binary stream's text columns are ASCII).
        copy_in.jsonb("figures", [json.dumps(row.figures) for row in rows]),
        copy_in.jsonb("contributions", [json.dumps(row.contributions) for row in rows]),
    ]
    with connection.cursor() as cursor:
        return copy_in.copy_fields(cursor, RiskScore._meta.db_table, fields)


def national_status(row: dict) -> str:
    """The national stock status by the hospital max-min levels applied to national months of stock."""
    amc, mos, levels = clean(row["public_amc"]), clean(row["national_mos"]), settings.STOCK_LEVELS["hospital"]
    if amc is None:
        return "insufficient_data"
    if amc == 0:
        return "no_consumption"
    if row["public_stock"] <= 0:
        return "stocked_out"
    if mos < levels["emergency"]:
        return "below_emergency"
    if mos < levels["minimum"]:
        return "understocked"
    return "adequate" if mos <= levels["maximum"] else "overstocked"
