"""The establishment page's stock table reads the usable stock of docs/scoring.md, the one its months
of stock divide: stock on hand less the expired units and less the units that will expire unused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from shortages.services import scores
from stock.models import StockLot
from tests import factories
from tests.shortages.routing_world import months_before, stock_position

pytestmark = pytest.mark.django_db


@pytest.fixture
def short_dated_position(personas):
    """Hospital A holds 300 units, all in one lot expiring in 61 days, of a medicine it issues 100
    a month (AMC 100). Used first-expiry-first-out at 100 / 30.4375 units a day, the lot delivers
    100 x 61 / 30.4375 = 200.41 units before it expires: 99.59 expire unused, 200.41 are usable
    (2.0 months of stock)."""
    today = timezone.localdate()
    medicine = factories.MedicineFactory(inn="CEFTRIAXONE", ven_class="E")
    level = stock_position(personas.hospital_a, medicine, 300, months=months_before(today))
    StockLot.objects.create(
        establishment=personas.hospital_a,
        medicine=medicine,
        lot_number="L-SHORT",
        expiry_date=today + dt.timedelta(days=61),
        quantity=300,
    )
    scores.scoring_run_execute(as_of=today)
    return level


def _stock_table(page: str) -> str:
    start = page.index('data-testid="stock-table"')
    return page[start : page.index("</table>", start)]


def test_the_stock_table_shows_the_usable_stock_its_months_of_stock_divide(client, personas, short_dated_position):
    client.force_login(personas.hospital_a_user)
    page = client.get(reverse("shortages:establishment_detail", args=[personas.hospital_a.pk])).content.decode()
    table = _stock_table(page)
    # 200 usable units for 100 a month: 2.0 months, never 300 units beside 2.0 months
    assert '<td class="num" data-testid="usable">200</td>' in table
    assert "2,0" in table
    assert ">300<" not in table
    # the figure the position page gives as "Stock utilisable"
    position = client.get(
        reverse("shortages:position_detail", args=[personas.hospital_a.pk, short_dated_position.medicine_id])
    ).content.decode()
    assert ">200<" in position


def test_the_stock_export_gives_the_same_usable_stock(client, personas, short_dated_position):
    client.force_login(personas.hospital_a_user)
    response = client.get(reverse("shortages:establishment_detail", args=[personas.hospital_a.pk]), {"format": "csv"})
    header, *rows = [line.split(";") for line in response.content.decode("utf-8-sig").splitlines() if line]
    row = dict(zip(header, next(r for r in rows if short_dated_position.medicine.code in r), strict=True))
    assert row["Stock utilisable (unités)"] == "200"
    assert row["Mois de stock (mois)"] == "2,0"


def test_no_expired_unit_reads_0_not_the_dash_of_an_unknown_figure(client, personas, short_dated_position):
    client.force_login(personas.hospital_a_user)
    page = client.get(reverse("shortages:establishment_detail", args=[personas.hospital_a.pk])).content.decode()
    table = _stock_table(page)
    # the lot expires in 61 days: nothing expired, a known 0, beside 0 in transit
    assert '<td class="num" data-testid="expired">0</td>' in table
    assert 'data-testid="expired">—<' not in table


def test_the_months_of_stock_follow_the_stock_shown_after_a_receipt(client, personas, short_dated_position):
    # given 100 units received (without a lot: stock not held in lots never expires) after the run
    from stock.services.movements import movement_record

    movement_record(
        user=personas.hospital_a_user,
        item={
            "establishment": personas.hospital_a.code,
            "medicine": short_dated_position.medicine.code,
            "kind": "receipt",
            "business_date": timezone.localdate(),
            "quantity": 100,
        },
    )
    # when the page is read before the next run
    client.force_login(personas.hospital_a_user)
    page = client.get(reverse("shortages:establishment_detail", args=[personas.hospital_a.pk])).content.decode()
    table = _stock_table(page)
    # then 300 usable units for 100 a month read 3.0 months, not the run's 2.0 beside them
    assert '<td class="num" data-testid="usable">300</td>' in table
    assert "3,0" in table and "2,0" not in table
