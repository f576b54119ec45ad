"""Writes the generated frames: consumption months, stock levels, lots, transfers, the ledger
slice, product suppliers, declarations and the shortage register. Every write is a batched
``bulk_create`` (or one ``bulk_update``); nothing queries per row."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.utils import timezone

from partners.choices import SupplierRole
from partners.models import Company, ProductSupplier, SupplyDeclaration, SupplyLine
from shortages.choices import ActionKind, ActionStatus, ShortageScope, ShortageStatus
from shortages.models import MitigationAction, Shortage
from stock.choices import LossReason, MovementSource, TransferStatus
from stock.models import ConsumptionMonth, Medicine, Product, StockLevel, StockLot, StockMovement, Transfer
from stock.services.positions import position_batches, positions_q
from tooling.demo.batches import bulk_insert, insert_rows
from tooling.demo.options import DEMO_SHORTAGE_PREFIX, days_in, month_add
from tooling.demo.simulation import ShortageWindow

OPENING_REASON = "Solde d'ouverture du mois (données générées)"


def _ints(series: pd.Series) -> list[int]:
    return series.to_numpy(dtype=np.int64).tolist()


def _dates(values) -> list[str]:
    return [value.isoformat() for value in values]


def write_consumption(monthly: pd.DataFrame, month_starts: list[dt.date]) -> int:
    """One ``ConsumptionMonth`` per position and month; a month not reported keeps zeros and no
    closing balance."""
    reported = monthly["reported"].to_numpy(dtype=bool)
    figures = monthly[["issued", "received", "losses", "stockout_days"]].to_numpy(dtype=np.int64, copy=True)
    figures[~reported] = 0
    closing = np.where(reported, monthly["closing"].to_numpy(dtype=np.int64), -1).tolist()
    month_text = _dates(month_starts)
    rows = (
        (establishment, medicine, month_text[month], *values, None if balance < 0 else balance, ok)
        for establishment, medicine, month, values, balance, ok in zip(
            _ints(monthly["establishment_id"]),
            _ints(monthly["medicine_id"]),
            _ints(monthly["month"]),
            figures.tolist(),
            closing,
            reported.tolist(),
            strict=True,
        )
    )
    fields = (
        "establishment_id",
        "medicine_id",
        "month",
        "issued",
        "received",
        "losses",
        "stockout_days",
        "closing_balance",
        "reported",
    )
    return insert_rows(ConsumptionMonth, fields, rows)


def update_consumption(rows: pd.DataFrame, month_starts: list[dt.date]) -> int:
    """New ``closing`` and ``stockout_days`` of written months (``establishment_id``,
    ``medicine_id``, ``month`` index): the rows read by batches of positions, one ``bulk_update``."""
    if rows.empty:
        return 0
    figures = {
        (establishment, medicine, month_starts[month]): (closing, days)
        for establishment, medicine, month, closing, days in zip(
            _ints(rows["establishment_id"]),
            _ints(rows["medicine_id"]),
            _ints(rows["month"]),
            _ints(rows["closing"]),
            _ints(rows["stockout_days"]),
            strict=True,
        )
    }
    first = min(key[2] for key in figures)
    changed = []
    for chunk in position_batches({key[:2] for key in figures}):
        for row in ConsumptionMonth.objects.filter(positions_q(chunk), month__gte=first):
            new = figures.get((row.establishment_id, row.medicine_id, row.month))
            if new is not None:
                row.closing_balance, row.stockout_days = new
                changed.append(row)
    ConsumptionMonth.objects.bulk_update(changed, ["closing_balance", "stockout_days"], batch_size=2000)
    return len(changed)


def write_levels(levels: pd.DataFrame) -> int:
    """``levels``: ``establishment_id``, ``medicine_id``, ``quantity``, ``in_transit``."""
    columns = ("establishment_id", "medicine_id", "quantity", "in_transit")
    rows = zip(*(_ints(levels[name]) for name in columns), strict=True)
    return insert_rows(StockLevel, columns, rows, constants={"updated_at": timezone.now()})


def write_lots(lots: pd.DataFrame) -> int:
    rows = zip(
        _ints(lots["establishment_id"]),
        _ints(lots["medicine_id"]),
        lots["lot_number"].tolist(),
        _dates(lots["expiry_date"]),
        _ints(lots["quantity"]),
        strict=True,
    )
    fields = ("establishment_id", "medicine_id", "lot_number", "expiry_date", "quantity")
    return insert_rows(StockLot, fields, rows)


def write_transfers(transfers: pd.DataFrame) -> list[int]:
    """Returns the new ids in the frame's order."""
    rows = (
        Transfer(
            source_id=source,
            destination_id=destination,
            medicine_id=medicine,
            quantity=quantity,
            shipped_on=shipped,
            received_on=received,
            status=TransferStatus.IN_TRANSIT if received is None else TransferStatus.RECEIVED,
        )
        for source, destination, medicine, quantity, shipped, received in zip(
            _ints(transfers["source_establishment"]),
            _ints(transfers["destination_establishment"]),
            _ints(transfers["medicine_id"]),
            _ints(transfers["quantity"]),
            transfers["shipped_on"],
            transfers["received_on"],
            strict=True,
        )
    )
    return [row.pk for row in bulk_insert(Transfer, rows)]


