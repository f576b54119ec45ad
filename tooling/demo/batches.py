"""Bulk inserts in batches, and the wipe of a previous demo."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models

from partners.models import Organization, SupplyDeclaration
from shortages.models import Alert, RiskScore, ScoringRun, Shortage
from stock.choices import ProductOrigin
from stock.models import ConsumptionMonth, MonthlyReport, Product, StockLevel, StockLot, StockMovement, Transfer
from tooling.demo.options import DEMO_SHORTAGE_PREFIX, DEMO_SOURCE, DEMO_USERNAMES

BATCH_SIZE = 5000


class DemoAlreadyPresent(Exception):
    """The database already holds stock data (a previous demo, or real data)."""


def bulk_insert(model: type[models.Model], objects: Iterable[models.Model], *, batch_size: int = BATCH_SIZE) -> list:
    """``bulk_create`` ``objects`` in batches of ``batch_size``; returns the created rows (with
    their ids on PostgreSQL and SQLite >= 3.35)."""
    created: list = []
    iterator = iter(objects)
    while batch := list(islice(iterator, batch_size)):
        created.extend(model.objects.bulk_create(batch, batch_size=batch_size))
    return created


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[tuple],
    *,
    constants: dict[str, Any] | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Insert value tuples (one value per name in ``fields``: ints, ISO dates, plain text without
    tabs or newlines, ``None``) plus the same ``constants`` on every row; returns the row count.

    ``bulk_create`` is too slow for the demo's 650,000 monthly rows: on SQLite it sends at most 999
    parameters per statement (a hundred rows), on PostgreSQL it builds a model instance per row.
    So: ``COPY`` on PostgreSQL, one ``executemany`` per batch on SQLite, ``bulk_create`` elsewhere."""
    constants = constants or {}
    if connection.vendor not in ("sqlite", "postgresql"):
        objects = (model(**dict(zip(fields, row, strict=True)), **constants) for row in rows)
        return len(bulk_insert(model, objects, batch_size=batch_size))
    meta = model._meta
    prepared = tuple(meta.get_field(name).get_db_prep_save(value, connection) for name, value in constants.items())
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in (*fields, *constants))
    total = 0
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while batch := [row + prepared for row in islice(iterator, batch_size)]:
            if connection.vendor == "postgresql":
                text = "".join("\t".join(_copy_text(value) for value in row) + "\n" for row in batch)
                cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text))
            else:
                placeholders = ", ".join(["%s"] * len(batch[0]))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", batch)  # noqa: S608
            total += len(batch)
    return total


def _copy_text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format (``\\N`` is NULL)."""
    return "\\N" if value is None else str(value)


def demo_presence() -> dict[str, int]:
    """What is already there: generated organizations and inventory rows."""
    return {
        "demo_organizations": Organization.objects.filter(source=DEMO_SOURCE).count(),
        "consumption_rows": ConsumptionMonth.objects.count(),
        "stock_levels": StockLevel.objects.count(),
        "movements": StockMovement.objects.count(),
    }


def demo_check_or_reset(*, reset: bool) -> dict[str, int]:
    """Refuse when data is already there, unless ``reset`` and the data is a previous demo's:
    then wipe it. Returns the rows deleted per model (empty when nothing was there)."""
    presence = demo_presence()
    has_inventory = any(presence[key] for key in ("consumption_rows", "stock_levels", "movements"))
    if not has_inventory and not presence["demo_organizations"]:
        return {}
    if not presence["demo_organizations"]:
        raise DemoAlreadyPresent(
            f"The database holds stock data the demo generator did not write ({presence['consumption_rows']} "
            f"consumption rows, {presence['movements']} movements): refusing to touch it, even with --reset."
        )
    if not reset:
        raise DemoAlreadyPresent(
            f"A demo history is already there ({presence['consumption_rows']} consumption rows, "
            f"{presence['demo_organizations']} generated organizations): run with --reset to regenerate it."
        )
    return demo_wipe()


def demo_wipe() -> dict[str, int]:
    """Delete the previous demo: all inventory rows and what was derived from them (scores,
    alerts, runs), the generated shortages, declarations, companies, associations and users.
    Only called once ``demo_check_or_reset`` has seen that the database is a demo database."""
    demo_products = Product.objects.filter(suppliers__company__organization__source=DEMO_SOURCE)
    deleted = {
        "products reset to unknown origin": Product.objects.filter(pk__in=demo_products.values("pk")).update(
            origin=ProductOrigin.UNKNOWN
        )
    }
    steps = [
        ("shortages", Shortage.objects.filter(description__startswith=DEMO_SHORTAGE_PREFIX)),
        ("alerts", Alert.objects.all()),
        ("risk scores", RiskScore.objects.all()),
        ("scoring runs", ScoringRun.objects.all()),
        ("movements", StockMovement.objects.all()),
        ("transfers", Transfer.objects.all()),
        ("lots", StockLot.objects.all()),
        ("stock levels", StockLevel.objects.all()),
        ("consumption months", ConsumptionMonth.objects.all()),
        ("monthly reports", MonthlyReport.objects.all()),
        ("declarations", SupplyDeclaration.objects.filter(company__organization__source=DEMO_SOURCE)),
        ("organizations", Organization.objects.filter(source=DEMO_SOURCE)),
        ("users", get_user_model().objects.filter(username__in=DEMO_USERNAMES)),
    ]
    for name, queryset in steps:
        deleted[name] = queryset.delete()[1].get(queryset.model._meta.label, 0)
    return deleted


def sqlite_tune() -> None:
    """On SQLite, a page cache large enough for the demo's indexes (256 MB, this connection
    only): without it, the inserts spend most of their time re-reading index pages."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
