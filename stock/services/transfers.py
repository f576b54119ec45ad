"""Transfers between establishments: shipped (out of the source, in transit to the destination),
then received (into the destination's stock)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from stock.choices import MovementKind, MovementSource, TransferStatus
from stock.dates import date_refusal
from stock.models import Establishment, Medicine, StockLevel, StockLot, StockMovement, Transfer
from stock.selectors import writable_establishment_ids
from stock.services.ledger import Entry, LedgerRejected, entries_apply, levels_lock, shipment_lots


def _refuse(field_name: str, message: str, code: str = "invalid") -> LedgerRejected:
    return LedgerRejected({0: {field_name: [message]}}, code=code)


@transaction.atomic
def transfer_ship(
    *,
    user: Any,
    source: Establishment,
    destination: Establishment,
    medicine: Medicine,
    quantity: int,
    shipped_on: dt.date,
    lot_number: str = "",
    idempotency_key: str | None = None,
) -> Transfer:
    """Ship ``quantity`` from ``source`` to ``destination``: a transfer_out movement at the source
    and the quantity added to the destination's ``in_transit`` (its pipeline) until received.

    A shipment hands stock out for use, as an issue does (``stock.services.ledger``): without a lot
    number it takes only the lots not expired on ``shipped_on``, and it may not name an expired lot
    (expired stock leaves as a loss, never to another establishment's usable stock)."""
    if source.pk not in writable_establishment_ids(user, {source.pk}):
        raise _refuse("source", _("Vous ne pouvez pas écrire le stock de cet établissement."), "forbidden")
    if source.pk == destination.pk:
        raise _refuse("destination", _("La destination doit être un autre établissement."))
    if quantity <= 0:
        raise _refuse("quantity", _("La quantité doit être strictement positive."))
    if refusal := date_refusal(shipped_on):
        raise _refuse("shipped_on", refusal)
    transfer = Transfer.objects.create(
        source=source,
        destination=destination,
        medicine=medicine,
        quantity=quantity,
        shipped_on=shipped_on,
        created_by=user,
    )
    levels = levels_lock([(source.pk, medicine.pk), (destination.pk, medicine.pk)])
    if lot_number:
        parts = [(lot_number, quantity)]
    else:
        lots = list(
            StockLot.objects.filter(establishment=source, medicine=medicine).order_by("expiry_date", "lot_number")
        )
        parts = shipment_lots(lots, quantity, levels[(source.pk, medicine.pk)].quantity, shipped_on)
    entries_apply(
        [
            Entry(
                establishment=source,
                medicine=medicine,
                kind=MovementKind.TRANSFER_OUT,
                business_date=shipped_on,
                quantity=part,
                lot_number=number,
                reason=_("Transfert vers %s") % destination.code,
                # the key is the shipment's: on its first movement only (a movement's key is unique)
                idempotency_key=idempotency_key if index == 0 else None,
                transfer_id=transfer.pk,
            )
            for index, (number, part) in enumerate(parts)
        ],
        levels=levels,
        user=user,
        source=MovementSource.API,
    )
    StockLevel.objects.filter(pk=levels[(destination.pk, medicine.pk)].pk).update(in_transit=F("in_transit") + quantity)
    return transfer


@transaction.atomic
def transfer_receive(*, user: Any, transfer: Transfer, received_on: dt.date) -> Transfer:
    """Receive a shipped transfer at its destination: a transfer_in movement, the quantity leaves
    ``in_transit``, and the transfer is marked received. A transfer is received once only (the API
    replays the first answer to a retry sent with the same Idempotency-Key)."""
    transfer = Transfer.objects.select_for_update().select_related("destination", "medicine").get(pk=transfer.pk)
    if transfer.destination_id not in writable_establishment_ids(user, {transfer.destination_id}):
        raise _refuse("destination", _("Seul l'établissement destinataire peut réceptionner."), "forbidden")
    if transfer.status != TransferStatus.IN_TRANSIT:
        raise _refuse("status", _("Ce transfert n'est plus en transit (%s).") % transfer.get_status_display())
    if received_on < transfer.shipped_on or received_on > timezone.localdate():
        raise _refuse("received_on", _("La date de réception doit suivre l'expédition et ne pas être future."))
    position = (transfer.destination_id, transfer.medicine_id)
    levels = levels_lock([position])
    entries_apply(
        _arrival_entries(
            transfer,
            establishment=transfer.destination,
            day=received_on,
            reason=_("Transfert n° %d") % transfer.pk,
        ),
        levels=levels,
        user=user,
        source=MovementSource.API,
    )
    StockLevel.objects.filter(pk=levels[position].pk).update(in_transit=F("in_transit") - transfer.quantity)
    transfer.status = TransferStatus.RECEIVED
    transfer.received_on = received_on
    transfer.save(update_fields=["status", "received_on"])
    return transfer


def _arrival_entries(transfer: Transfer, *, establishment: Establishment, day: dt.date, reason: str) -> list[Entry]:
    """The transfer_in movements that bring ``transfer``'s units into ``establishment`` (the
    destination receiving it, or the source when it is cancelled): under the lots they were shipped
    from, with their expiry, so that the units stay dated there; the part shipped without a lot
    number, or from a lot whose number the establishment holds with another expiry, without one."""
    shipped = (
        StockMovement.objects.filter(
            transfer_id=transfer.pk, kind=MovementKind.TRANSFER_OUT, establishment_id=transfer.source_id
        )
        .exclude(lot_number="")
        .exclude(expiry_date__isnull=True)
        .values_list("lot_number", "expiry_date")
        .annotate(units=-Sum("quantity"))
        .order_by("expiry_date", "lot_number")
    )
    held = dict(
        StockLot.objects.filter(
            establishment=establishment, medicine_id=transfer.medicine_id, lot_number__in=[row[0] for row in shipped]
        ).values_list("lot_number", "expiry_date")
    )
    parts = [(number, expiry, units) for number, expiry, units in shipped if held.get(number, expiry) == expiry]
    unlotted = transfer.quantity - sum(units for _number, _expiry, units in parts)

    def entry(quantity: int, number: str = "", expiry: dt.date | None = None) -> Entry:
        return Entry(
            establishment=establishment,
            medicine=transfer.medicine,
            kind=MovementKind.TRANSFER_IN,
            business_date=day,
            quantity=quantity,
            lot_number=number,
            expiry_date=expiry,
            reason=reason,
            transfer_id=transfer.pk,
        )

    entries = [entry(units, number, expiry) for number, expiry, units in parts]
    return [*entries, entry(unlotted)] if unlotted > 0 else entries


@transaction.atomic
def transfer_cancel(*, user: Any, transfer: Transfer, cancelled_on: dt.date) -> Transfer:
    """Cancel a transfer still in transit: the quantity goes back into the source's stock (a
    transfer_in movement at the source) and leaves the destination's ``in_transit``."""
    transfer = Transfer.objects.select_for_update().select_related("source", "medicine").get(pk=transfer.pk)
    if transfer.source_id not in writable_establishment_ids(user, {transfer.source_id}):
        raise _refuse("source", _("Seul l'établissement expéditeur peut annuler."), "forbidden")
    if transfer.status != TransferStatus.IN_TRANSIT:
        raise _refuse("status", _("Ce transfert n'est plus en transit (%s).") % transfer.get_status_display())
    if cancelled_on < transfer.shipped_on or cancelled_on > timezone.localdate():
        raise _refuse("cancelled_on", _("La date d'annulation doit suivre l'expédition et ne pas être future."))
    source = (transfer.source_id, transfer.medicine_id)
    levels = levels_lock([source, (transfer.destination_id, transfer.medicine_id)])
    entries_apply(
        _arrival_entries(
            transfer,
            establishment=transfer.source,
            day=cancelled_on,
            reason=_("Annulation du transfert n° %d") % transfer.pk,
        ),
        levels=levels,
        user=user,
        source=MovementSource.API,
    )
    destination_level = levels[(transfer.destination_id, transfer.medicine_id)]
    StockLevel.objects.filter(pk=destination_level.pk).update(in_transit=F("in_transit") - transfer.quantity)
    transfer.status = TransferStatus.CANCELLED
    transfer.save(update_fields=["status"])
    return transfer
