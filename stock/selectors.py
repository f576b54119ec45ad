"""Composed reads of the stock app: what a user may see or write, and the querysets of the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from bulk import prepared
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


def stock_levels_bare_for(user: Any) -> QuerySet[StockLevel]:
    """The stock levels ``user`` may read, as bare rows: what a list's filters and cursor need to
    find a page's ids (the status filter adds the usable quantity itself). The page's rows are then
    read by :func:`stock_level_rows`."""
    return StockLevel.objects.visible_to(user).only("id")


def _stock_level_rows_sql(vendor: str) -> str:
    """``SELECT`` of the stock levels of a list of ids with their codes, names and expired units
    (the rule of ``StockLevelQuerySet.with_usable``); table and column names from the models.

    On PostgreSQL the establishment and the medicine of each row are looked up by ``LATERAL``: with
    plain joins the planner reads every establishment and medicine into hashes for a page of a
    hundred rows (2 ms of a 4 ms query nationally). SQLite looks rows up by key either way."""
    level, lot = StockLevel._meta.db_table, StockLot._meta.db_table
    establishment, medicine = Establishment._meta.db_table, Medicine._meta.db_table
    region = Establishment._meta.get_field("region").related_model._meta.db_table
    expired = (
        f"CAST(COALESCE((SELECT SUM(lot.quantity) FROM {lot} lot WHERE lot.establishment_id = sl.establishment_id "  # noqa: S608
        f"AND lot.medicine_id = sl.medicine_id AND lot.expiry_date <= %s AND lot.quantity > 0), 0) AS BIGINT)"
    )
    columns = (
        f"sl.id, e.code, e.region_code, m.code, sl.quantity, sl.in_transit, sl.updated_at, {expired}, "
        "sl.establishment_id, sl.medicine_id, m.inn, m.strength, m.dosage_form, m.dispensing_unit, e.name"
    )
    establishment_columns = (
        f"e.code, e.name, r.code AS region_code FROM {establishment} e JOIN {region} r ON r.id = e.region_id"
    )
    medicine_columns = f"m.code, m.inn, m.strength, m.dosage_form, m.dispensing_unit FROM {medicine} m"
    if vendor == "postgresql":
        sources = (
            # LIMIT 1 (the keys are unique) keeps the planner from turning them back into joins.
            f"{level} sl CROSS JOIN LATERAL (SELECT {establishment_columns} WHERE e.id = sl.establishment_id LIMIT 1) e "
            f"CROSS JOIN LATERAL (SELECT {medicine_columns} WHERE m.id = sl.medicine_id LIMIT 1) m"
        )
    else:
        sources = (
            f"{level} sl JOIN (SELECT e.id, {establishment_columns}) e ON e.id = sl.establishment_id "
            f"JOIN (SELECT m.id, {medicine_columns}) m ON m.id = sl.medicine_id"
        )
    return f"SELECT {columns}{{columns}} FROM {sources}{{sources}} WHERE sl.id {{ids}}"  # noqa: S608


@dataclass(frozen=True)
class RowsExtension:
    """More columns for :func:`stock_level_rows` from an app above stock, in the same query:
    ``columns`` (SQL, reading the stock level as ``sl``), named ``names`` in the rows, from
    ``sources`` (joins after the stock level's, with their ``params``). ``name`` tells the query's
    text apart from the other extensions' (its prepared statement's name, :mod:`bulk.prepared`):
    one name, one text."""

    name: str
    columns: tuple[str, ...]
    names: tuple[str, ...]
    sources: str
    params: tuple = ()


STOCK_LEVEL_ROW_FIELDS = (
    "id", "establishment_code", "region_code", "medicine_code", "quantity", "in_transit", "updated_at",
    "expired_quantity", "establishment_id", "medicine_id", "medicine_inn", "medicine_strength", "medicine_form",
    "medicine_unit", "establishment_name",
)  # fmt: skip


def stock_level_rows(
    ids: list[int], *, today: dt.date | None = None, extension: RowsExtension | None = None
) -> list[dict]:
    """The stock levels of ``ids`` in that order, as dicts of :data:`STOCK_LEVEL_ROW_FIELDS` plus
    ``usable_quantity`` (``quantity`` minus the units expired on ``today``, never below 0) and the
    ``extension``'s columns, in one query. Ids that do not exist are left out: the caller chose them
    among what the user may read. Should the extension's joins give a stock level twice, its first
    row is kept."""
    if not ids:
        return []
    today = today or timezone.localdate()
    names = STOCK_LEVEL_ROW_FIELDS + (extension.names if extension else ())
    params = [today, *(extension.params if extension else ())]
    text = _stock_level_rows_sql(connection.vendor)
    columns = "".join(f", {column}" for column in extension.columns) if extension else ""
    sources = f" {extension.sources}" if extension else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one text whatever the page's ids (an array): planned once per session
            name = f"stock_level_rows_{extension.name}" if extension else "stock_level_rows"
            sql = text.format(columns=columns, sources=sources, ids="= ANY(%s)")
            prepared.execute(cursor, name, sql, [*params, list(ids)])
        else:
            sql = text.format(columns=columns, sources=sources, ids=f"IN ({', '.join(['%s'] * len(ids))})")
            cursor.execute(sql, [*params, *ids])
        fetched = cursor.fetchall()
    by_id = {}
    for values in fetched:
        row = dict(zip(names, values, strict=True))
        if row["id"] in by_id:
            continue
        row["updated_at"] = _aware(row["updated_at"])
        row["usable_quantity"] = max(row["quantity"] - row["expired_quantity"], 0)
        by_id[row["id"]] = row
    return [by_id[pk] for pk in ids if pk in by_id]


def _aware(value: Any) -> dt.datetime | None:
    """A timestamp read by a plain cursor as the ORM reads it: aware, in UTC (SQLite gives it naive or
    as text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value