def write_ledger(ledger: pd.DataFrame) -> int:
    """``ledger``: ``establishment_id``, ``medicine_id``, ``kind``, ``business_date``,
    ``quantity``, ``balance_after``, ``transfer_id`` (or NaN)."""
    kinds = ledger["kind"].tolist()
    rows = zip(
        _ints(ledger["establishment_id"]),
        _ints(ledger["medicine_id"]),
        kinds,
        _dates(ledger["business_date"]),
        _ints(ledger["quantity"]),
        _ints(ledger["balance_after"]),
        [LossReason.EXPIRED.value if kind == "loss" else "" for kind in kinds],
        [OPENING_REASON if kind == "count" else "" for kind in kinds],
        [None if pd.isna(value) else int(value) for value in ledger["transfer_id"]],
        strict=True,
    )
    fields = (
        "establishment_id",
        "medicine_id",
        "kind",
        "business_date",
        "quantity",
        "balance_after",
        "loss_reason",
        "reason",
        "transfer_id",
    )
    constants = {
        "source": MovementSource.GENERATED.value,
        "lot_number": "",
        "lot_id": None,
        "expiry_date": None,
        "idempotency_key": None,
        "created_by_id": None,
        "created_at": timezone.now(),
    }
    return insert_rows(StockMovement, fields, rows, constants=constants)


def write_suppliers(assignments: pd.DataFrame, companies: dict[int, Company]) -> int:
    """Sets ``Product.origin`` and records each product's holder, plus its manufacturer (made in
    Morocco) or importer (imported): the same company."""
    products = [
        Product(pk=pk, origin=origin)
        for pk, origin in zip(_ints(assignments["product_id"]), assignments["origin"], strict=True)
    ]
    Product.objects.bulk_update(products, ["origin"], batch_size=1000)
    rows = []
    for product, company, origin in zip(
        _ints(assignments["product_id"]), _ints(assignments["company"]), assignments["origin"], strict=True
    ):
        second = SupplierRole.MANUFACTURER if origin == "local" else SupplierRole.IMPORTER
        rows.append(ProductSupplier(company=companies[company], product_id=product, role=SupplierRole.HOLDER))
        rows.append(ProductSupplier(company=companies[company], product_id=product, role=second))
    return len(bulk_insert(ProductSupplier, rows))


