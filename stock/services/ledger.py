"""The ledger engine: turns entries into movements, stock levels, lots and monthly summaries.

Every public write (movements, transfers, monthly reports) goes through :func:`levels_lock` and
:func:`entries_apply` inside its own ``transaction.atomic`` block:

1. ``levels_lock`` creates the missing ``StockLevel`` rows and locks every touched position
   (``SELECT ... FOR UPDATE``, in establishment/medicine order so that two writers never wait on
   each other in a cycle). Lots and monthly summaries of a position are only written by a holder of
   its level lock, so they need no lock of their own.
2. ``entries_apply`` computes each entry's signed effect and the balance after it, refuses any that
   would make a level or a lot negative (every refusal is collected, per entry and field), takes
   stock out of lots first-expiry-first-out when no lot is named (see *Lots and expiry* below), then
   writes with a constant number of statements: one INSERT of the movements, one UPDATE of the
   levels, one of the lots, one upsert of the monthly summaries. The database constraints
   (non-negative balance, level and lot) remain the last line of defence.

Lots and expiry (docs/alerts.md: expired stock is not stock). A lot is expired on a day when its
expiry date is on or before that day; the day that counts is the movement's business date.

- An issue or a transfer shipment hands stock out for use: without a lot number it takes only the
  lots not expired on its date, first expiry first, then the stock held without a lot number; when
  that usable stock does not cover it, it is refused (``insufficient_stock``, stating the usable and
  expired quantities). Naming an expired lot is refused: it is declared as a loss (expired).
- A monthly report's issue (``source=report``) is what the site reported it dispensed: it takes the
  usable stock first in the same order, and whatever is left from the expired lots, never refused
  for expiry (a report states facts; its closing count sets the level anyway).
- Losses, negative adjustments and counts take every lot first-expiry-first-out when none is named,
  expired lots first: that is how expired stock leaves the shelves.
- A new lot's expiry date follows ``stock.dates`` (from 2000-01-01, at most ten years ahead); a
  receipt of a lot already expired on the receipt's date is refused. A movement's ``expiry_date`` is
  always its lot's: for a named lot it must be the lot's, without a lot number it must be the one
  of the lots the movement takes (and an incoming movement without a lot number has none).

Monthly summaries (``ConsumptionMonth``) follow each movement: ``issued`` (issues), ``received``
(receipts and incoming transfers), ``losses``; ``closing_balance`` and ``stockout_days`` are derived
from the ledger in business-date order:

- the balance at the end of day *d* is the sum of the signed effects of all movements dated up to
  *d* (so a back-dated movement counts on its own date); the *usable* balance is that balance less
  the units of lots expired on *d* (expired stock is not stock, as in the live figures and the
  scoring), read from the lots' current quantities (:func:`stock.services.consumption._expired_by_day`
  says when that is exact);
- a day is a stockout day when that end-of-day usable balance is zero (or less), and
  ``closing_balance`` is the usable balance at the month's end: a position holding only expired
  units is stocked out, in its history as on its page;
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

from stock.choices import MovementKind, MovementSource
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
# Kinds that hand stock out for use: only stock not expired on the movement's date may go.
DISPENSING = {MovementKind.ISSUE, MovementKind.TRANSFER_OUT}


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
    # A monthly report's issues are what the site reported: never refused for expiry (module docstring).
    reported = source == MovementSource.REPORT
    for index, entry in enumerate(entries):
        # The last guard of the rule every write path checks first (stock.dates): no dated-0201 count.
        refusal = date_refusal(entry.business_date, today=today)
        if refusal:
            pending.add(index, "business_date", refusal)
            continue
        level = levels[entry.position]
        delta = _delta(entry, level.quantity)
        after = level.quantity + delta
        usable_only = entry.kind in DISPENSING and not reported
        shortage = _shortage(entry, level.quantity, delta, lots[entry.position], usable_only=usable_only)
        if shortage:
            pending.add(index, "quantity", shortage, code="insufficient_stock")
            continue
        lot = _lot_effect(
            index,
            entry,
            delta,
            level.quantity,
            lots,
            new_lots,
            touched_lots,
            pending,
            usable_only=usable_only,
            usable_first=entry.kind in DISPENSING,
            today=today,
        )
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
                # The lot's own expiry: a given one was checked against the lot(s) taken.
                expiry_date=lot.expiry_date if lot else entry.expiry_date,
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


def _is_expired(lot: StockLot, day: dt.date) -> bool:
    """A lot is expired on ``day`` when its expiry date is on or before it (docs/alerts.md)."""
    return lot.expiry_date <= day


def _shortage(
    entry: Entry, balance: int, delta: int, position_lots: list[StockLot], *, usable_only: bool
) -> str | None:
    """Why the stock does not cover ``delta`` (None when it does): the balance would go negative, or
    a dispensing movement without a lot number asks more than the stock not expired on its date."""
    asked = -delta
    if usable_only and not entry.lot_number and asked > 0:
        expired = sum(lot.quantity for lot in position_lots if _is_expired(lot, entry.business_date))
        usable = max(balance - expired, 0)
        if expired and asked > usable:
            return _(
                "Stock utilisable insuffisant le %(date)s : utilisable %(usable)d, périmé %(expired)d "
                "(à déclarer en perte), le mouvement demande %(asked)d."
            ) % {"date": shown_date(entry.business_date), "usable": usable, "expired": expired, "asked": asked}
    if balance + delta < 0:
        return _("Stock insuffisant : le solde est de %(balance)d, le mouvement demande %(asked)d.") % {
            "balance": balance,
            "asked": asked,
        }
    return None


def _new_lot_expiry_refusal(entry: Entry, today: dt.date) -> str | None:
    """Why a new lot may not have ``entry.expiry_date``: outside the rule of dates (from 2000-01-01,
    at most ten years ahead), or a receipt of a lot already expired on the receipt's date."""
    refusal = date_refusal(entry.expiry_date, planned=True, today=today)
    if refusal:
        return refusal
    if entry.kind == MovementKind.RECEIPT and entry.expiry_date <= entry.business_date:
        return _received_expired(entry.expiry_date)
    return None


