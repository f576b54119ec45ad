"""The national dataset generator, run at a tiny scale: counts and the consistency of what it writes."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from partners.models import SupplyDeclaration
from stock.models import ConsumptionMonth, Establishment, StockLevel, StockLot, StockMovement

TINY = ["--scale", "0.004", "--medicines", "40", "--months", "4", "--ledger-days", "45", "--end", "2026-06-30"]


def _generate(*extra: str) -> dict:
    out = io.StringIO()
    call_command("generate_national", *TINY, *extra, stdout=out, verbosity=0)
    return json.loads(out.getvalue())


def _index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.embedded
@pytest.mark.django_db
def test_it_refuses_a_database_other_than_postgresql():
    # given the embedded default (SQLite)
    assert connection.vendor == "sqlite"
    # when / then
    with pytest.raises(CommandError, match="PostgreSQL"):
        _generate()


@pytest.mark.services
@pytest.mark.django_db
def test_it_writes_a_consistent_dataset():
    # given
    indexes_before = _index_names("stock_consumptionmonth")
    # when
    result = _generate()
    # then the counts printed are the rows written
    counts = result["counts"]
    assert counts["establishments"] == Establishment.objects.count() >= 2
    assert counts["positions"] == StockLevel.objects.count() > 0
    assert counts["consumption_months"] == ConsumptionMonth.objects.count()
    assert counts["stock_movements"] == StockMovement.objects.count() > 0
    assert counts["stock_lots"] == StockLot.objects.count()
    assert counts["supply_declarations"] == SupplyDeclaration.objects.count() > 0
    assert ConsumptionMonth.objects.count() <= counts["positions"] * 4
    assert set(ConsumptionMonth.objects.values_list("month", flat=True)) == {
        dt.date(2026, month, 1) for month in (3, 4, 5, 6)
    }
    # and every position's lots hold exactly its stock
    totals = (
        StockLot.objects.values("establishment_id", "medicine_id")
        .annotate(total=Sum("quantity"))
        .values_list("establishment_id", "medicine_id", "total")
    )
    lots = {(establishment_id, medicine_id): total for establishment_id, medicine_id, total in totals}
    for establishment_id, medicine_id, quantity in StockLevel.objects.values_list(
        "establishment_id", "medicine_id", "quantity"
    ):
        assert lots.get((establishment_id, medicine_id), 0) == quantity
    # and a hospital's ledger ends on its stock level
    last = StockMovement.objects.order_by("-business_date", "-id").first()
    level = StockLevel.objects.get(establishment_id=last.establishment_id, medicine_id=last.medicine_id)
    assert last.balance_after == level.quantity
    # and the ledger's issues of a month it fully covers add up to that month's consumption
    june = StockMovement.objects.filter(kind="issue", business_date__gte=dt.date(2026, 6, 1))
    by_position = june.values("establishment_id", "medicine_id").annotate(total=Sum("quantity"))
    for row in by_position:
        month = ConsumptionMonth.objects.get(
            establishment_id=row["establishment_id"], medicine_id=row["medicine_id"], month=dt.date(2026, 6, 1)
        )
        assert -row["total"] == month.issued
    # and the dropped indexes and constraints are back
    assert _index_names("stock_consumptionmonth") == indexes_before
    existing = ConsumptionMonth.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsumptionMonth.objects.create(
            establishment_id=existing.establishment_id, medicine_id=existing.medicine_id, month=existing.month
        )


@pytest.mark.services
@pytest.mark.django_db
def test_it_replaces_a_dataset_only_when_asked():
    # given
    first = _generate()
    # when / then
    with pytest.raises(CommandError, match="--reset"):
        _generate()
    second = _generate("--reset")
    assert second["counts"]["positions"] == first["counts"]["positions"] == StockLevel.objects.count()
    assert second["counts"]["consumption_months"] == ConsumptionMonth.objects.count()
