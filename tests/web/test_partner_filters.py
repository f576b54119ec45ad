"""The partners list pages filter with the API's FilterSets, labelled in French and usable from a
form: companies offered by name (only those the user covers), medicines found by code or INN."""

from __future__ import annotations

from django.urls import reverse

from tests import factories
from tests.partners.factories import DeclarationFactory


def test_declaration_filters_are_french_and_scoped(client, personas):
    # given declarations of the association's member and of an outside company
    medicine = factories.MedicineFactory(code="MED-FLT-1", inn="ZIDOVUDINE")
    own = DeclarationFactory(
        company=personas.member_company, medicine=medicine, disruption=True, disruption_cause="api"
    )
    DeclarationFactory(company=personas.member_company)
    client.force_login(personas.association_user)
    # when
    page = client.get(reverse("partners:declaration_list"))
    by_medicine = client.get(reverse("partners:declaration_list"), {"medicine": "zidov"})
    disrupted = client.get(reverse("partners:declaration_list"), {"disruption": "true"})
    # then: French labels, the covered company offered by name, the outside one not
    html = page.content.decode()
    assert ">Perturbation déclarée<" in html and "Disruption" not in html and ">Inconnu<" not in html
    companies = page.context["filter"].form.fields["company"].queryset
    assert list(companies) == [personas.member_company]
    assert [row.pk for row in by_medicine.context["page_obj"]] == [own.pk]
    assert [row.pk for row in disrupted.context["page_obj"]] == [own.pk]


def test_declaration_company_filter_refuses_a_company_not_covered(client, personas):
    # given
    DeclarationFactory(company=personas.member_company)
    client.force_login(personas.association_user)
    # when the query string names a company the user does not cover
    response = client.get(reverse("partners:declaration_list"), {"company": personas.outside_company.pk})
    # then the filter is refused rather than answered
    assert response.status_code == 400
    assert "company" in response.context["filter"].errors


def test_commitment_filters_are_french(client, personas):
    # given
    client.force_login(personas.analyst)
    # when
    html = client.get(reverse("partners:commitment_list")).content.decode()
    # then
    assert ">Accord<" in html and ">Partie<" in html
    assert ">Agreement<" not in html and ">Party<" not in html


def test_declaration_form_preselects_the_only_company_a_user_declares_for(client, personas):
    # given a company user covering one company
    client.force_login(personas.company_user)
    # when
    form = client.get(reverse("partners:declaration_create")).context["form"]
    # then
    assert form["company"].value() == personas.outside_company.pk
