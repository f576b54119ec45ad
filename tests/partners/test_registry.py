"""The registry facts, the registry API and pages, and commitment progress."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from partners.models import Agreement, Commitment, CommitmentProgress, Membership, Organization, Signatory
from partners.selectors.registry import organization_lineage
from partners.services.registry import organization_succeed
from tests import factories
from tests.partners.factories import CommitmentFactory, SignatoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    call_command("load_registry", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_facts_load_four_agreements_with_signatories_and_commitments(registry):
    agreements = {agreement.signed_on.year: agreement for agreement in Agreement.objects.all()}
    assert sorted(agreements) == [2017, 2021, 2023, 2025]
    signatories = {
        year: sorted(agreement.signatories.values_list("organization__acronym", "representative__full_name"))
        for year, agreement in agreements.items()
    }
    assert signatories[2021] == [
        ("AMGS", "Mohamed Elmandjra"),
        ("CM", "Said Benhajjou"),
        ("MIC", "Ryad Mezzour"),
        ("MSPS", "Khalid Ait Taleb"),
    ]
    assert len(signatories[2023]) == 6
    assert ("", "Lamia Tazi") in signatories[2023]
    assert {acronym for acronym, _ in signatories[2025]} >= {"AMMPS", "FMIIP", "AMMG", "LEMM", "MSPS"}
    assert {acronym for acronym, _ in signatories[2017]} >= {"AMIP", "AMMG", "LEMM"}
    commitments = {year: agreement.commitments.count() for year, agreement in agreements.items()}
    assert commitments == {2017: 6, 2021: 7, 2023: 1, 2025: 1}
    assert set(Commitment.objects.filter(agreement=agreements[2021]).values_list("party__acronym", flat=True)) == {
        "MIC",
        "MSPS",
        "AMGS",
        "CM",
    }
    assert all(agreement.source.startswith("article de presse, ") for agreement in agreements.values())


def test_the_facts_load_the_amip_fmip_fmiip_lineage(registry):
    fmip = Organization.objects.get(acronym="FMIP")
    predecessors, successors = organization_lineage(fmip)
    assert [o.acronym for o in predecessors] == ["AMIP"]
    assert [o.acronym for o in successors] == ["FMIIP"]
    assert fmip.founded_on == dt.date(2020, 9, 29)
    assert fmip.parent.acronym == "FNS"
    assert Organization.objects.get(acronym="AMMPS").predecessor.acronym == "DMP"


def test_loading_twice_changes_nothing(registry):
    counts = (Organization.objects.count(), Signatory.objects.count(), Commitment.objects.count())
    call_command("load_registry", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (Organization.objects.count(), Signatory.objects.count(), Commitment.objects.count()) == counts


def test_a_successor_takes_over_users_and_memberships(personas):
    # given an association with a user and a member company
    association = personas.association
    # when it becomes a federation
    successor = organization_succeed(
        predecessor=association, name="Fédération test", acronym="FT", kind="federation", on=dt.date(2026, 1, 1)
    )
    # then
    association.refresh_from_db()
    assert association.dissolved_on == dt.date(2026, 1, 1)
    assert successor.predecessor == association
    assert list(successor.users.all()) == [personas.association_user]
    assert Membership.objects.get(body=successor, ended_on__isnull=True).member == personas.member_company.organization
    assert not Membership.objects.filter(body=association, ended_on__isnull=True).exists()


def test_every_user_reads_the_registry_and_only_analysts_change_it(personas, api_client_for):
    factories.OrganizationFactory(name="AMMG test", acronym="AMMGT")
    assert api_client_for(personas.hospital_a_user).get("/api/v1/organizations/?q=ammgt").json()["count"] == 1
    body = {"name": "Nouvelle association", "kind": "association"}
    assert api_client_for(personas.company_user).post("/api/v1/organizations/", body).status_code == 403
    assert api_client_for(personas.analyst).post("/api/v1/organizations/", body).status_code == 201
    assert api_client_for().get("/api/v1/organizations/").status_code == 401


def test_the_registry_endpoints_cost_a_fixed_number_of_queries(
    registry, personas, api_client_for, django_assert_max_num_queries
):
    client = api_client_for(personas.analyst)
    for url in ("/api/v1/organizations/", "/api/v1/agreements/", "/api/v1/commitments/", "/api/v1/memberships/"):
        with django_assert_max_num_queries(6):
            assert client.get(url).status_code == 200


def test_commitments_carry_their_status_in_the_api(personas, api_client_for):
    commitment = CommitmentFactory(due_date=dt.date(2020, 1, 1), start_date=dt.date(2019, 1, 1))
    body = api_client_for(personas.analyst).get(f"/api/v1/commitments/{commitment.pk}/").json()
    assert body["status"] == "late"


def test_the_party_reports_progress_and_others_cannot(personas, api_client_for):
    # given a commitment of the association
    commitment = CommitmentFactory(party=personas.association, baseline=10, target=30)
    body = {"commitment": commitment.pk, "reported_on": "2026-06-30", "value": "30"}
    # when
    refused = api_client_for(personas.company_user).post("/api/v1/commitment-progress/", body)
    accepted = api_client_for(personas.association_user).post("/api/v1/commitment-progress/", body)
    # then
    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert CommitmentProgress.objects.get().reported_by == personas.association_user
    status = api_client_for(personas.analyst).get(f"/api/v1/commitments/{commitment.pk}/").json()["status"]
    assert status == "achieved"


def test_progress_cannot_be_dated_in_the_future(personas, api_client_for):
    commitment = CommitmentFactory(party=personas.association)
    body = {"commitment": commitment.pk, "reported_on": "2099-01-01", "value": "12"}
    response = api_client_for(personas.analyst).post("/api/v1/commitment-progress/", body)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reported_on"]


def test_the_progress_page_records_an_entry(client, personas):
    commitment = CommitmentFactory(party=personas.association)
    client.force_login(personas.association_user)
    url = reverse("partners:commitment_progress", args=[commitment.pk])
    response = client.post(url, {"reported_on": "2026-01-15", "value": "22", "comment": "Plan 2026 adopté"})
    assert response.status_code == 302
    assert CommitmentProgress.objects.get().value == 22
    client.force_login(personas.company_user)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"] is None
    assert client.post(url, {"reported_on": "2026-01-16", "value": "99"}).status_code == 403
    assert CommitmentProgress.objects.count() == 1


def test_registry_pages_render_with_a_fixed_number_of_queries(
    registry, client, personas, django_assert_max_num_queries
):
    client.force_login(personas.company_user)
    fmip = Organization.objects.get(acronym="FMIP")
    protocol = Agreement.objects.get(signed_on__year=2021)
    pages = [
        reverse("partners:organization_list"),
        reverse("partners:organization_detail", args=[fmip.pk]),
        reverse("partners:agreement_list"),
        reverse("partners:agreement_detail", args=[protocol.pk]),
        reverse("partners:commitment_list"),
    ]
    for url in pages:
        with django_assert_max_num_queries(16):
            response = client.get(url)
        assert response.status_code == 200, url
    detail = client.get(reverse("partners:organization_detail", args=[fmip.pk])).content.decode()
    assert "AMIP</a> → <strong>FMIP</strong> → <a" in detail
    agreement = client.get(reverse("partners:agreement_detail", args=[protocol.pk]))
    assert agreement.context["local_sourcing"] is not None
    assert "Ryad Mezzour" in agreement.content.decode()


def test_registry_pages_need_a_role(client, personas):
    client.force_login(personas.no_role_user)
    assert client.get(reverse("partners:organization_list")).status_code == 403
    client.logout()
    assert client.get(reverse("partners:agreement_list")).status_code == 302


def test_an_agreement_lists_its_signatories_with_representatives(personas, api_client_for):
    signatory = SignatoryFactory()
    body = api_client_for(personas.company_user).get(f"/api/v1/agreements/{signatory.agreement_id}/").json()
    assert body["signatories"][0]["organization"] == signatory.organization_id


def test_companies_filter_by_current_association(personas, api_client_for):
    client = api_client_for(personas.analyst)
    body = client.get("/api/v1/companies/", {"member_of": personas.association.pk}).json()
    assert [row["id"] for row in body["results"]] == [personas.member_company.pk]
    memberships = client.get("/api/v1/memberships/", {"body": personas.association.pk, "current": "true"}).json()
    assert memberships["count"] == 1
    assert memberships["results"][0]["started_on"] == "2020-01-01"


def test_product_suppliers_filter_by_medicine(personas, api_client_for):
    from tests.partners.factories import ProductSupplierFactory

    supply = ProductSupplierFactory(role="manufacturer")
    ProductSupplierFactory()
    body = (
        api_client_for(personas.company_user)
        .get("/api/v1/product-suppliers/", {"medicine": supply.product.medicine_id})
        .json()
    )
    assert [(row["company"], row["role"]) for row in body["results"]] == [(supply.company_id, "manufacturer")]


def test_the_progress_form_proposes_todays_local_date(client, personas, monkeypatch):
    # given 23:30 UTC on 30 September, already 1 October in Casablanca
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 9, 30, 23, 30, tzinfo=dt.UTC))
    commitment = CommitmentFactory(party=personas.association)
    client.force_login(personas.association_user)

    # when
    page = client.get(reverse("partners:commitment_progress", args=[commitment.pk]))

    # then
    assert page.context["form"]["reported_on"].value() == dt.date(2026, 10, 1)


def test_memberships_in_force_today_are_the_current_ones(personas, api_client_for):
    # given the personas' membership (started 2020, open), one ended last year and one starting next month
    today = timezone.localdate()
    ended = factories.MembershipFactory(
        body=personas.association, started_on=dt.date(2019, 1, 1), ended_on=dt.date(today.year - 1, 12, 31)
    )
    upcoming = factories.MembershipFactory(body=personas.association, started_on=today + dt.timedelta(days=31))
    client = api_client_for(personas.analyst)

    # when
    current = client.get("/api/v1/memberships/", {"body": personas.association.pk, "current": "true"}).json()
    other = client.get("/api/v1/memberships/", {"body": personas.association.pk, "current": "false"}).json()
    members = client.get("/api/v1/companies/", {"member_of": personas.association.pk}).json()

    # then
    assert [row["member"] for row in current["results"]] == [personas.member_company.organization_id]
    assert {row["id"] for row in other["results"]} == {ended.pk, upcoming.pk}
    assert [row["id"] for row in members["results"]] == [personas.member_company.pk]


def test_registry_writes_name_the_field_of_reversed_dates_or_a_self_reference(personas, api_client_for):
    # given
    client = api_client_for(personas.analyst)
    member, body = personas.member_company.organization, personas.association
    commitment = CommitmentFactory()

    # when
    reversed_membership = client.post(
        "/api/v1/memberships/",
        {"member": member.pk, "body": body.pk, "started_on": "2024-01-01", "ended_on": "2023-12-31"},
    )
    own_member = client.post("/api/v1/memberships/", {"member": member.pk, "body": member.pk})
    dissolved_first = client.post(
        "/api/v1/organizations/",
        {"name": "Ancienne", "kind": "association", "founded_on": "2010-01-01", "dissolved_on": "2009-01-01"},
    )
    due_before_start = client.patch(f"/api/v1/commitments/{commitment.pk}/", {"due_date": "2021-12-31"})
    own_predecessor = client.patch(f"/api/v1/organizations/{body.pk}/", {"predecessor": body.pk})

    # then
    for response, field in [
        (reversed_membership, "ended_on"),
        (own_member, "body"),
        (dissolved_first, "dissolved_on"),
        (due_before_start, "due_date"),
        (own_predecessor, "predecessor"),
    ]:
        assert response.status_code == 400, response.json()
        assert list(response.json()["error"]["fields"]) == [field]
    commitment.refresh_from_db()
    assert commitment.due_date == dt.date(2026, 12, 31)
