"""Build a national-scale dataset in PostgreSQL: positions, 24 months of consumption summaries, lots,
a daily ledger for hospitals and industry declarations, bulk-loaded with binary ``COPY``.

The four large tables are emptied (``TRUNCATE``) and loaded in one transaction with their secondary
indexes and constraints dropped and rebuilt at the end, and ``COPY ... FREEZE`` so that the rows
need no vacuum pass afterwards; a failure leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction

from partners.models import SupplyDeclaration, SupplyLine
from shortages.models import RiskScore, ScoringRun
from stock.choices import LossReason, MovementKind, MovementSource
from stock.models import ConsumptionMonth, MonthlyReport, StockLevel, StockLot, StockMovement, Transfer
from tooling.benchmarks import pgcopy
from tooling.benchmarks.industry import industry_generate
from tooling.benchmarks.pgcopy import Column
from tooling.benchmarks.reference import national_reference
from tooling.benchmarks.simulation import (
    FinalStock,
    LedgerDay,
    MonthSummary,
    build_positions,
    month_starts,
    simulate,
    split_lots,
)

LOADED_MODELS = [ConsumptionMonth, StockMovement, StockLevel, StockLot]
# Emptied by --reset: what is derived from positions and declarations (CASCADE also empties
# the alerts and register links that point at declarations or runs).
RESET_MODELS = [*LOADED_MODELS, MonthlyReport, Transfer, SupplyLine, SupplyDeclaration, RiskScore, ScoringRun]


class DatasetError(Exception):
    """The dataset cannot be generated as asked (wrong database, data already there)."""


@dataclass(frozen=True)
class DatasetOptions:
    """``scale``: share of the 3,344 establishments; ``medicines``: size of the stocked list;
    ``months`` of consumption history ending with ``end``'s month (``end`` is the last day of
    a month); ``ledger_days``: days of daily hospital ledger ending on ``end``."""

    scale: float = 1.0
    medicines: int = 1000
    months: int = 24
    ledger_days: int = 90
    end: dt.date | None = None
    seed: int = 20240601
    reset: bool = False


@dataclass
class DatasetSummary:
    """Row counts and timings (seconds) of one generation."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    end: str = ""


def last_closed_month_end(today: dt.date | None = None) -> dt.date:
    """The last day of the month before ``today``'s."""
    today = today or dt.date.today()
    return today.replace(day=1) - dt.timedelta(days=1)


def _table(model) -> str:
    return model._meta.db_table


def _check_target(options: DatasetOptions) -> None:
    if connection.vendor != "postgresql":
        raise DatasetError("The national dataset needs PostgreSQL (set DATABASE_URL).")
    if options.end is not None and (options.end + dt.timedelta(days=1)).day != 1:
        raise DatasetError(f"end: {options.end} is not the last day of a month.")
    if not 0 < options.scale <= 1:
        raise DatasetError(f"scale: {options.scale} must be in (0, 1].")
    if options.medicines < 1 or options.months < 1 or options.ledger_days < 0:
        raise DatasetError("medicines and months must be positive, ledger_days not negative.")
    if not options.reset and any(model.objects.exists() for model in RESET_MODELS):
        raise DatasetError("Stock or declaration data is already there: pass --reset to replace it.")


def _consumption_columns(positions, summary: MonthSummary, keep: np.ndarray) -> list[Column]:
    return [
        Column("establishment_id", "int8", positions.establishment_id[keep]),
        Column("medicine_id", "int8", positions.medicine_id[keep]),
        Column("month", "date", np.datetime64(summary.month, "D")),
        Column("issued", "int8", summary.issued[keep]),
        Column("received", "int8", summary.received[keep]),
        Column("losses", "int8", summary.losses[keep]),
        Column("stockout_days", "int2", summary.stockout_days[keep]),
        Column("closing_balance", "int8", summary.closing_balance[keep]),
        Column("reported", "bool", True),
    ]


def _movement_columns(positions, day: dt.date, moved, kind: str, loss_reason: str) -> list[Column]:
    index, quantity, balance = moved
    return [
        Column("establishment_id", "int8", positions.establishment_id[index]),
        Column("medicine_id", "int8", positions.medicine_id[index]),
        Column("kind", "text", kind),
        Column("business_date", "date", np.datetime64(day, "D")),
        Column("quantity", "int8", quantity),
        Column("balance_after", "int8", balance),
        Column("lot_number", "text", ""),
        Column("loss_reason", "text", loss_reason),
        Column("reason", "text", ""),
        Column("source", "text", str(MovementSource.GENERATED)),
        Column("created_at", "timestamptz", np.datetime64(day, "D") + np.timedelta64(12, "h")),
    ]


def _copy(cursor, model, columns: list[Column], rows: int) -> int:
    return pgcopy.copy_rows(cursor, _table(model), columns, rows, freeze=True)


