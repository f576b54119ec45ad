"""Monthly summaries (``ConsumptionMonth``) kept current with the ledger; the rules are in
:mod:`stock.services.ledger`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone

from stock.choices import MovementKind
from stock.models import ConsumptionMonth, MonthlyReport, StockLot, StockMovement
from stock.services.positions import WRITE_BATCH, Position, month_end, month_start, position_batches, positions_q


@dataclass
class _MonthFigures:
    issued: int = 0
    received: int = 0
    losses: int = 0
    touched: bool = False


def summaries_update(movements: list[StockMovement]) -> None:
    figures: dict[tuple[int, int, dt.date], _MonthFigures] = defaultdict(_MonthFigures)
    for movement in movements:
        key = (movement.establishment_id, movement.medicine_id, month_start(movement.business_date))
        month = figures[key]
        month.touched = True
        if movement.kind == MovementKind.ISSUE:
            month.issued += -movement.quantity
        elif movement.kind in (MovementKind.RECEIPT, MovementKind.TRANSFER_IN):
            month.received += movement.quantity
        elif movement.kind == MovementKind.LOSS:
            month.losses += -movement.quantity
    if not figures:
        return
    later = _later_months(figures.keys())
    derived = consumption_derive([*figures.keys(), *later.keys()])
    existing = {}
    months = {month for *_pos, month in figures}
    for chunk in position_batches(key[:2] for key in figures):
        for row in ConsumptionMonth.objects.filter(positions_q(chunk), month__in=months):
            existing[(row.establishment_id, row.medicine_id, row.month)] = row
    rows = []
    for key, month in figures.items():
        previous = existing.get(key)
        closing, stockout_days = derived[key]
        rows.append(
            ConsumptionMonth(
                establishment_id=key[0],
                medicine_id=key[1],
                month=key[2],
                issued=(previous.issued if previous else 0) + month.issued,
                received=(previous.received if previous else 0) + month.received,
                losses=(previous.losses if previous else 0) + month.losses,
                stockout_days=stockout_days,
                closing_balance=closing,
                reported=True,
            )
        )
    ConsumptionMonth.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["establishment", "medicine", "month"],
        update_fields=["issued", "received", "losses", "stockout_days", "closing_balance", "reported"],
        batch_size=WRITE_BATCH,
    )
    for key, row in later.items():
        row.closing_balance, row.stockout_days = derived[key]
    if later:
        ConsumptionMonth.objects.bulk_update(
            list(later.values()), ["closing_balance", "stockout_days"], batch_size=WRITE_BATCH
        )


def _later_months(
    touched: Collection[tuple[int, int, dt.date]],
) -> dict[tuple[int, int, dt.date], ConsumptionMonth]:
    """Summaries already on record for months after the earliest touched month of each position: a
    back-dated movement changes their closing balance and stockout days (not their flows). Months
    set by a monthly report keep the report's figures. No query when every movement is dated in
    the current month, the usual case."""
    earliest: dict[Position, dt.date] = {}
    for establishment_id, medicine_id, month in touched:
        position = (establishment_id, medicine_id)
        earliest[position] = min(month, earliest.get(position, month))
    current_month = month_start(timezone.localdate())
    earliest = {position: month for position, month in earliest.items() if month < current_month}
    found: dict[tuple[int, int, dt.date], ConsumptionMonth] = {}
    for chunk in position_batches(earliest):
        after = min(earliest[position] for position in chunk)
        rows = {
            (row.establishment_id, row.medicine_id, row.month): row
            for row in ConsumptionMonth.objects.filter(positions_q(chunk), month__gt=after)
            if row.month > earliest[(row.establishment_id, row.medicine_id)]
        }
        rows = {key: row for key, row in rows.items() if key not in touched}
        if rows:
            reported = MonthlyReport.objects.filter(positions_q(chunk), month__gt=after)
            for key in reported.values_list("establishment_id", "medicine_id", "month"):
                rows.pop(key, None)
        found.update(rows)
    return found


def consumption_derive(keys: Iterable[tuple[int, int, dt.date]]) -> dict[tuple[int, int, dt.date], tuple[int, int]]:
    """(closing balance, stockout days) of each (establishment, medicine, month) from the ledger,
    by the end-of-day rule of :mod:`stock.services.ledger`: both read the usable balance, the
    balance less the units of lots expired on that day (:func:`_expired_by_day`). Three queries per
    month and batch of positions."""
    by_month: dict[dt.date, set[Position]] = defaultdict(set)
    for establishment_id, medicine_id, month in keys:
        by_month[month].add((establishment_id, medicine_id))
    result: dict[tuple[int, int, dt.date], tuple[int, int]] = {}
    for month, positions in by_month.items():
        first_day, last_day = month, month_end(month)
        opening: dict[Position, int] = {}
        daily: dict[Position, dict[dt.date, int]] = defaultdict(dict)
        expiring: dict[Position, list[tuple[dt.date, int]]] = defaultdict(list)
        for chunk in position_batches(positions):
            for row in (
                StockMovement.objects.filter(positions_q(chunk), business_date__lt=first_day)
                .values("establishment_id", "medicine_id")
                .annotate(total=Sum("quantity"))
                .order_by()
            ):
                opening[(row["establishment_id"], row["medicine_id"])] = row["total"]
            for row in (
                StockMovement.objects.filter(positions_q(chunk), business_date__range=(first_day, last_day))
                .values("establishment_id", "medicine_id", "business_date")
                .annotate(total=Sum("quantity"))
                .order_by()
            ):
                daily[(row["establishment_id"], row["medicine_id"])][row["business_date"]] = row["total"]
            for establishment_id, medicine_id, expiry, quantity in StockLot.objects.filter(
                positions_q(chunk), expiry_date__lte=last_day, quantity__gt=0
            ).values_list("establishment_id", "medicine_id", "expiry_date", "quantity"):
                expiring[(establishment_id, medicine_id)].append((expiry, quantity))
        for position in positions:
            known = position in opening
            balance = opening.get(position, 0)
            days = daily.get(position, {})
            expired = _expired_by_day(expiring.get(position, []), first_day, last_day)
            stockout_days = 0
            usable = balance
            for day_number in range(1, last_day.day + 1):
                day = first_day.replace(day=day_number)
                if day in days:
                    balance += days[day]
                    known = True
                usable = balance - min(expired[day_number - 1], max(balance, 0))
                if known and usable <= 0:
                    stockout_days += 1
            result[(*position, month)] = (usable, stockout_days)
    return result


def _expired_by_day(lots: list[tuple[dt.date, int]], first_day: dt.date, last_day: dt.date) -> list[int]:
    """Units of ``lots`` (expiry date, quantity) expired at the end of each day of the month, a lot
    being expired from its expiry date on (docs/alerts.md).

    The quantities are the lots' current ones. A lot's quantity does not grow after its expiry date
    (an expired lot is never received; issues take the usable stock), so for a day of the current
    month after its last movement (the figure assumes the stock stays as it is) they are exact, and
    for an earlier day they are at most the lot's quantity then: a lot written off since counts as
    still usable before its write-off, the rule's only approximation (the ledger does not record
    which lots a withdrawal without a lot number took)."""
    expired = [0] * last_day.day
    for expiry, quantity in lots:
        for index in range(max((expiry - first_day).days, 0), last_day.day):
            expired[index] += quantity
    return expired


def summaries_rederive(*, expired_only: bool = True) -> int:
    """Derive again, from the ledger, the closing balance and stockout days of the monthly summaries
    on record (not those set by a monthly report), for the positions holding a lot expired by today
    (``expired_only``: from the month of their earliest such lot) or for every position with a
    movement; returns the number of months whose figures changed. For a database whose summaries
    were written before they left expired units out (docs/stock-api.md, "Monthly summaries")."""
    today = timezone.localdate()
    if expired_only:
        lots = StockLot.objects.filter(expiry_date__lte=today, quantity__gt=0).values_list(
            "establishment_id", "medicine_id", "expiry_date"
        )
    else:
        lots = StockMovement.objects.values_list("establishment_id", "medicine_id").annotate(first=Min("business_date"))
    since: dict[Position, dt.date] = {}
    for establishment_id, medicine_id, day in lots.order_by():
        position = (establishment_id, medicine_id)
        since[position] = min(month_start(day), since.get(position, month_start(day)))
    changed = 0
    for chunk in position_batches(since):
        first = min(since[position] for position in chunk)
        rows = {
            (row.establishment_id, row.medicine_id, row.month): row
            for row in ConsumptionMonth.objects.filter(positions_q(chunk), month__gte=first)
            if row.month >= since[(row.establishment_id, row.medicine_id)]
        }
        for key in MonthlyReport.objects.filter(positions_q(chunk), month__gte=first).values_list(
            "establishment_id", "medicine_id", "month"
        ):
            rows.pop(key, None)
        derived = consumption_derive(rows)
        updated = []
        for key, row in rows.items():
            if (row.closing_balance, row.stockout_days) != derived[key]:
                row.closing_balance, row.stockout_days = derived[key]
                updated.append(row)
        with transaction.atomic():
            ConsumptionMonth.objects.bulk_update(updated, ["closing_balance", "stockout_days"], batch_size=WRITE_BATCH)
        changed += len(updated)
    return changed
