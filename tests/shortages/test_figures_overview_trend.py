"""The overview's 12-month trend counts the position-months stocked out by the one rule of
docs/scoring.md ("What a stockout is"), over the position-months reported: the SQL of the pages
(``STOCKED_OUT_MONTH``) and the rule of the training labels and the backtest
(:func:`shortages.scoring.stockouts.stocked_out`) give the same months on the same history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from shortages.scoring.stockouts import complete_months, stocked_out
from shortages.selectors_pages import overview
from shortages.selectors_pages.common import add_months, last_months
from stock.models import ConsumptionMonth
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_trend():
    cache.clear()
    yield
    cache.clear()


def _random_history(*, seed: int, positions: int, months: list) -> list[ConsumptionMonth]:
    """Histories of every kind the rule separates: dormant lines at 0, closings at 0 after recent or
    older issues, stockout days typed in with stock left, closings not counted, months not reported,
    gaps."""
    rng = np.random.default_rng(seed)
    region = factories.RegionFactory()
    rows = []
    for index in range(positions):
        establishment = factories.EstablishmentFactory(code=f"T-{seed}-{index}", region=region)
        medicine = factories.MedicineFactory(inn=f"TREND {seed} {index}")
        start = int(rng.integers(0, 4))
        for month in months[start:]:
            if rng.random() < 0.1:
                continue  # a gap: no row at all
            issued = int(rng.choice([0, 0, 0, 5, 20]))
            rows.append(
                ConsumptionMonth(
                    establishment=establishment,
                    medicine=medicine,
                    month=month,
                    issued=issued,
                    closing_balance=[0, 0, 3, 40, None][int(rng.integers(0, 5))],
                    stockout_days=int(rng.choice([0, 0, 0, 0, 4])),
                    reported=bool(rng.random() < 0.9),
                )
            )
    ConsumptionMonth.objects.bulk_create(rows)
    return rows


@pytest.mark.parametrize("seed", [3, 17])
def test_the_trend_and_the_training_labels_count_the_same_months(seed):
    today = timezone.localdate()
    months = last_months(12, today=today)
    # the history starts 3 months before the trend's first month, so its issues count as demand
    history_months = [add_months(months[0], offset) for offset in range(-3, 12)]
    rows = _random_history(seed=seed, positions=40, months=history_months)

    frame = pd.DataFrame(
        {
            "establishment_id": [row.establishment_id for row in rows],
            "medicine_id": [row.medicine_id for row in rows],
            "month": pd.to_datetime([row.month for row in rows]),
            "issued": [row.issued for row in rows],
            "stockout_days": [row.stockout_days for row in rows],
            "closing_balance": [row.closing_balance for row in rows],
            "reported": [row.reported for row in rows],
        }
    )
    grid = complete_months(frame)
    grid["out"] = stocked_out(grid)
    expected_out = grid[grid["reported"]].groupby(grid["month"].dt.date)["out"].sum()
    expected_reported = grid[grid["reported"]].groupby(grid["month"].dt.date).size()

    _, monthly = overview._consumption_aggregates(reported_month=months[-1], months=months)
    assert sum(expected_out[m] for m in months) > 20  # the history has stockouts of both kinds
    for month in months:
        assert monthly[month]["out"] == expected_out[month], month
        assert monthly[month]["n"] == expected_reported[month], month


def test_the_overview_shows_closings_at_zero_after_demand_as_stockouts(client, personas):
    """In the last complete month, of three reported positions: one closes at 0 after issuing (no
    stockout day typed in), one records stockout days, one holds stock; a fourth row is not
    reported. The share is 2 of 3 (counting stockout days alone, over every row, said 1 of 4)."""
    month = last_months(12, today=timezone.localdate())[-1]
    medicine = factories.MedicineFactory(inn="AMOXICILLINE TREND")
    region = personas.hospital_a.region
    figures = [
        {"issued": 30, "closing_balance": 0},
        {"issued": 12, "closing_balance": 5, "stockout_days": 2},
        {"issued": 10, "closing_balance": 50},
        {"issued": 8, "closing_balance": 0, "reported": False},
    ]
    for index, row in enumerate(figures):
        establishment = factories.EstablishmentFactory(code=f"OV-{index}", region=region)
        ConsumptionMonth.objects.create(establishment=establishment, medicine=medicine, month=month, **row)

    data = overview.overview_get(user=personas.analyst)
    assert data.trend_stockout_share[-1] == pytest.approx(2 / 3)
    assert data.trend_issued[-1] == 60

    client.force_login(personas.analyst)
    page = client.get(reverse("shortages:overview")).content.decode()
    rows = page[page.index("Tendances sur 12 mois") :]
    rows = rows[: rows.index("</table>")].split("<tr>")
    assert "66,7" in rows[-1], rows[-1]
