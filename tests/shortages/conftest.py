"""Data builders for the shortages tests: positions with a consumption history, fast (bulk inserts)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from stock.models import ConsumptionMonth, StockLevel, StockLot
from tests import factories

AS_OF = dt.date(2026, 6, 30)


def months_before(as_of: dt.date, count: int) -> list[dt.date]:
    """The ``count`` first days of month ending with ``as_of``'s month, oldest first."""
    year, month = as_of.year, as_of.month
    result = []
    for _ in range(count):
        result.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return result[::-1]


def build_positions(
    *,
    establishments: int,
    medicines: int,
    months: int = 6,
    as_of: dt.date = AS_OF,
    seed: int = 7,
    region=None,
    stock_months: tuple[float, float] = (0.0, 4.0),
):
    """``establishments`` x ``medicines`` positions with ``months`` of consumption up to ``as_of``,
    a stock level drawn between ``stock_months`` months of demand and one lot each."""
    rng = random.Random(seed)
    region = region or factories.RegionFactory(code="01")
    sites = [factories.EstablishmentFactory(region=region) for _ in range(establishments)]
    drugs = [factories.MedicineFactory() for _ in range(medicines)]
    levels, lots, rows = [], [], []
    for site in sites:
        for drug in drugs:
            demand = rng.randint(20, 200)
            stock = int(demand * rng.uniform(*stock_months))
            levels.append(StockLevel(establishment=site, medicine=drug, quantity=stock, in_transit=0))
            if stock:
                lots.append(
                    StockLot(
                        establishment=site,
                        medicine=drug,
                        lot_number=f"L{site.pk}-{drug.pk}",
                        expiry_date=as_of + dt.timedelta(days=rng.randint(30, 700)),
                        quantity=stock,
                    )
                )
            for month in months_before(as_of, months):
                rows.append(
                    ConsumptionMonth(
                        establishment=site,
                        medicine=drug,
                        month=month,
                        issued=max(0, int(rng.gauss(demand, demand * 0.2))),
                        stockout_days=rng.choice([0, 0, 0, 0, 3]),
                    )
                )
    StockLevel.objects.bulk_create(levels)
    StockLot.objects.bulk_create(lots)
    ConsumptionMonth.objects.bulk_create(rows)
    return sites, drugs


@pytest.fixture
def positions_builder(db):
    return build_positions


def failing_on_call(monkeypatch, module, name: str, *, call: int, message: str) -> None:
    """``module.name`` raises ``RuntimeError(message)`` on its ``call``-th call, and does its work
    on the others."""
    original, calls = getattr(module, name), []

    def failing(**kwargs):
        calls.append(1)
        if len(calls) == call:
            raise RuntimeError(message)
        return original(**kwargs)

    monkeypatch.setattr(module, name, failing)
