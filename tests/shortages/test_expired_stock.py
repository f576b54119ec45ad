"""Expired stock is not stock: a lot that expired yesterday never counts as usable stock in the API
or on a page, is never listed as expiring soon, and raises its own alert ("stock périmé à retirer")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from shortages.choices import AlertKind
from shortages.models import Alert, RiskScore
from shortages.services import scores
from shortages.templatetags.alert_text import alert_figure_text
from stock.models import StockLot
from tests import factories
from tests.shortages.routing_world import months_before, stock_position

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def expired_position(personas, today):
    """Hospital A holds 300 units of a medicine consumed 100 a month: 120 in a lot that expired
    yesterday, 180 in a lot good for two years. Scored today."""
    medicine = factories.MedicineFactory(inn="PARACETAMOL", ven_class="E")
    level = stock_position(personas.hospital_a, medicine, 300, months=months_before(today))
    StockLot.objects.create(
        establishment=personas.hospital_a,
        medicine=medicine,
        lot_number="L-YESTERDAY",
        expiry_date=today - dt.timedelta(days=1),
        quantity=120,
    )
    StockLot.objects.create(
        establishment=personas.hospital_a,
        medicine=medicine,
        lot_number="L-GOOD",
        expiry_date=today + dt.timedelta(days=730),
        quantity=180,
    )
    scores.scoring_run_execute(as_of=today)
    return level


def test_the_stock_api_gives_the_usable_quantity_beside_the_expired_one(personas, expired_position, api_client_for):
    # when
    client = api_client_for(personas.hospital_a_user)
    row = client.get("/api/v1/stock-levels/", {"medicine": expired_position.medicine.code}).json()["results"][0]
    # then
    assert (row["quantity"], row["usable_quantity"], row["expired_quantity"]) == (300, 180, 120)

    # and the status filter reads usable stock: in stock, and holding expired stock
    def listed(status):
        rows = client.get("/api/v1/stock-levels/", {"status": status}).json()["results"]
        return {r["medicine"] for r in rows}

    assert expired_position.medicine.code in listed("in_stock")
    assert expired_position.medicine.code in listed("expired")
    assert expired_position.medicine.code not in listed("stocked_out")


def test_the_score_counts_the_expired_lot_out_of_the_usable_stock(personas, expired_position, api_client_for):
    row = (
        api_client_for(personas.hospital_a_user)
        .get(
            "/api/v1/risk-scores/", {"establishment": personas.hospital_a.pk, "medicine": expired_position.medicine_id}
        )
        .json()["results"][0]
    )
    assert row["usable_stock"] == 180 and row["figures"]["expired_stock"] == 120
    assert row["months_of_stock"] == pytest.approx(1.8)


def test_an_expired_lot_raises_its_own_alert(personas, expired_position):
    alert = Alert.objects.get(kind=AlertKind.EXPIRED_STOCK, establishment=personas.hospital_a)
    assert alert.value == {"expired_stock": 120.0}
    assert alert.level == "medium"  # usable stock is left
    assert str(AlertKind.EXPIRED_STOCK.label) == "Stock périmé à retirer"
    assert not Alert.objects.filter(kind=AlertKind.EXPIRY, establishment=personas.hospital_a).exists()
    with translation.override("fr"):
        assert alert_figure_text(alert) == "120 unités périmées à retirer du stock."


def test_a_position_with_only_expired_stock_is_stocked_out_with_its_alert_high(personas, today):
    # given 100 units, all in a lot that expired yesterday
    medicine = factories.MedicineFactory(ven_class="E")
    stock_position(personas.hospital_a, medicine, 100, months=months_before(today))
    StockLot.objects.create(
        establishment=personas.hospital_a,
        medicine=medicine,
        lot_number="L-OLD",
        expiry_date=today - dt.timedelta(days=1),
        quantity=100,
    )
    # when
    scores.scoring_run_execute(as_of=today)
    # then
    score = RiskScore.objects.get(establishment=personas.hospital_a, medicine=medicine)
    assert score.usable_stock == 0 and score.stock_status == "stocked_out"
    kinds = dict(Alert.objects.filter(medicine=medicine).values_list("kind", "level"))
    assert kinds[AlertKind.EXPIRED_STOCK] == "high" and AlertKind.STOCKOUT in kinds


def test_the_establishment_page_shows_usable_stock_and_lists_the_expired_lot_apart(client, personas, expired_position):
    # given
    client.force_login(personas.hospital_a_user)
    # when
    page = client.get(reverse("shortages:establishment_detail", args=[personas.hospital_a.pk])).content.decode()
    # then the stock table shows 180 usable and 120 expired, never 300
    table = page[
        page.index('data-testid="stock-table"') : page.index("</table>", page.index('data-testid="stock-table"'))
    ]
    assert '<td class="num" data-testid="usable">180</td>' in table
    assert '<td class="num" data-testid="expired">120</td>' in table
    assert ">300<" not in table
    # and the expired lot is in its own section, not among the lots expiring soon
    expiring = page[page.index('data-testid="expiring-lots"') :]
    expiring = expiring[: expiring.index("</table>")]
    expired = page[page.index('data-testid="expired-lots"') :]
    assert "L-YESTERDAY" not in expiring
    assert "L-YESTERDAY" in expired[: expired.index("</table>")]
    assert "Stock périmé à retirer" in page


def test_the_region_page_never_lists_an_expired_lot_as_expiring_soon(client, personas, expired_position, today):
    # given a lot expiring next month in the same region
    StockLot.objects.create(
        establishment=personas.hospital_a,
        medicine=expired_position.medicine,
        lot_number="L-SOON",
        expiry_date=today + dt.timedelta(days=30),
        quantity=5,
    )
    client.force_login(personas.analyst)
    # when
    page = client.get(reverse("shortages:region_detail", args=[personas.hospital_a.region_id])).content.decode()
    # then
    expiring = page[page.index('data-testid="expiring-lots"') :]
    expiring = expiring[: expiring.index("</table>")]
    assert "L-SOON" in expiring and "L-YESTERDAY" not in expiring
    assert "L-YESTERDAY" in page[page.index('data-testid="expired-lots"') :]


def test_the_establishment_export_gives_usable_and_expired_stock(client, personas, expired_position):
    client.force_login(personas.hospital_a_user)
    response = client.get(reverse("shortages:establishment_detail", args=[personas.hospital_a.pk]), {"format": "csv"})
    header, *rows = [line.split(";") for line in response.content.decode("utf-8-sig").splitlines() if line]
    row = dict(zip(header, next(r for r in rows if expired_position.medicine.code in r), strict=True))
    assert row["Stock utilisable (unités)"] == "180" and row["Stock périmé (unités)"] == "120"
    assert "300" not in row.values()
