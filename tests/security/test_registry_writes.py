"""The partners registry decides who reads which company's confidential declarations (a membership
lets the body's users declare for, and read, the member company), so:

- a membership's body is an association or a federation: the API refuses any other (400 on
  ``body``), and a membership of a company already in the database grants nothing;
- the registry (organizations, companies, memberships, products supplied, agreements, commitments,
  progress) is written by national analysts only, API and pages; a regional analyst reads it;
- what a deletion would take with it (an agreement's commitments and their progress, an
  organization's company and memberships) is never deleted through the API: 403 with what to do
  instead, for every role but the site administrator;
- declarations are reviewed (accepted, rejected) by national analysts only, API and page, and a
  regional analyst declares for no company.

The security review's finding: as the regional analyst, ``POST /api/v1/memberships/`` made a
company (Loukkos) a "member" of another company (Argane), whose user then read Loukkos's
declaration (200, 404 before); ``DELETE /api/v1/agreements/4/`` removed its commitments.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from partners.choices import DeclarationStatus, OrganizationKind
from partners.models import Agreement, Commitment, CommitmentProgress, Company, Membership, Organization
from partners.services.declarations import declaration_review
from partners.services.registry import organization_succeed
from tests import factories
from tests.partners.factories import (
    AgreementFactory,
    CommitmentFactory,
    CommitmentProgressFactory,
    DeclarationFactory,
    SignatoryFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def regional(personas):
    """An analyst linked to hospital A's region."""
    user = factories.UserFactory(username="regional", roles=["analyst"])
    personas.hospital_a.region.analysts.add(user)
    return user


@pytest.fixture
def competitor_declaration(personas):
    """A declaration of the association's member company: confidential to the outside company."""
    return DeclarationFactory(company=personas.member_company, status=DeclarationStatus.SUBMITTED)


def _fields(response) -> list[str]:
    return list(response.json()["error"]["fields"])


# --- (a) a membership's body is an association or a federation -----------------------------------


def test_a_company_made_a_member_of_another_company_is_refused_on_body(personas, api_client_for):
    # given the national analyst, the member company and the outside company (a company)
    client = api_client_for(personas.analyst)
    member, company = personas.member_company.organization, personas.outside_company.organization

    # when the finding's request is sent: a company "member" of a company
    response = client.post(
        "/api/v1/memberships/", {"member": member.pk, "body": company.pk, "started_on": "2020-01-01"}
    )

    # then it is refused on ``body`` with the reason, and nothing is written
    assert response.status_code == 400, response.json()
    assert _fields(response) == ["body"]
    assert "association ou d'une fédération" in response.json()["error"]["fields"]["body"][0]
    assert not Membership.objects.filter(body=company).exists()


def test_a_membership_moved_to_a_company_by_patch_is_refused(personas, api_client_for):
    membership = Membership.objects.get(body=personas.association)
    response = api_client_for(personas.analyst).patch(
        f"/api/v1/memberships/{membership.pk}/", {"body": personas.outside_company.organization_id}
    )
    assert response.status_code == 400 and _fields(response) == ["body"]
    membership.refresh_from_db()
    assert membership.body == personas.association


def test_the_model_refuses_a_company_as_a_body_and_takes_an_association_or_a_federation(personas):
    member = personas.member_company.organization
    with pytest.raises(ValidationError) as refused:
        Membership(member=member, body=personas.outside_company.organization).full_clean()
    assert list(refused.value.message_dict) == ["body"]
    federation = factories.OrganizationFactory(name="Fédération test", kind=OrganizationKind.FEDERATION)
    Membership(member=member, body=federation, started_on=dt.date(2021, 1, 1)).full_clean()
    Membership(member=member, body=personas.association, started_on=dt.date(2021, 1, 1)).full_clean()


