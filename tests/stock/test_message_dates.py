"""Dates in the refusals of ``stock.dates`` read as the page's language writes them (07/12/2036),
never as ISO dates (2036-12-07) inside a French sentence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from partners.models import SupplyDeclaration
from stock.dates import date_refusal, latest_planned_date
from tests import factories


@pytest.fixture
def medicine(db):
    return factories.MedicineFactory(code="M000")


def _declaration(personas, medicine, **changes):
    month = timezone.localdate().replace(day=1)
    return {
        "company": personas.outside_company.pk,
        "medicine": medicine.code,
        "month": month.strftime("%Y-%m"),
        "stock_on_hand": "100",
        "monthly_sales": "50",
        "disruption_cause": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        **changes,
    }


def test_the_declaration_form_names_the_latest_delivery_date_day_first(client, personas, medicine):
    # given a company user, and a delivery planned far beyond ten years
    client.force_login(personas.company_user)
    latest = latest_planned_date()
    data = _declaration(
        personas,
        medicine,
        **{"lines-0-expected_on": "2099-01-01", "lines-0-quantity": "10", "lines-0-kind": "import"},
    )
    # when the form is posted in French
    with translation.override("fr"):
        response = client.post(reverse("partners:declaration_create"), data, HTTP_ACCEPT_LANGUAGE="fr")
    # then the refusal shows the latest date as dd/mm/yyyy, and nothing is written
    assert response.status_code == 200
    expected = f"Livraison 1 : Date trop lointaine : au plus tard le {latest:%d/%m/%Y}."
    assert expected in response.context["form"].non_field_errors()
    assert latest.isoformat() not in response.content.decode()
    assert not SupplyDeclaration.objects.exists()


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_refused_dates_are_day_first_in_both_languages(language):
    # given today, and the refusals of a date before 2000 and of one too far ahead
    today = dt.date(2026, 12, 7)
    with translation.override(language):
        # when
        too_old = date_refusal(dt.date(1999, 12, 31), today=today)
        too_far = date_refusal(dt.date(2040, 1, 1), planned=True, today=today)
    # then
    assert "01/01/2000" in too_old and "2000-01-01" not in too_old
    assert "07/12/2036" in too_far and "2036-12-07" not in too_far
