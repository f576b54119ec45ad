"""Declaration pages as an association, a company, an establishment and an analyst use them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.models import SupplyDeclaration
from tests import factories
from tests.partners.factories import DeclarationFactory, SupplyLineFactory

pytestmark = pytest.mark.django_db


def form_data(company, medicine, **overrides):
    data = {
        "company": company.pk,
        "medicine": medicine.code,
        "month": "2026-09",
        "stock_on_hand": "6000",
        "monthly_sales": "2000",
        "disruption_cause": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-expected_on": "2026-10-05",
        "lines-0-quantity": "1500",
        "lines-0-kind": "production",
    }
    return data | overrides


def test_an_association_user_declares_by_form_for_a_member(client, personas):
    # given
    client.force_login(personas.association_user)
    medicine = factories.MedicineFactory()
    # when
    response = client.post(reverse("partners:declaration_create"), form_data(personas.member_company, medicine))
    # then
    declaration = SupplyDeclaration.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("partners:declaration_detail", args=[declaration.pk])
    assert (declaration.company, declaration.stock_on_hand, declaration.status) == (
        personas.member_company,
        6000,
        "submitted",
    )
    assert list(declaration.supply_lines.values_list("quantity", "kind")) == [(1500, "production")]


def test_the_form_refuses_a_non_member_company(client, personas):
    client.force_login(personas.association_user)
    response = client.post(
        reverse("partners:declaration_create"), form_data(personas.outside_company, factories.MedicineFactory())
    )
    assert response.status_code == 200
    assert "company" in response.context["form"].errors
    assert not SupplyDeclaration.objects.exists()


def test_the_form_refuses_another_company_to_a_company_user(client, personas):
    client.force_login(personas.company_user)
    response = client.post(
        reverse("partners:declaration_create"), form_data(personas.member_company, factories.MedicineFactory())
    )
    assert "company" in response.context["form"].errors
    assert not SupplyDeclaration.objects.exists()


def test_the_form_names_the_fields_in_error(client, personas):
    client.force_login(personas.company_user)
    data = form_data(
        personas.outside_company, factories.MedicineFactory(), disruption="on", **{"lines-0-quantity": "0"}
    )
    response = client.post(reverse("partners:declaration_create"), data)
    assert response.status_code == 200
    assert not SupplyDeclaration.objects.exists()
    assert "quantity" in response.context["formset"].forms[0].errors


def test_a_disruption_without_cause_is_refused_with_the_field_named(client, personas):
    client.force_login(personas.company_user)
    data = form_data(
        personas.outside_company, factories.MedicineFactory(), disruption="on", disruption_start="2026-10-01"
    )
    response = client.post(reverse("partners:declaration_create"), data)
    assert set(response.context["form"].errors) == {"disruption_cause"}


@pytest.mark.parametrize("user_name", ["hospital_a_user", "no_role_user"])
def test_declaration_pages_are_closed_to_other_roles(client, personas, user_name):
    client.force_login(getattr(personas, user_name))
    for name in ("declaration_list", "declaration_create", "declaration_upload", "compliance"):
        assert client.get(reverse(f"partners:{name}")).status_code == 403


def test_the_late_list_is_for_analysts_only(client, personas):
    client.force_login(personas.company_user)
    assert client.get(reverse("partners:late_declarants")).status_code == 403


def test_a_company_user_cannot_open_another_company_declaration(client, personas):
    other = DeclarationFactory(company=personas.member_company)
    client.force_login(personas.company_user)
    assert client.get(reverse("partners:declaration_detail", args=[other.pk])).status_code == 404


def test_the_history_shows_every_version_of_the_period(client, personas, django_assert_max_num_queries):
    # given three versions with lines
    first = DeclarationFactory(company=personas.outside_company, is_current=False, stock_on_hand=10)
    DeclarationFactory(company=first.company, medicine=first.medicine, version=2, is_current=False, stock_on_hand=20)
    last = DeclarationFactory(company=first.company, medicine=first.medicine, version=3, stock_on_hand=30)
    SupplyLineFactory(declaration=first)
    SupplyLineFactory(declaration=last)
    client.force_login(personas.company_user)
    # when
    with django_assert_max_num_queries(10):
        response = client.get(reverse("partners:declaration_detail", args=[first.pk]))
    # then
    assert [version.version for version in response.context["versions"]] == [3, 2, 1]
    assert response.context["review_form"] is None


def test_an_analyst_rejects_with_a_comment_from_the_page(client, personas):
    # given
    declaration = DeclarationFactory(company=personas.outside_company, status="submitted")
    client.force_login(personas.analyst)
    page = client.get(reverse("partners:declaration_detail", args=[declaration.pk]))
    assert page.context["review_form"] is not None
    # when
    client.post(
        reverse("partners:declaration_review", args=[declaration.pk]),
        {"decision": "reject", "comment": "Ventes à zéro malgré un stock en baisse"},
    )
    # then
    declaration.refresh_from_db()
    assert (declaration.status, declaration.reviewed_by) == ("rejected", personas.analyst)


def test_a_company_user_cannot_review_from_the_page(client, personas):
    declaration = DeclarationFactory(company=personas.outside_company, status="submitted")
    client.force_login(personas.company_user)
    response = client.post(reverse("partners:declaration_review", args=[declaration.pk]), {"decision": "accept"})
    assert response.status_code == 403
    declaration.refresh_from_db()
    assert declaration.status == "submitted"


def test_the_list_is_scoped_and_its_query_count_fixed(client, personas, django_assert_max_num_queries):
    # given
    for _ in range(12):
        DeclarationFactory(company=personas.member_company, medicine=factories.MedicineFactory())
    DeclarationFactory(company=personas.outside_company)
    client.force_login(personas.association_user)
    # when
    with django_assert_max_num_queries(12):
        response = client.get(reverse("partners:declaration_list"))
    # then
    assert response.status_code == 200
    assert {row.company_id for row in response.context["page_obj"]} == {personas.member_company.pk}
    assert response.context["page_obj"].paginator.count == 12


def test_compliance_page_and_csv_export(client, personas, django_assert_max_num_queries):
    # given
    DeclarationFactory(company=personas.outside_company, stock_on_hand=1000, monthly_sales=500)
    DeclarationFactory(company=personas.outside_company, stock_on_hand=1500, monthly_sales=500)
    DeclarationFactory(company=personas.member_company, stock_on_hand=1, monthly_sales=500)
    client.force_login(personas.company_user)
    # when
    with django_assert_max_num_queries(10):
        page = client.get(reverse("partners:compliance"), {"month": "2026-09"})
    export = client.get(reverse("partners:compliance"), {"month": "2026-09", "format": "csv"})
    # then
    assert (page.context["total"], page.context["compliant"]) == (2, 1)
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Mois;Entreprise;Médicament")
    assert len(lines) == 3
    assert sorted(line.rsplit(";", 1)[1] for line in lines[1:]) == ["non", "oui"]


def test_the_late_list_names_missing_and_late_companies(client, personas, django_assert_max_num_queries):
    # given three expected declarants for September: on time, late, missing
    month = dt.date(2026, 9, 1)
    on_time = DeclarationFactory(company=personas.member_company, month=month)
    late = DeclarationFactory(company=personas.outside_company, month=month)
    SupplyDeclaration.objects.filter(pk=on_time.pk).update(created_at=dt.datetime(2026, 10, 4, 22, 0, tzinfo=dt.UTC))
    SupplyDeclaration.objects.filter(pk=late.pk).update(created_at=dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC))
    missing = factories.CompanyFactory()
    DeclarationFactory(company=missing, month=dt.date(2026, 8, 1))
    client.force_login(personas.analyst)
    # when
    with django_assert_max_num_queries(8):
        response = client.get(reverse("partners:late_declarants"), {"month": "2026-09"})
    # then
    late_rows = {status.company.pk: status.missing for status in response.context["late"]}
    assert late_rows == {personas.outside_company.pk: False, missing.pk: True}
    assert response.context["expected_count"] == 3


UPLOAD_HEADER = (
    "mois;entreprise;medicament;stock;ventes_mensuelles;rupture;cause_rupture;debut_rupture;fin_rupture;"
    "pays_origine_pa;livraison1_date;livraison1_quantite;livraison1_type;livraison2_date;livraison2_quantite;"
    "livraison2_type;livraison3_date;livraison3_quantite;livraison3_type"
)


def test_the_upload_page_refuses_a_non_member_company(client, personas):
    # given a file naming the outside company, sent by the association user
    medicine = factories.MedicineFactory()
    row = f"2026-09;Laboratoire indépendant;{medicine.code};100;50;non;;;;;;;;;;;;;"
    upload = SimpleUploadedFile("d.csv", f"{UPLOAD_HEADER}\n{row}\n".encode())
    client.force_login(personas.association_user)
    # when
    response = client.post(reverse("partners:declaration_upload"), {"file": upload})
    # then
    job = response.context["job"]
    assert job.status == "failed"
    assert [(error["line"], error["column"]) for error in job.errors] == [(2, "entreprise")]
    assert not SupplyDeclaration.objects.exists()
    assert "Rapport d&#x27;erreurs" in response.content.decode() or "Rapport d'erreurs" in response.content.decode()


def test_the_template_downloads_in_both_formats(client, personas):
    client.force_login(personas.company_user)
    csv_file = client.get(reverse("partners:declaration_template"), {"format": "csv"})
    xlsx_file = client.get(reverse("partners:declaration_template"), {"format": "xlsx"})
    assert csv_file.content.decode("utf-8-sig").splitlines()[0] == UPLOAD_HEADER
    assert xlsx_file.content[:4] == b"PK\x03\x04"
    assert "attachment" in xlsx_file["Content-Disposition"]


def test_a_half_filled_supply_line_names_the_missing_cell(client, personas):
    client.force_login(personas.company_user)
    data = form_data(personas.outside_company, factories.MedicineFactory(), **{"lines-0-kind": ""})
    response = client.post(reverse("partners:declaration_create"), data)
    assert list(response.context["formset"].forms[0].errors) == ["kind"]
    assert not SupplyDeclaration.objects.exists()


def test_a_company_page_lists_the_products_it_supplies(client, personas):
    from tests.partners.factories import ProductSupplierFactory

    supply = ProductSupplierFactory(company=personas.outside_company, role="importer")
    client.force_login(personas.analyst)
    response = client.get(reverse("partners:organization_detail", args=[personas.outside_company.organization_id]))
    assert response.context["supplied_count"] == 1
    assert supply.product.brand in response.content.decode()


def test_the_page_says_whether_the_registry_records_the_company_for_the_medicine(client, personas):
    from tests.partners.factories import ProductSupplierFactory

    # given a declaration of a medicine the company imports, and one of a medicine it is not recorded for
    recorded = DeclarationFactory(company=personas.outside_company, status="submitted")
    ProductSupplierFactory(
        company=personas.outside_company, product=factories.ProductFactory(medicine=recorded.medicine), role="importer"
    )
    ProductSupplierFactory(
        company=personas.outside_company, product=factories.ProductFactory(medicine=recorded.medicine), role="holder"
    )
    unrecorded = DeclarationFactory(company=personas.outside_company, status="submitted")
    client.force_login(personas.analyst)
    # when the reviewer opens each
    first = client.get(reverse("partners:declaration_detail", args=[recorded.pk]))
    second = client.get(reverse("partners:declaration_detail", args=[unrecorded.pk]))
    # then the first names the roles, in the registry's order; the second warns before the decision
    assert [str(role) for role in first.context["registry_roles"]] == ["Titulaire de l'AMM", "Importateur"]
    assert 'data-absent="true"' not in first.content.decode()
    assert second.context["registry_roles"] == []
    assert 'data-absent="true"' in second.content.decode()
    assert second.context["review_form"] is not None
