"""The interface the risk scoring reads: industry stock, pipeline and suppliers."""

import datetime as dt

import pytest

from partners.choices import DeclarationStatus, DisruptionCause, SupplierRole, SupplyKind
from partners.selectors.scoring import scoring_inputs
from stock.choices import ProductOrigin
from tests import factories
from tests.partners.factories import DeclarationFactory, ProductSupplierFactory, SupplyLineFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 10, 10)


def test_it_reads_the_latest_accepted_month_of_each_company_and_medicine():
    # given two accepted months for the same position, and a later month not yet reviewed
    company, medicine = factories.CompanyFactory(), factories.MedicineFactory()
    DeclarationFactory(company=company, medicine=medicine, month=dt.date(2026, 8, 1), stock_on_hand=100)
    DeclarationFactory(
        company=company,
        medicine=medicine,
        month=dt.date(2026, 9, 1),
        stock_on_hand=250,
        monthly_sales=80,
        disruption=True,
        disruption_cause=DisruptionCause.API,
        disruption_start=dt.date(2026, 9, 20),
        api_origin_country="Inde",
    )
    DeclarationFactory(company=company, medicine=medicine, month=dt.date(2026, 10, 1), status="submitted")
    # when
    inputs = scoring_inputs(as_of=AS_OF)
    # then only September counts
    assert len(inputs.industry) == 1
    row = inputs.industry.iloc[0]
    assert row.month == dt.datetime(2026, 9, 1)
    assert (row.stock_on_hand, row.monthly_sales) == (250, 80)
    assert bool(row.disruption) is True
    assert row.disruption_cause == "api"
    assert row.disruption_start == dt.datetime(2026, 9, 20)
    assert row.api_origin_country == "Inde"


@pytest.mark.parametrize("status", [DeclarationStatus.DRAFT, DeclarationStatus.SUBMITTED, DeclarationStatus.REJECTED])
def test_it_ignores_a_month_whose_current_version_is_not_accepted(status):
    # given an accepted v1 superseded by a v2 that is not accepted
    company, medicine = factories.CompanyFactory(), factories.MedicineFactory()
    DeclarationFactory(company=company, medicine=medicine, version=1, is_current=False, stock_on_hand=999)
    DeclarationFactory(company=company, medicine=medicine, version=2, status=status, stock_on_hand=5)
    # when
    inputs = scoring_inputs(as_of=AS_OF)
    # then neither version feeds the scoring
    assert inputs.industry.empty
    assert list(inputs.industry.columns)[:3] == ["declaration_id", "medicine_id", "company_id"]


def test_it_ignores_months_after_as_of():
    DeclarationFactory(month=dt.date(2026, 11, 1))
    assert scoring_inputs(as_of=AS_OF).industry.empty


def test_it_reads_deliveries_within_the_horizon_of_the_counted_declarations_only():
    # given lines before, inside and after the horizon, plus a line of a rejected declaration
    declaration = DeclarationFactory()
    SupplyLineFactory(declaration=declaration, expected_on=AS_OF, quantity=1)
    SupplyLineFactory(
        declaration=declaration, expected_on=dt.date(2026, 11, 1), quantity=40, kind=SupplyKind.PRODUCTION
    )
    SupplyLineFactory(declaration=declaration, expected_on=dt.date(2027, 3, 1), quantity=70)
    SupplyLineFactory(declaration=DeclarationFactory(status=DeclarationStatus.REJECTED), quantity=9)
    # when
    bounded = scoring_inputs(as_of=AS_OF, horizon_end=dt.date(2026, 12, 31))
    unbounded = scoring_inputs(as_of=AS_OF)
    # then
    assert bounded.deliveries.quantity.tolist() == [40]
    assert bounded.deliveries.kind.tolist() == ["production"]
    assert bounded.deliveries.medicine_id.tolist() == [declaration.medicine_id]
    assert sorted(unbounded.deliveries.quantity.tolist()) == [40, 70]


def test_it_lists_suppliers_with_the_origin_of_their_products():
    # given
    product = factories.ProductFactory(origin=ProductOrigin.LOCAL)
    supplier = ProductSupplierFactory(product=product, role=SupplierRole.MANUFACTURER)
    # when
    suppliers = scoring_inputs(as_of=AS_OF).suppliers
    # then
    assert suppliers.to_dict("records") == [
        {
            "medicine_id": product.medicine_id,
            "company_id": supplier.company_id,
            "product_id": product.id,
            "role": "manufacturer",
            "origin": "local",
            "product_status": "marketed",
        }
    ]


def test_it_reads_everything_in_three_queries(django_assert_num_queries):
    # given many positions with lines
    for _ in range(5):
        SupplyLineFactory(declaration=DeclarationFactory())
        ProductSupplierFactory()
    # when / then the query count does not depend on the number of rows
    with django_assert_num_queries(3):
        inputs = scoring_inputs(as_of=AS_OF)
    assert (len(inputs.industry), len(inputs.deliveries), len(inputs.suppliers)) == (5, 5, 5)
