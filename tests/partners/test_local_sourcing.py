"""The local-sourcing indicator from establishments' receipts and products' origin."""

import datetime as dt

import pytest

from partners.selectors.local_sourcing import local_sourcing
from stock.models import StockMovement
from tests import factories

pytestmark = pytest.mark.django_db


def receipt(establishment, medicine, quantity, day):
    return StockMovement.objects.create(
        establishment=establishment,
        medicine=medicine,
        kind="receipt",
        business_date=day,
        quantity=quantity,
        balance_after=quantity,
    )


def test_shares_split_each_medicine_across_its_products_and_keep_unknown_apart(django_assert_num_queries):
    # given a local medicine, a half-local medicine, an unknown one and a medicine without products
    establishment = factories.EstablishmentFactory()
    local = factories.MedicineFactory(therapeutic_section="Antibiotiques")
    mixed = factories.MedicineFactory(therapeutic_section="Antibiotiques")
    unknown = factories.MedicineFactory(therapeutic_section="Antalgiques")
    orphan = factories.MedicineFactory(therapeutic_section="Antalgiques")
    factories.ProductFactory(medicine=local, origin="local", hospital_price=10, public_price=99)
    factories.ProductFactory(medicine=mixed, origin="local", hospital_price=2)
    factories.ProductFactory(medicine=mixed, origin="imported", hospital_price=6)
    factories.ProductFactory(medicine=mixed, origin="imported", status="withdrawn", hospital_price=1000)
    factories.ProductFactory(medicine=unknown, origin="unknown", hospital_price=None, public_price=4)
    receipt(establishment, local, 100, dt.date(2026, 3, 4))
    receipt(establishment, mixed, 200, dt.date(2026, 3, 20))
    receipt(establishment, unknown, 50, dt.date(2026, 4, 1))
    receipt(establishment, orphan, 50, dt.date(2026, 4, 2))
    receipt(establishment, local, 999, dt.date(2025, 12, 31))  # outside the period
    # when
    with django_assert_num_queries(2):
        frame = local_sourcing(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), by=("year",))
    # then: quantities local 100 + 100, imported 100 (withdrawn product ignored), unknown 50 + 50
    row = frame.iloc[0]
    assert row.year == 2026
    assert (row.quantity_local, row.quantity_imported, row.quantity_unknown) == (200, 100, 100)
    assert row.share_quantity_local == pytest.approx(0.5)
    assert row.share_quantity_unknown == pytest.approx(0.25)
    # values: local 100 x 10 + 200 x 2 / 2; imported 200 x 6 / 2; unknown 50 x 4 (public price); orphan unpriced
    assert (row.value_local, row.value_imported, row.value_unknown) == (1200, 600, 200)
    assert row.share_value_local == pytest.approx(0.6)
    assert row.unpriced_quantity == 50


def test_it_breaks_down_by_month_and_section():
    establishment = factories.EstablishmentFactory()
    medicine = factories.MedicineFactory(therapeutic_section="Antipaludiques")
    factories.ProductFactory(medicine=medicine, origin="imported", hospital_price=3)
    receipt(establishment, medicine, 10, dt.date(2026, 2, 3))
    receipt(establishment, medicine, 30, dt.date(2026, 3, 3))
    frame = local_sourcing(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), by=("period", "section"))
    assert frame[["period", "section", "quantity_imported"]].values.tolist() == [
        [dt.date(2026, 2, 1), "Antipaludiques", 10],
        [dt.date(2026, 3, 1), "Antipaludiques", 30],
    ]
    assert frame.share_quantity_local.tolist() == [0, 0]


def test_no_receipts_gives_an_empty_frame_with_its_columns():
    frame = local_sourcing(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31))
    assert frame.empty
    assert "share_quantity_local" in frame.columns


def test_the_api_gives_the_indicator_by_year(personas, api_client_for):
    # given
    establishment = factories.EstablishmentFactory()
    medicine = factories.MedicineFactory()
    factories.ProductFactory(medicine=medicine, origin="local", hospital_price=5)
    receipt(establishment, medicine, 40, dt.date(2026, 5, 5))
    # when
    response = api_client_for(personas.company_user).get(
        "/api/v1/local-sourcing/", {"start": "2026-01-01", "end": "2026-12-31"}
    )
    # then
    body = response.json()
    assert body["by"] == ["year"]
    assert body["results"][0]["share_quantity_local"] == 1.0
    assert body["results"][0]["value_local"] == 200


def test_the_api_names_a_bad_period(personas, api_client_for):
    response = api_client_for(personas.analyst).get(
        "/api/v1/local-sourcing/", {"start": "2026-12-31", "end": "2026-01-01"}
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["end"]