def _received_expired(expiry: dt.date) -> str:
    return _(
        "Lot déjà périmé à la date de réception (péremption le %(expiry)s) : une livraison périmée "
        "n'entre pas dans le stock utilisable. Ne l'enregistrez pas en réception : refusez-la ou "
        "retournez-la au fournisseur."
    ) % {"expiry": shown_date(expiry)}


def _lot_effect(
    index: int,
    entry: Entry,
    delta: int,
    balance: int,
    lots: dict[Position, list[StockLot]],
    new_lots: dict[tuple[int, int, str], StockLot],
    touched: dict[int, StockLot],
    pending: _Pending,
    *,
    usable_only: bool,
    usable_first: bool,
    today: dt.date,
) -> StockLot | None:
    """Apply ``delta`` to the named lot, or take it out first-expiry-first-out; returns the lot the
    movement points at (the named one, or the only one a withdrawal took all of its quantity from).

    ``usable_only``: an issue or a shipment, which may not take an expired lot; ``usable_first``: a
    report's issue, which takes the usable stock first and then, for the rest, the expired lots."""
    position_lots = lots[entry.position]
    day = entry.business_date
    if entry.lot_number:
        lot = next((row for row in position_lots if row.lot_number == entry.lot_number), None)
        if lot is None:
            if delta < 0:
                pending.add(index, "lot_number", _("Lot inconnu dans cet établissement : %s.") % entry.lot_number)
                return None
            if entry.expiry_date is None:
                pending.add(index, "expiry_date", _("La date de péremption est obligatoire pour un nouveau lot."))
                return None
            refusal = _new_lot_expiry_refusal(entry, today)
            if refusal:
                pending.add(index, "expiry_date", refusal)
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
        elif entry.kind == MovementKind.RECEIPT and _is_expired(lot, day):
            pending.add(index, "expiry_date", _received_expired(lot.expiry_date))
            return None
        elif usable_only and delta < 0 and _is_expired(lot, day):
            pending.add(
                index,
                "lot_number",
                _("Lot %(lot)s périmé le %(expiry)s : déclarez-le en perte (péremption).")
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
        if entry.expiry_date is not None:
            pending.add(
                index,
                "expiry_date",
                _(
                    "Une date de péremption va avec un numéro de lot : indiquez lot_number, ou retirez la date "
                    "(le stock enregistré sans numéro de lot n'a pas de péremption suivie)."
                ),
            )
        return None
    plan, from_unlotted = _withdrawal_plan(position_lots, -delta, balance, day, usable_first=usable_first)
    if entry.expiry_date is not None and (
        from_unlotted or any(lot.expiry_date != entry.expiry_date for lot, _taken in plan)
    ):
        taken = [
            _("lot %(lot)s, péremption le %(expiry)s") % {"lot": lot.lot_number, "expiry": shown_date(lot.expiry_date)}
            for lot, _taken in plan
        ]
        if from_unlotted:
            taken.append(_("stock sans numéro de lot"))
        pending.add(
            index,
            "expiry_date",
            _(
                "Date de péremption différente de celle du stock pris (%(taken)s) : indiquez le numéro de lot, "
                "ou laissez la date vide."
            )
            % {"taken": " ; ".join(taken)},
        )
        return None
    for lot, taken in plan:
        lot.quantity -= taken
        touched[id(lot)] = lot
    return plan[0][0] if len(plan) == 1 and not from_unlotted else None


def shipment_lots(position_lots: list[StockLot], asked: int, balance: int, day: dt.date) -> list[tuple[str, int]]:
    """How a shipment of ``asked`` without a lot number is taken from ``position_lots`` (first expiry
    first out, as :func:`entries_apply` takes it): ``(lot_number, quantity)`` pairs, ``""`` for the part
    held without a lot number. A transfer ships each part under its lot, so that the destination
    receives the lots and their expiry (:mod:`stock.services.transfers`). A shipment beyond the usable
    stock is one part without a lot, which :func:`entries_apply` refuses naming the usable and expired
    quantities."""
    unlotted = max(balance - sum(lot.quantity for lot in position_lots), 0)
    plan, left = _take([lot for lot in position_lots if not _is_expired(lot, day)], asked)
    if left > unlotted:  # more than the usable stock: one part, which the ledger refuses saying so
        return [("", asked)]
    parts = [(lot.lot_number, taken) for lot, taken in plan]
    return [*parts, ("", left)] if left else parts


def _withdrawal_plan(
    position_lots: list[StockLot], asked: int, balance: int, day: dt.date, *, usable_first: bool
) -> tuple[list[tuple[StockLot, int]], int]:
    """The lots a withdrawal of ``asked`` without a lot number takes (lot, quantity), and the part
    taken from the stock held without a lot number (``balance`` minus the lots), which goes last.

    Every lot in first-expiry-first-out order (losses, adjustments, counts: expired lots go first);
    with ``usable_first`` (issues, shipments) the lots not expired on ``day`` first, then the stock
    without a lot number, then, for what is left, the expired lots (an issue or a shipment never gets
    there: :func:`_shortage` refused it before; a report's issue may)."""
    if not usable_first:
        plan, left = _take(position_lots, asked)
        return plan, left
    unlotted = max(balance - sum(lot.quantity for lot in position_lots), 0)
    plan, left = _take([lot for lot in position_lots if not _is_expired(lot, day)], asked)
    if left > unlotted:
        expired_plan, _left = _take([lot for lot in position_lots if _is_expired(lot, day)], left - unlotted)
        plan += expired_plan
        left -= sum(taken for _lot, taken in expired_plan)
    return plan, left


def _take(ordered: list[StockLot], asked: int) -> tuple[list[tuple[StockLot, int]], int]:
    """Take up to ``asked`` from ``ordered`` lots in turn: (lot, quantity) pairs and what is left."""
    plan: list[tuple[StockLot, int]] = []
    left = asked
    for lot in ordered:
        if left == 0:
            break
        taken = min(lot.quantity, left)
        if taken:
            plan.append((lot, taken))
            left -= taken
    return plan, left
