"""Recording stock movements (receipts, issues, adjustments, losses, physical counts), one or many.

A request names establishments and medicines by code. ``movements_record`` checks every item
(references, the user's right to write that establishment, single-row rules, idempotency keys
already used), then records all of them in one transaction through the ledger engine, or none:
:class:`~stock.services.ledger.LedgerRejected` carries the errors of every refused item. Transfers
have their own services (:mod:`stock.services.transfers`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stock.choices import LossReason, MovementKind, MovementSource
from stock.dates import date_refusal
from stock.models import Establishment, Medicine, StockMovement
from stock.selectors import writable_establishment_ids
from stock.services.ledger import Entry, LedgerRejected, _Pending, entries_apply, levels_lock

# Transfers pair two movements and a Transfer row: they go through /transfers/, not here.
DIRECT_KINDS = tuple(
    kind for kind in MovementKind.values if kind not in (MovementKind.TRANSFER_IN, MovementKind.TRANSFER_OUT)
)
ADJUSTMENTS = (MovementKind.ADJUSTMENT_PLUS, MovementKind.ADJUSTMENT_MINUS)
MAX_BULK_ITEMS = 5000
# A credible quantity: far above any real one, and inside the 64-bit columns. Dates follow stock.dates.
MAX_QUANTITY = 10**12


@transaction.atomic
def movements_record(
    *, user: Any, items: Sequence[Mapping[str, Any]], source: str = MovementSource.API
) -> list[StockMovement]:
    """Record ``items`` (dicts: establishment, medicine codes, kind, business_date, quantity, and
    optionally lot_number, expiry_date, loss_reason, reason, idempotency_key) all together or not
    at all. Raises LedgerRejected with the errors of each refused item (index -> field -> messages)."""
    pending = _Pending()
    if len(items) > MAX_BULK_ITEMS:
        pending.add(0, "non_field_errors", _("Au plus %d mouvements par requête.") % MAX_BULK_ITEMS)
        raise LedgerRejected(dict(pending.errors))
    establishments = {
        row.code: row
        for row in Establishment.objects.filter(code__in={str(item.get("establishment", "")) for item in items})
    }
    medicines = {
        row.code: row for row in Medicine.objects.filter(code__in={str(item.get("medicine", "")) for item in items})
    }
    writable = writable_establishment_ids(user, {row.pk for row in establishments.values()})
    # Keys are looked up only where the user writes: a refusal never tells of another's movements.
    used_keys = _keys_already_used(items, [row for row in establishments.values() if row.pk in writable])
    today = timezone.localdate()
    entries: list[Entry] = []
    seen_keys: set[tuple[int, str]] = set()
    for index, item in enumerate(items):
        establishment = establishments.get(str(item.get("establishment", "")))
        medicine = medicines.get(str(item.get("medicine", "")))
        if establishment is None:
            pending.add(index, "establishment", _("Établissement inconnu : %s.") % item.get("establishment"))
        elif establishment.pk not in writable:
            pending.add(
                index, "establishment", _("Vous ne pouvez pas écrire le stock de cet établissement."), "forbidden"
            )
        if medicine is None:
            pending.add(index, "medicine", _("Médicament inconnu : %s.") % item.get("medicine"))
        _check_rules(index, item, today, pending)
        key = item.get("idempotency_key") or None
        if key and establishment is not None and establishment.pk in writable:
            if (establishment.pk, key) in seen_keys:
                pending.add(index, "idempotency_key", _("Clé en double dans la requête."))
            elif (establishment.pk, key) in used_keys:
                pending.add(
                    index,
                    "idempotency_key",
                    _("Clé déjà utilisée pour le mouvement n° %d.") % used_keys[(establishment.pk, key)],
                    "duplicate",
                )
            seen_keys.add((establishment.pk, key))
        if index in pending.errors:
            continue
        entries.append(
            Entry(
                establishment=establishment,
                medicine=medicine,
                kind=item["kind"],
                business_date=item["business_date"],
                quantity=int(item["quantity"]),
                lot_number=(item.get("lot_number") or "").strip(),
                expiry_date=item.get("expiry_date"),
                loss_reason=item.get("loss_reason") or "",
                reason=item.get("reason") or "",
                idempotency_key=key,
            )
        )
    if pending.errors:
        raise LedgerRejected(dict(pending.errors), code=_overall_code(pending.codes))
    # No item was refused above, so entry i is item i and the engine's error indexes are the items'.
    levels = levels_lock(entry.position for entry in entries)
    return entries_apply(entries, levels=levels, user=user, source=source)


def movement_record(*, user: Any, item: Mapping[str, Any], source: str = MovementSource.API) -> StockMovement:
    """Record one movement (same rules and errors as ``movements_record``, under index 0)."""
    return movements_record(user=user, items=[item], source=source)[0]


def _check_rules(index: int, item: Mapping[str, Any], today: dt.date, pending: _Pending) -> None:
    kind = item.get("kind")
    quantity = item.get("quantity")
    if kind not in DIRECT_KINDS:
        pending.add(
            index,
            "kind",
            _("Type de mouvement non accepté ici : %(kind)s (les transferts passent par /transfers/).")
            % {"kind": kind},
        )
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        pending.add(index, "quantity", _("Nombre entier attendu."))
    elif kind == MovementKind.COUNT and quantity < 0:
        pending.add(index, "quantity", _("La quantité comptée ne peut pas être négative."))
    elif kind != MovementKind.COUNT and quantity <= 0:
        pending.add(index, "quantity", _("La quantité doit être strictement positive."))
    elif quantity > MAX_QUANTITY:
        pending.add(index, "quantity", _("Quantité hors limites (au plus %d).") % MAX_QUANTITY)
    business_date = item.get("business_date")
    if not isinstance(business_date, dt.date):
        pending.add(index, "business_date", _("Date attendue (AAAA-MM-JJ)."))
    elif refusal := date_refusal(business_date, today=today):
        pending.add(index, "business_date", refusal)
    loss_reason = item.get("loss_reason") or ""
    if kind == MovementKind.LOSS and loss_reason not in LossReason.values:
        pending.add(index, "loss_reason", _("Motif de perte obligatoire : %s.") % ", ".join(LossReason.values))
    if kind != MovementKind.LOSS and loss_reason:
        pending.add(index, "loss_reason", _("Le motif de perte ne s'applique qu'aux pertes."))
    if kind in ADJUSTMENTS and not (item.get("reason") or "").strip():
        pending.add(index, "reason", _("Un ajustement doit indiquer sa raison."))


def _keys_already_used(
    items: Sequence[Mapping[str, Any]], establishments: Sequence[Establishment]
) -> dict[tuple[int, str], int]:
    keys = {item.get("idempotency_key") for item in items if item.get("idempotency_key")}
    if not keys or not establishments:
        return {}
    rows = StockMovement.objects.filter(establishment__in=list(establishments), idempotency_key__in=keys).values_list(
        "establishment_id", "idempotency_key", "pk"
    )
    return {(establishment_id, key): pk for establishment_id, key, pk in rows}


def _overall_code(codes: set[str]) -> str:
    if len(codes) == 1:
        return next(iter(codes))
    return "forbidden" if "forbidden" in codes else "invalid"
