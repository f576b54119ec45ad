"""Months typed into the declaration pages: refused with the field's error (never a 500, never a
silently empty or silently replaced list), bounded by the platform's rule of dates (``stock.dates``)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from partners.selectors.declarations import previous_month
from tests.partners.factories import DeclarationFactory

pytestmark = pytest.mark.django_db

MONTH_PAGES = ["partners:late_declarants", "partners:compliance"]
REFUSED_MONTHS = [
    ("0001-01", "Mois trop ancien : au plus tôt 2000-01."),
    ("1999-12", "Mois trop ancien : au plus tôt 2000-01."),
    ("9999-12", "Le mois ne peut pas être dans le futur."),
    ("abc", "Indiquez un mois (AAAA-MM) ou le premier jour du mois."),
    ("2026-02-30", "Indiquez un mois (AAAA-MM) ou le premier jour du mois."),
]


@pytest.mark.parametrize("page", MONTH_PAGES)
@pytest.mark.parametrize(("month", "error"), REFUSED_MONTHS)
def test_a_refused_month_shows_the_error_beside_the_field_and_the_default_month(client, personas, page, month, error):
    # given
    client.force_login(personas.analyst)
    # when
    response = client.get(reverse(page), {"month": month})
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["month"] == [error]
    assert response.context["month"] == previous_month(timezone.localdate())
    html = response.content.decode()
    assert 'aria-describedby="id_month_error"' in html
    assert f'<span class="field__error" id="id_month_error">{error}</span>' in html


@pytest.mark.parametrize("page", MONTH_PAGES)
def test_a_page_without_a_month_or_with_an_empty_one_shows_the_previous_month_without_error(client, personas, page):
    client.force_login(personas.analyst)
    for query in ({}, {"month": ""}, {"page": "1"}):
        response = client.get(reverse(page), query)
        assert response.status_code == 200
        assert not response.context["form"].errors
        assert response.context["month"] == previous_month(timezone.localdate())


def test_a_month_in_range_is_shown(client, personas):
    client.force_login(personas.analyst)
    response = client.get(reverse("partners:late_declarants"), {"month": "2000-01"})
    assert not response.context["form"].errors
    assert f"{response.context['month']:%Y-%m}" == "2000-01"


@pytest.mark.parametrize("month", ["abc", "2026-02-30", "0001-01"])
def test_the_declaration_list_names_a_bad_month_and_keeps_the_other_filters(client, personas, month):
    # given
    DeclarationFactory(company=personas.outside_company, status="accepted")
    DeclarationFactory(company=personas.outside_company, status="submitted")
    client.force_login(personas.analyst)
    # when
    response = client.get(reverse("partners:declaration_list"), {"month": month, "status": "submitted"})
    # then the month is named in error, and the list is filtered on the status only, not emptied
    assert response.status_code == 400
    errors = response.context["filter"].form.errors["month"]
    assert len(errors) == 1
    assert errors[0] in response.content.decode()
    assert [d.status for d in response.context["page_obj"]] == ["submitted"]


def test_the_declaration_list_still_filters_on_a_good_month(client, personas):
    DeclarationFactory(company=personas.outside_company)
    DeclarationFactory(company=personas.outside_company, month=dt.date(2026, 8, 1))
    client.force_login(personas.analyst)
    response = client.get(reverse("partners:declaration_list"), {"month": "2026-09"})
    assert not response.context["filter"].form.errors
    assert [f"{d.month:%Y-%m}" for d in response.context["page_obj"]] == ["2026-09"]


def test_the_api_answers_400_naming_a_bad_month_filter(personas, api_client_for):
    DeclarationFactory(company=personas.outside_company)
    response = api_client_for(personas.analyst).get("/api/v1/declarations/", {"month": "2026-02-30"})
    assert response.status_code == 400
    assert "month" in response.json()["error"]["fields"]


def test_the_schema_announces_the_month_filter_as_a_month_not_a_date():
    # given the API's schema
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # when its declaration list's month parameter is read
    parameters = schema["paths"]["/api/v1/declarations/"]["get"]["parameters"]
    month = next(parameter for parameter in parameters if parameter["name"] == "month")
    # then it is text of the form AAAA-MM, not a full date
    assert month["schema"] == {"type": "string", "example": "2026-03"}
    assert month["description"] == "Mois (AAAA-MM)"
