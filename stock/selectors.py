"""Composed reads of the stock app: what a user may see or write, and the querysets of the API."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from stock import scopes
from stock.models import (
    ConsumptionMonth,
    Establishment,
    ImportJob,
    MonthlyReport,
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
