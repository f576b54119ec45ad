"""Composed reads of the stock app: what a user may see or write, and the querysets of the API."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from stock import scopes
from stock.models import (
    ConsumptionMonth,
    Establishment,
    ImportJob,
    Medicine,
    MonthlyReport,
    Product,
    StockLevel,
    StockLot,
    StockMovement,
    Transfer,
)


def establishments_writable_by(user: Any) -> QuerySet[Establishment]:
    """Establishments whose stock ``user`` may change: the ones whose stock it reads
    (:mod:`stock.scopes`); industry users never write establishment stock."""
    return scopes.within(Establishment.objects.all(), user)


def writable_establishment_ids(user: Any, ids: set[int]) -> set[int]:
    """The subset of ``ids`` that ``user`` may write, in one query (none for a national analyst)."""
    if not ids:
        return set()
    if scopes.is_national_analyst(user):
        return set(ids)
    return set(establishments_writable_by(user).filter(pk__in=ids).values_list("pk", flat=True))


def stock_levels_for(user: Any) -> QuerySet[StockLevel]:
    """Stock levels ``user`` may read, with the codes the list shows as annotations
    (``establishment_code``, ``region_code``, ``medicine_code``): one narrow model per row instead of
    four wide ones, which is most of what a page of a hundred positions costs; and the usable and
    expired quantities (``StockLevelQuerySet.with_usable``)."""
    return (
        StockLevel.objects.visible_to(user)
        .only("id", "quantity", "in_transit", "updated_at")
        .with_usable()
        .annotate(
            establishment_code=F("establishment__code"),
            region_code=F("establishment__region__code"),
            medicine_code=F("medicine__code"),
        )
    )


def stock_lots_for(user: Any) -> QuerySet[StockLot]:
    """Lots ``user`` may read."""
    return StockLot.objects.visible_to(user).select_related("establishment", "medicine")


def movements_for(user: Any) -> QuerySet[StockMovement]:
    """Ledger lines ``user`` may read."""
    return StockMovement.objects.visible_to(user).select_related("establishment", "medicine", "created_by")


def transfers_for(user: Any) -> QuerySet[Transfer]:
    """Transfers from or to an establishment of ``user``."""
    return Transfer.objects.visible_to(user).select_related("source", "destination", "medicine", "created_by")


def monthly_reports_for(user: Any) -> QuerySet[MonthlyReport]:
    """Monthly reports ``user`` may read."""
    return MonthlyReport.objects.visible_to(user).select_related("establishment", "medicine", "created_by")


def consumption_for(user: Any) -> QuerySet[ConsumptionMonth]:
    """Monthly consumption summaries ``user`` may read."""
    return ConsumptionMonth.objects.visible_to(user).select_related("establishment", "medicine")


def import_jobs_for(user: Any) -> QuerySet[ImportJob]:
    """Import jobs ``user`` started (all of them for analysts)."""
    return ImportJob.objects.visible_to(user).select_related("created_by")


# Between a medicine's name and its code in the search's suggestions ("CARVEDILOL 25 MG COMPRIME · MED-...").
MEDICINE_CODE_SEPARATOR = " · "


def medicine_search(text: str, *, limit: int = 20) -> list[Medicine]:
    """Medicines matching every word of ``text`` in their INN, strength, form or code, or in the
    brand or EAN-13 of one of their products; essential medicines first, then by name."""
    words = text.split()[:6]
    if not words:
        return []
    matches = Medicine.objects.all()
    for word in words:
        matches = matches.filter(
            Q(inn__icontains=word)
            | Q(strength__icontains=word)
            | Q(dosage_form__icontains=word)
            | Q(code__iexact=word)
            | Q(pk__in=Product.objects.filter(Q(brand__icontains=word) | Q(ean=word)).values("medicine_id"))
        )
    return list(matches.order_by("-is_essential", "inn", "strength", "dosage_form")[:limit])


def medicine_resolve(text: str, *, limit: int = 8) -> list[Medicine]:
    """The medicine ``text`` names: a code, a search suggestion ("name · code"), a product's EAN-13,
    or the exact name; otherwise up to ``limit`` medicines matching its words (one means found)."""
    text = " ".join(text.split())
    code = text.rsplit(MEDICINE_CODE_SEPARATOR.strip(), 1)[-1].strip()
    exact = Medicine.objects.filter(code__iexact=code).first() or Medicine.objects.filter(products__ean=code).first()
    if exact is not None:
        return [exact]
    matches = medicine_search(text, limit=limit)
    named = [medicine for medicine in matches if str(medicine).casefold() == text.casefold()]
    # "carvedilol 25" means 25 MG, not 6.25 MG: prefer names where each word starts a word.
    words = text.casefold().split()
    starting = [m for m in matches if all(any(t.startswith(w) for t in str(m).casefold().split()) for w in words)]
    return named or starting or matches