def test_a_membership_of_a_company_already_in_the_database_grants_nothing(
    personas, api_client_for, competitor_declaration
):
    # given a row written before the rule (straight into the database): the member company is a
    # "member" of the outside company, whose user is the company user
    Membership.objects.create(
        member=personas.member_company.organization,
        body=personas.outside_company.organization,
        started_on=dt.date(2020, 1, 1),
    )
    client = api_client_for(personas.company_user)

    # when the outside company's user asks for the member company's declaration, or declares for it
    by_id = client.get(f"/api/v1/declarations/{competitor_declaration.pk}/")
    listed = client.get("/api/v1/declarations/", {"company": personas.member_company.pk})
    declared = client.post(
        "/api/v1/declarations/",
        {
            "company": personas.member_company.pk,
            "medicine": competitor_declaration.medicine_id,
            "month": "2026-08",
            "stock_on_hand": 1,
            "monthly_sales": 1,
        },
    )

    # then it stays hidden and not covered, as before the row
    assert by_id.status_code == 404
    assert listed.status_code == 200 and listed.json()["results"] == []
    assert declared.status_code == 400 and _fields(declared) == ["company"]
    assert list(Company.objects.covered_by(personas.company_user)) == [personas.outside_company]


def test_an_association_or_a_federation_covers_its_members(personas, api_client_for, competitor_declaration):
    # given the association's user, who reads its member company's declaration
    client = api_client_for(personas.association_user)
    url = f"/api/v1/declarations/{competitor_declaration.pk}/"
    assert client.get(url).status_code == 200
    # when the association is renamed into a federation (AMIP -> FMIP): its members move with it
    organization_succeed(
        predecessor=personas.association,
        name="Fédération test",
        acronym="FT",
        kind=OrganizationKind.FEDERATION,
        on=dt.date(2025, 1, 1),
    )
    # then the federation covers them as the association did; and the association made a cluster
    # (by a row written straight into the database) covers nothing
    assert client.get(url).status_code == 200
    Organization.objects.filter(name="Fédération test").update(kind=OrganizationKind.CLUSTER)
    assert client.get(url).status_code == 404


def test_a_body_with_members_does_not_become_a_company_and_a_company_stays_one(personas, api_client_for):
    client = api_client_for(personas.analyst)
    association, company = personas.association, personas.outside_company.organization

    made_company = client.patch(f"/api/v1/organizations/{association.pk}/", {"kind": "company"})
    made_association = client.patch(f"/api/v1/organizations/{company.pk}/", {"kind": "association"})
    with pytest.raises(ValidationError) as succeeded_as_company:
        organization_succeed(predecessor=association, name="Nouvelle", acronym="N", kind="company", on=dt.date.today())

    assert made_company.status_code == 400 and _fields(made_company) == ["kind"]
    assert made_association.status_code == 400 and _fields(made_association) == ["kind"]
    assert list(succeeded_as_company.value.message_dict) == ["kind"]
    assert Organization.objects.get(pk=association.pk).kind == OrganizationKind.ASSOCIATION
    assert Organization.objects.get(pk=company.pk).kind == OrganizationKind.COMPANY


# --- (b) national analysts write the registry; regional analysts read it -------------------------


