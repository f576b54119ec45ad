"""The declarations API names a medicine by its code, as the rest of the API does, and still takes
its id from the clients that send it."""

import pytest

from partners.models import SupplyDeclaration
from tests import factories
from tests.partners.factories import DeclarationFactory
from tests.partners.test_declarations_api import payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations/"


def test_a_declaration_names_its_medicine_by_code(personas, api_client_for):
    # given
    medicine = factories.MedicineFactory()
    client = api_client_for(personas.company_user)
    # when
    response = client.post(URL, payload(personas.outside_company, medicine) | {"medicine": medicine.code})
    # then
    assert response.status_code == 201, response.json()
    assert (response.json()["medicine"], response.json()["medicine_code"]) == (medicine.pk, medicine.code)
    assert SupplyDeclaration.objects.get().medicine == medicine
    # and the medicine's id, a number or digits, is still accepted
    for value in (lambda m: m.pk, lambda m: str(m.pk)):
        other = factories.MedicineFactory()
        response = client.post(URL, payload(personas.outside_company, other) | {"medicine": value(other)})
        assert response.status_code == 201, response.json()
        assert response.json()["medicine_code"] == other.code


def test_an_unknown_code_is_refused_on_the_medicine_field(personas, api_client_for):
    response = api_client_for(personas.company_user).post(
        URL, payload(personas.outside_company, factories.MedicineFactory()) | {"medicine": "MED-NOPE"}
    )
    assert response.status_code == 400
    assert "MED-NOPE" in response.json()["error"]["fields"]["medicine"][0]
    assert not SupplyDeclaration.objects.exists()


def test_the_list_filters_on_a_medicine_code_or_id(personas, api_client_for):
    # given two declarations of two medicines
    wanted = DeclarationFactory(company=personas.outside_company, medicine=factories.MedicineFactory())
    DeclarationFactory(company=personas.outside_company, medicine=factories.MedicineFactory())
    client = api_client_for(personas.company_user)
    # when
    by_code = client.get(URL, {"medicine": wanted.medicine.code}).json()["results"]
    by_id = client.get(URL, {"medicine": wanted.medicine.pk}).json()["results"]
    unknown = client.get(URL, {"medicine": "MED-NOPE"}).json()["results"]
    # then
    assert [row["id"] for row in by_code] == [row["id"] for row in by_id] == [wanted.pk]
    assert by_code[0]["medicine_code"] == wanted.medicine.code
    assert unknown == []


def test_the_list_filtered_by_code_costs_a_fixed_number_of_queries(
    personas, api_client_for, django_assert_max_num_queries
):
    # given
    medicine = factories.MedicineFactory()
    for month in range(1, 10):
        DeclarationFactory(company=personas.member_company, medicine=medicine, month=f"2026-0{month}-01")
    client = api_client_for(personas.analyst)
    # when / then: the same budget as the unfiltered list
    with django_assert_max_num_queries(7):
        response = client.get(URL, {"medicine": medicine.code})
    assert len(response.json()["results"]) == 9