def _load_history(cursor, rng, positions, options: DatasetOptions, end: dt.date, summary: DatasetSummary):
    counts = summary.counts
    final = None
    for event in simulate(rng, positions, end=end, months=options.months, ledger_days=options.ledger_days):
        if isinstance(event, MonthSummary):
            keep = np.flatnonzero(event.reported)
            columns = _consumption_columns(positions, event, keep)
            counts["consumption_months"] += _copy(cursor, ConsumptionMonth, columns, len(keep))
        elif isinstance(event, LedgerDay):
            for moved, kind, reason in (
                (event.receipts, MovementKind.RECEIPT, ""),
                (event.issues, MovementKind.ISSUE, ""),
                (event.losses, MovementKind.LOSS, LossReason.EXPIRED),
            ):
                columns = _movement_columns(positions, event.day, moved, str(kind), str(reason))
                counts["stock_movements"] += _copy(cursor, StockMovement, columns, len(moved[0]))
        elif isinstance(event, FinalStock):
            final = event.quantity
    return final


def _load_stock(cursor, rng, positions, final: np.ndarray, end: dt.date, summary: DatasetSummary) -> None:
    updated_at = np.datetime64(end, "D") + np.timedelta64(23, "h")
    summary.counts["stock_levels"] = _copy(
        cursor,
        StockLevel,
        [
            Column("establishment_id", "int8", positions.establishment_id),
            Column("medicine_id", "int8", positions.medicine_id),
            Column("quantity", "int8", final),
            Column("in_transit", "int8", 0),
            Column("updated_at", "timestamptz", updated_at),
        ],
        len(positions),
    )
    lot_position, lot_quantity, expiry = split_lots(rng, final, end=end)
    summary.counts["stock_lots"] = _copy(
        cursor,
        StockLot,
        [
            Column("establishment_id", "int8", positions.establishment_id[lot_position]),
            Column("medicine_id", "int8", positions.medicine_id[lot_position]),
            Column("lot_number", "text", pgcopy.fixed_width_codes("GL", np.arange(len(lot_position)), 8)),
            Column("expiry_date", "date", expiry),
            Column("quantity", "int8", lot_quantity),
        ],
        len(lot_position),
    )


def dataset_generate(*, options: DatasetOptions, log=print) -> DatasetSummary:
    """Generate the dataset described by ``options``; returns its row counts and timings."""
    _check_target(options)
    end = options.end or last_closed_month_end()
    rng = np.random.default_rng(options.seed)
    summary = DatasetSummary(end=end.isoformat())
    summary.counts.update({"consumption_months": 0, "stock_movements": 0})
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        tables = [_table(model) for model in (RESET_MODELS if options.reset else LOADED_MODELS)]
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        reference = national_reference(rng=rng, scale=options.scale, medicines=options.medicines)
        positions = build_positions(
            rng,
            establishment_ids=reference.establishment_ids,
            is_hospital=reference.is_hospital,
            medicine_ids=reference.medicine_ids,
        )
        summary.counts.update(
            establishments=reference.establishments,
            hospitals=int(reference.is_hospital.sum()),
            medicines=reference.medicines,
            generated_establishments=reference.generated_establishments,
            generated_medicines=reference.generated_medicines,
            positions=len(positions),
        )
        log(
            f"{len(positions)} positions over {reference.establishments} establishments and {reference.medicines} medicines"
        )
        summary.seconds["reference"] = round(time.perf_counter() - started, 2)
        mark = time.perf_counter()
        with pgcopy.deferred_indexes(cursor, [_table(model) for model in LOADED_MODELS]):
            final = _load_history(cursor, rng, positions, options, end, summary)
            _load_stock(cursor, rng, positions, final, end, summary)
            summary.seconds["simulate_and_copy"] = round(time.perf_counter() - mark, 2)
            log(f"copied in {summary.seconds['simulate_and_copy']} s: {summary.counts}")
            mark = time.perf_counter()
        summary.seconds["indexes_and_constraints"] = round(time.perf_counter() - mark, 2)
        mark = time.perf_counter()
        public_amc = np.bincount(positions.medicine_index, weights=positions.amc, minlength=reference.medicines)
        summary.counts.update(
            industry_generate(
                rng=rng,
                medicine_ids=reference.medicine_ids,
                public_amc=public_amc,
                months=month_starts(end, options.months),
                end=end,
            )
        )
        summary.seconds["industry"] = round(time.perf_counter() - mark, 2)
    mark = time.perf_counter()
    with connection.cursor() as cursor:
        for model in [*LOADED_MODELS, SupplyDeclaration, SupplyLine]:
            cursor.execute(f"ANALYZE {_table(model)}")
    summary.seconds["analyze"] = round(time.perf_counter() - mark, 2)
    summary.seconds["total"] = round(time.perf_counter() - started, 2)
    return summary