def test_a_regional_analyst_reads_the_registry_and_writes_none_of_it(personas, api_client_for, regional):
    # given a regional analyst and registry rows
    client = api_client_for(regional)
    agreement = AgreementFactory(title="Protocole régional")
    commitment = CommitmentFactory(agreement=agreement, party=personas.association)
    membership = Membership.objects.get(body=personas.association)
    member = personas.member_company.organization

    # when it writes through the API
    answers = {
        "POST organizations": client.post("/api/v1/organizations/", {"name": "Nouvelle", "kind": "association"}),
        "POST memberships": client.post(
            "/api/v1/memberships/", {"member": member.pk, "body": personas.association.pk, "started_on": "2024-01-01"}
        ),
        "PATCH agreements": client.patch(f"/api/v1/agreements/{agreement.pk}/", {"title": "Changé"}),
        "PATCH commitments": client.patch(f"/api/v1/commitments/{commitment.pk}/", {"target": "99"}),
        "DELETE memberships": client.delete(f"/api/v1/memberships/{membership.pk}/"),
        "DELETE agreements": client.delete(f"/api/v1/agreements/{agreement.pk}/"),
        "POST commitment-progress": client.post(
            "/api/v1/commitment-progress/", {"commitment": commitment.pk, "reported_on": "2025-01-01", "value": "20"}
        ),
    }
    reads = [client.get(url) for url in ("/api/v1/organizations/", "/api/v1/memberships/", "/api/v1/agreements/")]

    # then every write is refused with the reason, nothing changed, and it still reads
    assert {name: response.status_code for name, response in answers.items()} == dict.fromkeys(answers, 403)
    assert "analyste national" in answers["POST memberships"].json()["error"]["message"]
    assert not Organization.objects.filter(name="Nouvelle").exists()
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert Membership.objects.filter(member=member, body=personas.association).count() == 1
    assert Agreement.objects.get(pk=agreement.pk).title == "Protocole régional"
    assert not CommitmentProgress.objects.exists()
    assert [response.status_code for response in reads] == [200, 200, 200]


def test_a_regional_analyst_cannot_report_progress_on_the_page(client, personas, regional):
    # given a commitment of the association and the regional analyst signed in
    commitment = CommitmentFactory(party=personas.association)
    client.force_login(regional)
    url = reverse("partners:commitment_progress", args=[commitment.pk])

    # when it opens the page and posts the form
    page = client.get(url)
    posted = client.post(url, {"reported_on": "2025-01-15", "value": "22"})

    # then it reads the commitment without the form, and the post is refused
    assert page.status_code == 200 and page.context["form"] is None
    assert posted.status_code == 403
    assert not CommitmentProgress.objects.exists()
    # the national analyst and the party still report
    client.force_login(personas.analyst)
    assert client.post(url, {"reported_on": "2025-01-15", "value": "22"}).status_code == 302
    client.force_login(personas.association_user)
    assert client.post(url, {"reported_on": "2025-01-16", "value": "23"}).status_code == 302
    assert CommitmentProgress.objects.count() == 2


# --- (c) nothing recorded is deleted through the API but by a site administrator ------------------


@pytest.fixture
def agreement_with_commitments(personas):
    agreement = AgreementFactory(title="Protocole à garder")
    SignatoryFactory(agreement=agreement, organization=personas.association)
    commitment = CommitmentFactory(agreement=agreement, party=personas.association)
    CommitmentProgressFactory(commitment=commitment)
    return agreement


def test_a_national_analyst_cannot_delete_an_agreement_and_is_told_what_to_do(
    personas, api_client_for, agreement_with_commitments
):
    # when the national analyst deletes the agreement
    response = api_client_for(personas.analyst).delete(f"/api/v1/agreements/{agreement_with_commitments.pk}/")

    # then it is refused with what to do instead, and the agreement keeps its commitments and progress
    assert response.status_code == 403
    message = response.json()["error"]["message"]
    assert "ne se supprime pas" in message and "administrateur du site" in message
    assert Agreement.objects.filter(pk=agreement_with_commitments.pk).exists()
    assert Commitment.objects.filter(agreement=agreement_with_commitments).count() == 1
    assert CommitmentProgress.objects.count() == 1

    # and the site administrator, who may, deletes it knowingly
    admin = factories.UserFactory(username="admin", is_superuser=True, is_staff=True)
    deleted = api_client_for(admin).delete(f"/api/v1/agreements/{agreement_with_commitments.pk}/")
    assert deleted.status_code == 204
    assert not Agreement.objects.filter(pk=agreement_with_commitments.pk).exists()


