"""The ledger engine: turns entries into movements, stock levels, lots and monthly summaries.

Every public write (movements, transfers, monthly reports) goes through :func:`levels_lock` and
:func:`entries_apply` inside its own ``transaction.atomic`` block:

1. ``levels_lock`` creates the missing ``StockLevel`` rows and locks every touched position
   (``SELECT ... FOR UPDATE``, in establishment/medicine order so that two writers never wait on
   each other in a cycle). Lots and monthly summaries of a position are only written by a holder of
   its level lock, so they need no lock of their own.
2. ``entries_apply`` computes each entry's signed effect and the balance after it, refuses any that
   would make a level or a lot negative (every refusal is collected, per entry and field), takes
   stock out of lots first-expiry-first-out when no lot is named, then writes with a constant number
   of statements: one INSERT of the movements, one UPDATE of the levels, one of the lots, one upsert
   of the monthly summaries. The database constraints (non-negative balance, level and lot) remain
   the last line of defence.

Monthly summaries (``ConsumptionMonth``) follow each movement: ``issued`` (issues), ``received``
(receipts and incoming transfers), ``losses``; ``closing_balance`` and ``stockout_days`` are derived
from the ledger in business-date order:

- the balance at the end of day *d* is the sum of the signed effects of all movements dated up to
  *d* (so a back-dated movement counts on its own date);
- a day is a stockout day when that end-of-day balance is zero (or less);
- days before the position's first movement are not counted (nothing was known), and the days
  after the last movement of the month up to the month's end keep the last balance: a figure for
  the current month assumes the stock stays as it is until the month ends, and any later movement
  of that month recomputes it.

The month of each movement's business date is recomputed, and so are the closing balance and
stockout days of the position's later months already on record (a back-dated movement changes
them; their flows stay), except months set by a monthly report, which keep the report's figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from stock.choices import MovementKind
from stock.dates import date_refusal, shown_date
from stock.models import Establishment, Medicine, StockLevel, StockLot, StockMovement
from stock.services.consumption import consumption_derive, summaries_update
from stock.services.positions import (
    WRITE_BATCH,
    Position,
    month_end,
    month_start,
    position_batches,
    positions_q,
)

__all__ = [
    "WRITE_BATCH",
    "Entry",
    "LedgerRejected",
    "consumption_derive",
    "entries_apply",
    "levels_lock",
    "month_end",
    "month_start",
    "position_batches",
    "positions_q",
]

INCOMING = {MovementKind.RECEIPT, MovementKind.TRANSFER_IN, MovementKind.ADJUSTMENT_PLUS}
OUTGOING = {MovementKind.ISSUE, MovementKind.TRANSFER_OUT, MovementKind.ADJUSTMENT_MINUS, MovementKind.LOSS}


@dataclass
class Entry:
    """One movement to record. ``quantity`` is the amount moved (positive), or for a count the
    quantity counted; ``delta`` (signed) replaces it when the caller has computed the effect."""

    establishment: Establishment
    medicine: Medicine
    kind: str
    business_date: dt.date
    quantity: int | None = None
    delta: int | None = None
    lot_number: str = ""
    expiry_date: dt.date | None = None
    loss_reason: str = ""
    reason: str = ""
    idempotency_key: str | None = None
    transfer_id: int | None = None

    @property
    def position(self) -> Position:
        return (self.establishment.pk, self.medicine.pk)


@dataclass
class LedgerRejected(Exception):
    """Entries that cannot be recorded: ``errors[index] = {field: [messages]}``; ``code`` says why
    (``invalid`` for bad input, ``insufficient_stock`` when a balance would go negative)."""

    errors: dict[int, dict[str, list[str]]]
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{len(self.errors)} entries rejected ({self.code})"


@dataclass
class _Pending:
    errors: dict[int, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(dict))
    codes: set[str] = field(default_factory=set)

    def add(self, index: int, field_name: str, message: str, code: str = "invalid") -> None:
        self.errors[index].setdefault(field_name, []).append(message)
        self.codes.add(code)


def levels_lock(positions: Iterable[Position]) -> dict[Position, StockLevel]:
    """Lock the stock levels of ``positions`` for the rest of the transaction, creating the missing
    ones (a concurrent creator of the same level makes the insert wait, then the lock sees its row)."""
    wanted = set(positions)
    levels = _levels_select_for_update(wanted)
    missing = sorted(wanted - levels.keys())
    if missing:
        StockLevel.objects.bulk_create(
            [StockLevel(establishment_id=e, medicine_id=m) for e, m in missing],
            ignore_conflicts=True,
            batch_size=WRITE_BATCH,
        )
        levels.update(_levels_select_for_update(set(missing)))
    return levels


def _levels_select_for_update(positions: set[Position]) -> dict[Position, StockLevel]:
    levels: dict[Position, StockLevel] = {}
    for chunk in position_batches(positions):
        rows = (
            StockLevel.objects.select_for_update()
            .filter(positions_q(chunk))
            .order_by("establishment_id", "medicine_id")
        )
        levels.update({(row.establishment_id, row.medicine_id): row for row in rows})
    return levels


def entries_apply(
    entries: list[Entry],
    *,
    levels: dict[Position, StockLevel],
    user: Any,
    source: str,
    summarise: bool = True,
) -> list[StockMovement]:
    """Record ``entries`` in order against locked ``levels``; all or nothing (LedgerRejected)."""
    pending = _Pending()
    lots = _lots_for(entries)
    new_lots: dict[tuple[int, int, str], StockLot] = {}
    touched_lots: dict[int, StockLot] = {}
    movements: list[StockMovement] = []
    today = timezone.localdate()
    for index, entry in enumerate(entries):
        # The last guard of the rule every write path checks first (stock.dates): no dated-0201 count.
        refusal = date_refusal(entry.business_date, today=today)
        if refusal:
            pending.add(index, "business_date", refusal)
            continue
        level = levels[entry.position]
        delta = _delta(entry, level.quantity)
        after = level.quantity + delta
        if after < 0:
            pending.add(
                index,
                "quantity",
                _("Stock insuffisant : le solde est de %(balance)d, le mouvement demande %(asked)d.")
                % {"balance": level.quantity, "asked": -delta},
                code="insufficient_stock",
            )
            continue
        lot = _lot_effect(index, entry, delta, lots, new_lots, touched_lots, pending)
        if index in pending.errors:
            continue
        level.quantity = after
        movements.append(
            StockMovement(
                establishment=entry.establishment,
                medicine=entry.medicine,
                kind=entry.kind,
                business_date=entry.business_date,
                quantity=delta,
                balance_after=after,
                lot=lot,
                lot_number=entry.lot_number or (lot.lot_number if lot else ""),
                expiry_date=entry.expiry_date or (lot.expiry_date if lot else None),
                loss_reason=entry.loss_reason,
                reason=entry.reason,
                source=source,
                idempotency_key=entry.idempotency_key,
                transfer_id=entry.transfer_id,
                created_by=user if getattr(user, "pk", None) else None,
            )
        )
    if pending.errors:
        code = "insufficient_stock" if pending.codes == {"insufficient_stock"} else "invalid"
        raise LedgerRejected(dict(pending.errors), code=code)

    if new_lots:
        StockLot.objects.bulk_create(list(new_lots.values()), batch_size=WRITE_BATCH)
    StockMovement.objects.bulk_create(movements, batch_size=WRITE_BATCH)
    now = timezone.now()
    touched_levels = {entry.position for entry in entries}
    changed = [levels[position] for position in touched_levels]
    for level in changed:
        level.updated_at = now
    StockLevel.objects.bulk_update(changed, ["quantity", "updated_at"], batch_size=WRITE_BATCH)
    created = {id(lot) for lot in new_lots.values()}
    existing_lots = [lot for key, lot in touched_lots.items() if key not in created]
    if existing_lots:
        StockLot.objects.bulk_update(existing_lots, ["quantity"], batch_size=WRITE_BATCH)
    if summarise:
        summaries_update(movements)
    return movements


# --- effects --------------------------------------------------------------------------------------


def _delta(entry: Entry, current: int) -> int:
    if entry.delta is not None:
        return entry.delta
    if entry.kind == MovementKind.COUNT:
        return entry.quantity - current
    if entry.kind in INCOMING:
        return entry.quantity
    return -entry.quantity


def _lots_for(entries: list[Entry]) -> dict[Position, list[StockLot]]:
    """Lots of every position that an entry may touch, in first-expiry-first-out order."""
    positions = {entry.position for entry in entries if entry.lot_number or entry.kind not in INCOMING}
    lots: dict[Position, list[StockLot]] = defaultdict(list)
    for chunk in position_batches(positions):
        rows = StockLot.objects.filter(positions_q(chunk)).order_by(
            "establishment_id", "medicine_id", "expiry_date", "lot_number"
        )
        for lot in rows:
            lots[(lot.establishment_id, lot.medicine_id)].append(lot)
    return lots


def _lot_effect(
    index: int,
    entry: Entry,
    delta: int,
    lots: dict[Position, list[StockLot]],
    new_lots: dict[tuple[int, int, str], StockLot],
    touched: dict[int, StockLot],
    pending: _Pending,
) -> StockLot | None:
    """Apply ``delta`` to the named lot, or take it out first-expiry-first-out; returns the lot the
    movement points at (the named one, or the only one a FEFO withdrawal touched)."""
    position_lots = lots[entry.position]
    if entry.lot_number:
        lot = next((row for row in position_lots if row.lot_number == entry.lot_number), None)
        if lot is None:
            if delta < 0:
                pending.add(index, "lot_number", _("Lot inconnu dans cet établissement : %s.") % entry.lot_number)
                return None
            if entry.expiry_date is None:
                pending.add(index, "expiry_date", _("La date de péremption est obligatoire pour un nouveau lot."))
                return None
            lot = StockLot(
                establishment=entry.establishment,
                medicine=entry.medicine,
                lot_number=entry.lot_number,
                expiry_date=entry.expiry_date,
                quantity=0,
            )
            position_lots.append(lot)
            position_lots.sort(key=lambda row: (row.expiry_date, row.lot_number))
            new_lots[(*entry.position, entry.lot_number)] = lot
        elif entry.expiry_date is not None and entry.expiry_date != lot.expiry_date:
            pending.add(
                index,
                "expiry_date",
                _("Le lot %(lot)s est déjà enregistré avec la péremption %(expiry)s.")
                % {"lot": lot.lot_number, "expiry": shown_date(lot.expiry_date)},
            )
            return None
        if lot.quantity + delta < 0:
            pending.add(
                index,
                "quantity",
                _("Le lot %(lot)s ne contient que %(left)d.") % {"lot": lot.lot_number, "left": lot.quantity},
                code="insufficient_stock",
            )
            return None
        lot.quantity += delta
        touched[id(lot)] = lot
        return lot
    if delta >= 0:
        return None
    remaining, used = -delta, []
    for lot in position_lots:
        if remaining == 0:
            break
        taken = min(lot.quantity, remaining)
        if taken:
            lot.quantity -= taken
            remaining -= taken
            touched[id(lot)] = lot
            used.append(lot)
    # Stock beyond the lots on record is stock received without a lot number: it is taken last.
    return used[0] if len(used) == 1 else None
