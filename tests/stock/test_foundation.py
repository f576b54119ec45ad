"""Database invariants and role scoping of the foundation."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from partners.models import Company, SupplyDeclaration
from shortages.choices import AlertKind, RiskLevel
from shortages.models import Alert, RiskScore
from stock.models import ConsumptionMonth, Establishment, StockLevel, StockLot
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_refuses_a_negative_stock_level():
    level = StockLevel.objects.create(
        establishment=factories.EstablishmentFactory(), medicine=factories.MedicineFactory(), quantity=5
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=level.pk).update(quantity=-1)


def test_it_refuses_a_second_level_for_the_same_position():
    establishment, medicine = factories.EstablishmentFactory(), factories.MedicineFactory()
    StockLevel.objects.create(establishment=establishment, medicine=medicine)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.create(establishment=establishment, medicine=medicine)


def test_it_refuses_a_negative_lot():
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLot.objects.create(
            establishment=factories.EstablishmentFactory(),
            medicine=factories.MedicineFactory(),
            lot_number="L1",
            expiry_date=dt.date(2027, 1, 1),
            quantity=-3,
        )


def test_it_refuses_a_consumption_month_not_on_the_first_day():
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsumptionMonth.objects.create(
            establishment=factories.EstablishmentFactory(),
            medicine=factories.MedicineFactory(),
            month=dt.date(2026, 3, 15),
        )


def test_it_allows_one_active_alert_per_key_only():
    medicine, establishment = factories.MedicineFactory(), factories.EstablishmentFactory()
    Alert.objects.create(kind=AlertKind.STOCKOUT, medicine=medicine, establishment=establishment, level=RiskLevel.HIGH)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            kind=AlertKind.STOCKOUT, medicine=medicine, establishment=establishment, level=RiskLevel.LOW
        )
    Alert.objects.create(kind=AlertKind.NATIONAL_RISK, medicine=medicine, level=RiskLevel.HIGH)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(kind=AlertKind.NATIONAL_RISK, medicine=medicine, level=RiskLevel.HIGH)


def test_a_closed_alert_frees_its_key():
    medicine = factories.MedicineFactory()
    first = Alert.objects.create(kind=AlertKind.NATIONAL_RISK, medicine=medicine, level=RiskLevel.HIGH)
    Alert.objects.filter(pk=first.pk).update(status="closed")
    Alert.objects.create(kind=AlertKind.NATIONAL_RISK, medicine=medicine, level=RiskLevel.HIGH)
    assert Alert.objects.filter(medicine=medicine).count() == 2


def test_it_refuses_a_disruption_ending_before_it_starts(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        SupplyDeclaration.objects.create(
            company=personas.member_company,
            medicine=factories.MedicineFactory(),
            month=dt.date(2026, 10, 1),
            stock_on_hand=10,
            monthly_sales=5,
            disruption=True,
            disruption_cause="api",
            disruption_start=dt.date(2026, 10, 10),
            disruption_end=dt.date(2026, 10, 1),
        )


def test_establishment_stock_is_scoped_by_role(personas):
    medicine = factories.MedicineFactory()
    for establishment in (personas.hospital_a, personas.hospital_b):
        StockLevel.objects.create(establishment=establishment, medicine=medicine, quantity=10)

    def visible(user):
        return set(StockLevel.objects.visible_to(user).values_list("establishment__code", flat=True))

    assert visible(personas.analyst) == {"T-HOSP-A", "T-HOSP-B"}
    assert visible(personas.hospital_a_user) == {"T-HOSP-A"}
    assert visible(personas.hospital_b_user) == {"T-HOSP-B"}
    assert visible(personas.association_user) == set()
    assert visible(personas.company_user) == set()
    assert visible(personas.no_role_user) == set()
    assert set(Establishment.objects.stock_visible_to(personas.hospital_a_user)) == {personas.hospital_a}


def test_companies_covered_follow_membership(personas):
    def covered(user):
        return set(Company.objects.covered_by(user))

    assert covered(personas.association_user) == {personas.member_company}
    assert covered(personas.company_user) == {personas.outside_company}
    assert covered(personas.hospital_a_user) == set()
    assert covered(personas.no_role_user) == set()
    assert covered(personas.analyst) == {personas.member_company, personas.outside_company}


def test_declarations_are_scoped_to_covered_companies(personas):
    medicine = factories.MedicineFactory()
    for company in (personas.member_company, personas.outside_company):
        SupplyDeclaration.objects.create(
            company=company, medicine=medicine, month=dt.date(2026, 10, 1), stock_on_hand=1, monthly_sales=1
        )

    def visible(user):
        return set(SupplyDeclaration.objects.visible_to(user).values_list("company", flat=True))

    assert visible(personas.association_user) == {personas.member_company.pk}
    assert visible(personas.company_user) == {personas.outside_company.pk}
    assert visible(personas.hospital_a_user) == set()
    assert len(visible(personas.analyst)) == 2


def test_risk_scores_hide_positions_from_industry(personas):
    medicine = factories.MedicineFactory()
    as_of = dt.date(2026, 11, 1)
    RiskScore.objects.create(medicine=medicine, as_of=as_of, stock_status="adequate")
    RiskScore.objects.create(medicine=medicine, establishment=personas.hospital_a, as_of=as_of, stock_status="adequate")
    RiskScore.objects.create(medicine=medicine, establishment=personas.hospital_b, as_of=as_of, stock_status="adequate")

    def visible(user):
        return {score.establishment_id for score in RiskScore.objects.visible_to(user)}

    assert visible(personas.association_user) == {None}
    assert visible(personas.hospital_a_user) == {None, personas.hospital_a.pk}
    assert visible(personas.analyst) == {None, personas.hospital_a.pk, personas.hospital_b.pk}
    assert visible(personas.no_role_user) == set()