def test_organizations_companies_and_commitments_are_not_deleted_either(
    personas, api_client_for, agreement_with_commitments
):
    client = api_client_for(personas.analyst)
    commitment = Commitment.objects.get(agreement=agreement_with_commitments)
    answers = {
        "organization": client.delete(f"/api/v1/organizations/{personas.association.pk}/"),
        "company": client.delete(f"/api/v1/companies/{personas.member_company.pk}/"),
        "commitment": client.delete(f"/api/v1/commitments/{commitment.pk}/"),
    }
    assert {name: response.status_code for name, response in answers.items()} == dict.fromkeys(answers, 403)
    assert "date de fin (ended_on)" in answers["organization"].json()["error"]["message"]
    assert Organization.objects.filter(pk=personas.association.pk).exists()
    assert Company.objects.filter(pk=personas.member_company.pk).exists()
    assert Membership.objects.filter(body=personas.association).exists()
    assert CommitmentProgress.objects.filter(commitment=commitment).exists()

    # a membership (nothing depends on it) entered by mistake is still deleted
    membership = Membership.objects.get(body=personas.association)
    assert client.delete(f"/api/v1/memberships/{membership.pk}/").status_code == 204


# --- (d) national analysts review declarations; a regional analyst declares for no company -------


def test_a_regional_analyst_cannot_accept_or_reject_a_declaration(
    client, personas, api_client_for, regional, competitor_declaration
):
    # given a submitted declaration and the regional analyst
    api = api_client_for(regional)
    pk = competitor_declaration.pk

    # when it accepts or rejects it through the API, the page and the service
    accepted = api.post(f"/api/v1/declarations/{pk}/accept/", {})
    rejected = api.post(f"/api/v1/declarations/{pk}/reject/", {"comment": "Incohérent"})
    client.force_login(regional)
    detail = client.get(reverse("partners:declaration_detail", args=[pk]))
    page = client.post(reverse("partners:declaration_review", args=[pk]), {"decision": "accept"})
    with pytest.raises(PermissionDenied):
        declaration_review(user=regional, declaration=competitor_declaration, accept=True)

    # then every way is refused, the page offers no review form, and the declaration stays submitted
    assert (accepted.status_code, rejected.status_code, page.status_code) == (403, 403, 403)
    assert "analyste national" in accepted.json()["error"]["message"]
    assert detail.status_code == 200 and detail.context["review_form"] is None
    competitor_declaration.refresh_from_db()
    assert competitor_declaration.status == DeclarationStatus.SUBMITTED
    # the national analyst still reviews
    response = api_client_for(personas.analyst).post(f"/api/v1/declarations/{pk}/accept/")
    assert response.status_code == 200 and response.json()["status"] == DeclarationStatus.ACCEPTED


def test_a_regional_analyst_declares_for_no_company(personas, api_client_for, regional, competitor_declaration):
    # a new version would take the period out of scoring: national data, as the review
    response = api_client_for(regional).post(
        "/api/v1/declarations/",
        {
            "company": personas.member_company.pk,
            "medicine": competitor_declaration.medicine_id,
            "month": "2026-08",
            "stock_on_hand": 1,
            "monthly_sales": 1,
        },
    )
    assert response.status_code == 400 and _fields(response) == ["company"]
    assert not Company.objects.covered_by(regional).exists()
    assert Company.objects.covered_by(personas.analyst).count() == Company.objects.count()
    # it still reads every declaration
    assert api_client_for(regional).get(f"/api/v1/declarations/{competitor_declaration.pk}/").status_code == 200


def test_a_regional_analyst_still_filters_the_declarations_page_by_any_company(client, regional, personas):
    # it declares for no company, and still reads and filters every company's declarations
    client.force_login(regional)
    response = client.get(reverse("partners:declaration_list"), {"company": personas.member_company.pk})
    assert response.status_code == 200
    assert not response.context["filter"].errors
    assert not response.context["can_declare"] and not response.context["can_review"]
