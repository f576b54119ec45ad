"""The medicine page's monthly "Positions avec rupture" counts the position-months stocked out by the
one rule of docs/scoring.md ("What a stockout is"), not only those with stockout days typed in."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from shortages.selectors_pages.common import add_months, last_months
from stock.models import ConsumptionMonth
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_of_stockouts(personas):
    """Five establishments hold a medicine; in the last complete month M:

    - A closes at 0 after issuing 40 units in M, no stockout day typed in: stocked out;
    - B records 3 stockout days and closes at 12: stocked out;
    - C closes at 0, having issued nothing since M - 4 (a dormant line): not stocked out;
    - D closes at 0, having last issued in M - 3 (still within the 3 months before): stocked out;
    - E closes at 0 after issuing in M but did not report M: unknown, not counted.

    Three positions stocked out in M; counting stockout days alone gives 1. In M - 1, C and D are
    stocked out (0 at the close, an issue within the 3 months before), A and B hold stock."""
    today = timezone.localdate()
    month = last_months(12, today=today)[-1]
    medicine = factories.MedicineFactory(inn="SALBUTAMOL", ven_class="E")
    region = personas.hospital_a.region

    def history(code: str, rows: dict[int, dict]) -> None:
        establishment = factories.EstablishmentFactory(code=code, region=region)
        ConsumptionMonth.objects.bulk_create(
            ConsumptionMonth(establishment=establishment, medicine=medicine, month=add_months(month, offset), **row)
            for offset, row in rows.items()
        )

    history("M-A", {-1: {"issued": 50, "closing_balance": 40}, 0: {"issued": 40, "closing_balance": 0}})
    history(
        "M-B", {-1: {"issued": 50, "closing_balance": 30}, 0: {"issued": 18, "closing_balance": 12, "stockout_days": 3}}
    )
    history(
        "M-C",
        {
            -4: {"issued": 10, "closing_balance": 0},
            -3: {"issued": 0, "closing_balance": 0},
            -2: {"issued": 0, "closing_balance": 0},
            -1: {"issued": 0, "closing_balance": 0},
            0: {"issued": 0, "closing_balance": 0},
        },
    )
    history(
        "M-D",
        {
            -3: {"issued": 10, "closing_balance": 0},
            -2: {"issued": 0, "closing_balance": 0},
            -1: {"issued": 0, "closing_balance": 0},
            0: {"issued": 0, "closing_balance": 0},
        },
    )
    history("M-E", {0: {"issued": 25, "closing_balance": 0, "reported": False}})
    return medicine


def test_the_month_counts_the_positions_stocked_out_by_the_one_rule(client, personas, month_of_stockouts):
    client.force_login(personas.analyst)
    page = client.get(reverse("shortages:medicine_detail", args=[month_of_stockouts.pk])).content.decode()
    table = page[page.index("Positions avec rupture") :]
    rows = table[: table.index("</table>")].split("<tr>")
    # the last row is month M: issued 40 + 18 + 0 + 0 + 25 (E's row counts in the units issued, as before)
    assert '<td class="num">83</td><td class="num">3</td>' in rows[-1]
    # M - 1: C and D closed at 0 within 3 months of their last issue (M - 4, M - 3): 2 out of 4
    assert '<td class="num">100</td><td class="num">2</td>' in rows[-2]
