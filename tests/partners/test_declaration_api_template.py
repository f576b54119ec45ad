"""The declaration upload's template through the API, as the monthly reports' one: a file in either
format for the declarants (industry users and analysts), refused to a health centre."""

import io

import pytest
from openpyxl import load_workbook

from partners.services.declaration_rows import COLUMN_NAMES
from stock.choices import EstablishmentCategory, EstablishmentLevel
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations/template/"


def test_an_association_gets_the_template_in_csv(personas, api_client_for):
    # when
    answer = api_client_for(personas.association_user).get(URL, {"format": "csv"})
    # then
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert answer["Content-Disposition"].endswith('.csv"')
    header = answer.content.decode("utf-8-sig").splitlines()[0].split(";")
    assert header == list(COLUMN_NAMES)
    # the template keeps the three deliveries, although a file may leave out the second and third
    assert {"livraison1_date", "livraison2_quantite", "livraison3_type"} <= set(header)


@pytest.mark.parametrize("params", [{"format": "xlsx"}, {}])
def test_the_template_is_a_workbook_by_default_or_when_asked(personas, api_client_for, params):
    answer = api_client_for(personas.company_user).get(URL, params)
    assert answer.status_code == 200
    assert answer["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(answer.content))
    assert [cell.value for cell in workbook.worksheets[0][1]] == list(COLUMN_NAMES)


def test_an_analyst_gets_the_template(personas, api_client_for):
    assert api_client_for(personas.analyst).get(URL, {"format": "csv"}).status_code == 200


def test_a_health_centre_is_refused_the_template(api_client_for):
    # given a health centre's user
    centre = factories.EstablishmentFactory(category=EstablishmentCategory.CSU1, level=EstablishmentLevel.PRIMARY)
    user = factories.UserFactory(username="centre", roles=["establishment"])
    centre.users.add(user)
    # when
    answer = api_client_for(user).get(URL, {"format": "csv"})
    # then, in the API's JSON error shape
    assert answer.status_code == 403
    assert answer["Content-Type"].startswith("application/json")
    assert "error" in answer.json()


def test_an_anonymous_request_is_refused_in_json(api_client_for):
    answer = api_client_for(None).get(URL, {"format": "csv"})
    assert answer.status_code == 401
    assert answer["Content-Type"].startswith("application/json")
