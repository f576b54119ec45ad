"""Declarations through the API, as an association, a company and an analyst would send them."""

import datetime as dt

import pytest
from django.utils import timezone

from partners.models import SupplyDeclaration
from partners.selectors.scoring import scoring_inputs
from tests import factories
from tests.partners.factories import DeclarationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations/"


def payload(company, medicine, **overrides):
    body = {
        "company": company.pk,
        "medicine": medicine.pk,
        "month": "2026-09",
        "stock_on_hand": 9000,
        "monthly_sales": 2500,
        "supply_lines": [{"expected_on": "2026-10-20", "quantity": 4000, "kind": "import"}],
    }
    return body | overrides


def test_an_association_user_declares_for_a_member_company(personas, api_client_for):
    # given
    medicine = factories.MedicineFactory()
    # when
    response = api_client_for(personas.association_user).post(URL, payload(personas.member_company, medicine))
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["version"], body["status"], body["is_current"]) == (1, "submitted", True)
    assert body["month"] == "2026-09-01"
    assert body["supply_lines"] == [{"expected_on": "2026-10-20", "quantity": 4000, "kind": "import"}]
    assert SupplyDeclaration.objects.get().submitted_by == personas.association_user


def test_an_association_user_cannot_declare_for_a_non_member_company(personas, api_client_for):
    response = api_client_for(personas.association_user).post(
        URL, payload(personas.outside_company, factories.MedicineFactory())
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["company"]
    assert not SupplyDeclaration.objects.exists()


def test_a_company_user_cannot_declare_for_another_company(personas, api_client_for):
    response = api_client_for(personas.company_user).post(
        URL, payload(personas.member_company, factories.MedicineFactory())
    )
    assert response.status_code == 400
    assert "company" in response.json()["error"]["fields"]
    assert not SupplyDeclaration.objects.exists()


def test_an_association_user_loses_a_company_that_left_the_association(personas, api_client_for):
    # given the membership has ended
    personas.member_company.organization.memberships.update(ended_on=dt.date(2026, 1, 31))
    # when
    response = api_client_for(personas.association_user).post(
        URL, payload(personas.member_company, factories.MedicineFactory())
    )
    # then
    assert response.status_code == 400
    assert not SupplyDeclaration.objects.exists()


def test_establishment_users_cannot_declare(personas, api_client_for):
    response = api_client_for(personas.hospital_a_user).post(
        URL, payload(personas.member_company, factories.MedicineFactory())
    )
    assert response.status_code == 403


def test_resubmitting_a_period_adds_a_version_and_keeps_the_history(personas, api_client_for):
    # given
    client, medicine = api_client_for(personas.company_user), factories.MedicineFactory()
    client.post(URL, payload(personas.outside_company, medicine, stock_on_hand=100))
    # when
    response = client.post(URL, payload(personas.outside_company, medicine, stock_on_hand=250))
    # then
    assert response.json()["version"] == 2
    current = client.get(URL, {"medicine": medicine.pk}).json()["results"]
    history = client.get(URL, {"medicine": medicine.pk, "current": "false"}).json()["results"]
    assert [row["stock_on_hand"] for row in current] == [250]
    assert [(row["version"], row["stock_on_hand"]) for row in history] == [(1, 100)]


def test_it_names_the_fields_of_an_inconsistent_disruption(personas, api_client_for):
    response = api_client_for(personas.company_user).post(
        URL,
        payload(
            personas.outside_company,
            factories.MedicineFactory(),
            disruption=True,
            disruption_start="2026-10-10",
            disruption_end="2026-10-01",
        ),
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"disruption_cause", "disruption_end"}
    assert not SupplyDeclaration.objects.exists()


def test_it_refuses_negative_figures_and_a_future_month(personas, api_client_for):
    response = api_client_for(personas.company_user).post(
        URL, payload(personas.outside_company, factories.MedicineFactory(), stock_on_hand=-1, month="2099-01")
    )
    assert response.status_code == 400
    assert {"stock_on_hand", "month"} <= set(response.json()["error"]["fields"])


def test_an_accepted_declaration_feeds_the_scoring_and_a_rejected_one_does_not(personas, api_client_for):
    # given two submitted declarations
    client = api_client_for(personas.company_user)
    accepted = client.post(URL, payload(personas.outside_company, factories.MedicineFactory())).json()
    rejected = client.post(URL, payload(personas.outside_company, factories.MedicineFactory())).json()
    analyst = api_client_for(personas.analyst)
    # when
    assert analyst.post(f"{URL}{accepted['id']}/accept/").status_code == 200
    response = analyst.post(f"{URL}{rejected['id']}/reject/", {"comment": "Stock incohérent avec les ventes"})
    # then
    assert response.json()["status"] == "rejected"
    assert response.json()["review_comment"] == "Stock incohérent avec les ventes"
    inputs = scoring_inputs(as_of=dt.date(2026, 10, 1))
    assert inputs.industry.declaration_id.tolist() == [accepted["id"]]
    assert inputs.deliveries.quantity.tolist() == [4000]


def test_a_rejection_needs_a_comment(personas, api_client_for):
    declaration = DeclarationFactory(company=personas.outside_company, status="submitted")
    response = api_client_for(personas.analyst).post(f"{URL}{declaration.pk}/reject/", {"comment": " "})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["comment"]
    declaration.refresh_from_db()
    assert declaration.status == "submitted"


def test_only_analysts_review(personas, api_client_for):
    declaration = DeclarationFactory(company=personas.outside_company, status="submitted")
    response = api_client_for(personas.company_user).post(f"{URL}{declaration.pk}/accept/")
    assert response.status_code == 403
    declaration.refresh_from_db()
    assert declaration.status == "submitted"


def test_a_superseded_version_cannot_be_reviewed(personas, api_client_for):
    old = DeclarationFactory(company=personas.outside_company, status="submitted", is_current=False)
    DeclarationFactory(company=old.company, medicine=old.medicine, version=2, status="submitted")
    response = api_client_for(personas.analyst).post(f"{URL}{old.pk}/accept/")
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_industry_users_list_only_the_companies_they_cover(personas, api_client_for):
    # given
    own = DeclarationFactory(company=personas.outside_company)
    DeclarationFactory(company=personas.member_company)
    # when
    rows = api_client_for(personas.company_user).get(URL).json()["results"]
    # then
    assert [row["id"] for row in rows] == [own.pk]


def test_the_list_costs_a_fixed_number_of_queries(personas, api_client_for, django_assert_max_num_queries):
    # given
    for _ in range(15):
        DeclarationFactory(company=personas.member_company, medicine=factories.MedicineFactory())
    client = api_client_for(personas.analyst)
    # when / then
    with django_assert_max_num_queries(7):
        response = client.get(URL)
    assert len(response.json()["results"]) == 15


def test_compliance_compares_stock_with_three_months_of_sales(personas, api_client_for):
    # given one compliant, one short, one without sales
    DeclarationFactory(company=personas.outside_company, stock_on_hand=3000, monthly_sales=1000)
    DeclarationFactory(company=personas.outside_company, stock_on_hand=2999, monthly_sales=1000)
    DeclarationFactory(company=personas.outside_company, stock_on_hand=0, monthly_sales=0)
    # when
    rows = api_client_for(personas.company_user).get("/api/v1/compliance/", {"month": "2026-09"}).json()
    # then
    summary = sorted((row["stock_on_hand"], row["required_stock"], row["gap"], row["compliant"]) for row in rows)
    assert summary == [(0, 0, 0, True), (2999, 3000, 1, False), (3000, 3000, 0, True)]


def test_compliance_requires_a_month(personas, api_client_for):
    response = api_client_for(personas.analyst).get("/api/v1/compliance/")
    assert response.status_code == 400
    assert "month" in response.json()["error"]["fields"]


def test_an_association_user_covers_a_company_only_while_its_membership_is_in_force(personas, api_client_for):
    # given one member joining next month and one leaving at the end of next month
    today = timezone.localdate()
    joining, leaving = factories.CompanyFactory(), factories.CompanyFactory()
    factories.MembershipFactory(
        member=joining.organization, body=personas.association, started_on=today + dt.timedelta(days=30)
    )
    factories.MembershipFactory(
        member=leaving.organization,
        body=personas.association,
        started_on=dt.date(2020, 1, 1),
        ended_on=today + dt.timedelta(days=30),
    )
    client = api_client_for(personas.association_user)

    # when
    not_yet = client.post(URL, payload(joining, factories.MedicineFactory()))
    still = client.post(URL, payload(leaving, factories.MedicineFactory()))

    # then
    assert not_yet.status_code == 400 and "company" in not_yet.json()["error"]["fields"]
    assert still.status_code == 201, still.json()
    assert list(SupplyDeclaration.objects.values_list("company", flat=True)) == [leaving.pk]
