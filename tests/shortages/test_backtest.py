"""The backtest replays a small generated history and prints precision, recall and AUC."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import CommandError, call_command

from stock.choices import EstablishmentCategory, EstablishmentLevel
from stock.models import ConsumptionMonth
from tests import factories
from tests.shortages.conftest import months_before

pytestmark = pytest.mark.django_db


def simulate_history(*, seed: int = 3, months: int = 18) -> None:
    """Hospitals and health centres whose resupply fails now and then: a month without delivery
    leaves low stock, and low stock leads to stockout days in the following months."""
    rng = random.Random(seed)
    region = factories.RegionFactory(code="03")
    sites = [factories.EstablishmentFactory(region=region) for _ in range(4)] + [
        factories.EstablishmentFactory(
            region=region, level=EstablishmentLevel.PRIMARY, category=EstablishmentCategory.CSU1
        )
        for _ in range(4)
    ]
    drugs = [factories.MedicineFactory() for _ in range(5)]
    rows = []
    for site in sites:
        for drug in drugs:
            mean = rng.randint(40, 300)
            reliability = rng.uniform(0.5, 0.95)
            stock = mean * 2
            for month in months_before(dt.date(2026, 6, 30), months):
                if rng.random() < reliability:
                    stock = max(stock, int(mean * rng.uniform(1.5, 3.0)))
                demand = max(1, int(rng.gauss(mean, mean * 0.25)))
                issued = min(demand, stock)
                days = 30
                stockout_days = round(days * (demand - issued) / demand) if issued < demand else 0
                stock -= issued
                rows.append(
                    ConsumptionMonth(
                        establishment=site,
                        medicine=drug,
                        month=month,
                        issued=issued,
                        stockout_days=stockout_days,
                        closing_balance=stock,
                    )
                )
    ConsumptionMonth.objects.bulk_create(rows)


def test_the_backtest_prints_precision_recall_and_auc_overall_and_by_level(capsys):
    # given
    simulate_history()
    out = io.StringIO()
    # when
    call_command("backtest", stdout=out)
    # then
    report = out.getvalue()
    print(report)  # the figures, for the CI log
    lines = {line.split()[0]: line.split() for line in report.splitlines()[2:]}
    assert set(lines) == {"overall", "hospital", "primary"}
    positions, stockouts, predicted, precision, recall, auc = lines["overall"][1:]
    assert int(positions) > 200 and 0 < int(stockouts) < int(positions)
    assert 0 < float(precision) <= 1 and 0 < float(recall) <= 1
    # low stock really does announce the stockouts of this history: far better than chance
    assert float(auc) > 0.6
    assert "month-ends replayed" in report.splitlines()[0]


def test_the_backtest_refuses_an_empty_history():
    with pytest.raises(CommandError, match="history"):
        call_command("backtest", stdout=io.StringIO())