def write_declarations(
    declarations: pd.DataFrame, lines: pd.DataFrame, companies: dict[int, Company], reviewer, submitter_by_company
) -> tuple[int, int]:
    """Declarations (all versions) then their supply lines. Reviewed ones were reviewed by
    ``reviewer`` on the 9th of the next month, or now when that day has not come yet (never later
    than the generation)."""
    now = timezone.now()
    reviewed_day = {}
    rows = []
    for record in declarations.itertuples(index=False):
        reviewed = record.status in ("accepted", "rejected")
        if record.month_start not in reviewed_day:
            next_month = month_add(record.month_start, 1)
            reviewed_day[record.month_start] = min(
                dt.datetime.combine(next_month + dt.timedelta(days=8), dt.time(10), tzinfo=dt.UTC), now
            )
        rows.append(
            SupplyDeclaration(
                company=companies[record.company],
                medicine_id=record.medicine_id,
                month=record.month_start,
                version=record.version,
                is_current=record.is_current,
                stock_on_hand=record.stock_on_hand,
                monthly_sales=record.monthly_sales,
                disruption=record.disruption,
                disruption_cause=record.cause,
                disruption_start=record.disruption_start,
                disruption_end=record.disruption_end,
                api_origin_country=record.api_country,
                status=record.status,
                review_comment=record.review_comment,
                reviewed_by=reviewer if reviewed else None,
                reviewed_at=reviewed_day[record.month_start] if reviewed else None,
                submitted_by=submitter_by_company.get(record.company) if record.status != "draft" else None,
            )
        )
    created = bulk_insert(SupplyDeclaration, rows)
    # ``created_at`` is set on insert to the generation's time, which made every company of every
    # month late on the late-declarants page: each version gets the day it was declared instead.
    for row, record in zip(created, declarations.itertuples(index=False), strict=True):
        row.created_at = min(_declared_at(record.company, record.month_start, record.version), now)
    SupplyDeclaration.objects.bulk_update(created, ["created_at"], batch_size=1000)
    ids = np.array([row.pk for row in created])
    supply = (
        SupplyLine(declaration_id=declaration, expected_on=expected, quantity=quantity, kind=kind)
        for declaration, expected, quantity, kind in zip(
            ids[lines["declaration"].to_numpy()].tolist(),
            lines["expected_on"],
            _ints(lines["quantity"]),
            lines["kind"],
            strict=True,
        )
    )
    return len(created), len(bulk_insert(SupplyLine, supply))


def _declared_at(company: int, month: dt.date, version: int) -> dt.datetime:
    """When the demo's ``company`` declared ``version`` of ``month``: a first version between the 1st
    and the 4th of the next month (the arrêté's deadline is the 5th), one company-month in ten late (the
    6th to the 11th); a later version the 10th or after, once the one before was reviewed (the 9th).
    From the keys, so that a seed gives the same days."""
    next_month = month_add(month, 1)
    if version > 1:
        day = 10 + 2 * (version - 2)
    elif (company + month.month) % 10 == 0:
        day = 6 + company % 6
    else:
        day = 1 + (7 * company + month.month) % 4
    return dt.datetime.combine(next_month + dt.timedelta(days=day - 1), dt.time(9 + company % 8), tzinfo=dt.UTC)


def write_register(windows: list[ShortageWindow], month_starts: list[dt.date], as_of: dt.date, analyst) -> int:
    """One national shortage per window: resolved when it ended before the last month, ongoing
    otherwise (with an exceptional import under way)."""
    medicines = Medicine.objects.in_bulk([window.medicine_id for window in windows])
    last = len(month_starts) - 1
    shortages = []
    for window in windows:
        start = month_add(month_starts[0], window.start) + dt.timedelta(days=6)
        end_month = month_add(month_starts[0], window.end)
        end = end_month + dt.timedelta(days=days_in(end_month) - 3)
        ongoing = window.end >= last
        shortages.append(
            Shortage(
                medicine=medicines[window.medicine_id],
                status=ShortageStatus.ONGOING if ongoing else ShortageStatus.RESOLVED,
                cause=window.cause,
                scope=ShortageScope.NATIONAL,
                description=f"{DEMO_SHORTAGE_PREFIX} Rupture nationale générée pour la démonstration.",
                started_on=start,
                expected_end=end,
                actual_end=None if ongoing else end,
                created_by=analyst,
            )
        )
    created = bulk_insert(Shortage, shortages)
    actions = [
        MitigationAction(
            shortage=shortage,
            kind=ActionKind.EXCEPTIONAL_IMPORT,
            description="Importation exceptionnelle demandée au titulaire (démo).",
            owner=analyst,
            due_date=as_of + dt.timedelta(days=30),
            status=ActionStatus.IN_PROGRESS,
        )
        for shortage in created
        if shortage.status == ShortageStatus.ONGOING
    ]
    bulk_insert(MitigationAction, actions)
    return len(created)
