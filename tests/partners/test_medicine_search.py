"""A declarant finds the medicine by what they know of it (INN, brand, EAN), not by its internal
code: the form resolves what was typed, names the candidates when it is ambiguous, and the server
search feeds the field's suggestions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partners.models import SupplyDeclaration
from tests import factories
from tests.partners.test_declaration_pages import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def carvedilol():
    low = factories.MedicineFactory(inn="CARVEDILOL", strength="6.25 MG", dosage_form="COMPRIME")
    high = factories.MedicineFactory(inn="CARVEDILOL", strength="25 MG", dosage_form="COMPRIME")
    factories.ProductFactory(medicine=high, brand="KREDEX", ean="6118000070123")
    return low, high


def _declare(client, personas, typed: str):
    client.force_login(personas.association_user)
    data = form_data(personas.member_company, factories.MedicineFactory()) | {"medicine": typed}
    return client.post(reverse("partners:declaration_create"), data)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("carvedilol 25", 1),
        ("Kredex", 1),
        ("6118000070123", 1),
        ("CARVEDILOL 6.25 MG COMPRIME", 0),
        ("CARVEDILOL 25 MG COMPRIME · {code}", 1),
    ],
)
def test_the_form_takes_the_inn_brand_ean_or_a_suggestion(client, personas, carvedilol, typed, expected):
    # when
    response = _declare(client, personas, typed.format(code=carvedilol[1].code))
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SupplyDeclaration.objects.get().medicine == carvedilol[expected]


def test_an_ambiguous_name_lists_the_candidates_and_offers_them(client, personas, carvedilol):
    # when
    response = _declare(client, personas, "CARVEDILOL")
    # then: nothing written, both strengths named, and offered in the field's list without a script
    html = response.content.decode()
    assert not SupplyDeclaration.objects.exists()
    assert "Plusieurs médicaments correspondent à « CARVEDILOL »" in html
    for medicine in carvedilol:
        assert f'<option value="{medicine} · {medicine.code}">' in html
    assert "Code médicament inconnu" not in html


def test_an_unknown_name_is_refused_in_words(client, personas, carvedilol):
    # when
    response = _declare(client, personas, "ZZTOP")
    # then
    assert not SupplyDeclaration.objects.exists()
    assert "Aucun médicament ne correspond à « ZZTOP »" in response.content.decode()


def test_the_search_answers_suggestions_by_inn_brand_or_ean(client, personas, carvedilol):
    # given
    client.force_login(personas.company_user)
    url = reverse("stock:medicine_suggestions")
    # when
    by_inn = client.get(url, {"q": "carve"}).json()["results"]
    by_brand = client.get(url, {"q": "kredex"}).json()["results"]
    by_ean = client.get(url, {"q": "6118000070123"}).json()["results"]
    too_short = client.get(url, {"q": "ca"}).json()["results"]
    # then
    assert {item["code"] for item in by_inn} == {medicine.code for medicine in carvedilol}
    assert [item["value"] for item in by_brand] == [f"CARVEDILOL 25 MG COMPRIME · {carvedilol[1].code}"]
    assert [item["code"] for item in by_ean] == [carvedilol[1].code]
    assert too_short == []


def test_the_form_page_loads_no_outside_script(client, personas):
    # when
    client.force_login(personas.association_user)
    html = client.get(reverse("partners:declaration_create")).content.decode()
    # then: the field is tied to its list and to the site's own search
    assert 'list="id_medicine-options"' in html and '<datalist id="id_medicine-options">' in html
    assert 'data-medicine-search="/medicines/suggestions/"' in html
    assert "<script" not in html.split("<body", 1)[1]
