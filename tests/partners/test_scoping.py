"""A company (or association) user never reads another company's declarations, by list, filter, id,
history, compliance or import job; partner list endpoints keep a constant number of queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stock.models import ImportJob
from tests import factories
from tests.partners.factories import (
    CommitmentFactory,
    CommitmentProgressFactory,
    DeclarationFactory,
    ProductSupplierFactory,
    SignatoryFactory,
)

pytestmark = pytest.mark.django_db


def ids_of(response):
    assert response.status_code == 200, response.json()
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return {row["id"] if "id" in row else row["declaration_id"] for row in rows}


@pytest.fixture
def declarations(personas):
    """Two versions of one period for the member company, one declaration of the outside company."""
    medicine = factories.MedicineFactory()
    DeclarationFactory(company=personas.member_company, medicine=medicine, version=1, is_current=False)
    member_current = DeclarationFactory(company=personas.member_company, medicine=medicine, version=2)
    outside = DeclarationFactory(company=personas.outside_company)
    return member_current, outside


def test_a_company_user_never_reads_another_companys_declarations(personas, api_client_for, declarations):
    # given
    member_current, outside = declarations
    client = api_client_for(personas.company_user)
    member = personas.member_company.pk

    # when
    listed = ids_of(client.get("/api/v1/declarations/"))
    history = ids_of(client.get("/api/v1/declarations/", {"current": ""}))
    filtered = ids_of(client.get("/api/v1/declarations/", {"company": member, "current": ""}))
    by_id = client.get(f"/api/v1/declarations/{member_current.pk}/")
    compliance = ids_of(client.get("/api/v1/compliance/", {"month": "2026-09"}))
    compliance_filtered = ids_of(client.get("/api/v1/compliance/", {"month": "2026-09", "company": member}))

    # then
    assert listed == history == compliance == {outside.pk}
    assert filtered == set() and compliance_filtered == set()
    assert by_id.status_code == 404


def test_an_association_user_reads_its_members_only(personas, api_client_for, declarations):
    # given
    member_current, outside = declarations
    client = api_client_for(personas.association_user)

    # when
    listed = ids_of(client.get("/api/v1/declarations/"))
    by_id = client.get(f"/api/v1/declarations/{outside.pk}/")
    compliance = ids_of(client.get("/api/v1/compliance/", {"month": "2026-09"}))

    # then
    assert listed == compliance == {member_current.pk}
    assert by_id.status_code == 404


@pytest.mark.parametrize("user_name", ["hospital_a_user", "no_role_user"])
def test_establishment_and_roleless_users_read_no_declaration(personas, api_client_for, declarations, user_name):
    client = api_client_for(getattr(personas, user_name))

    assert client.get("/api/v1/declarations/").status_code == 403
    assert client.get("/api/v1/compliance/", {"month": "2026-09"}).status_code == 403


def test_a_declaration_upload_job_is_readable_by_its_uploader_only(personas, api_client_for):
    # given a file refused for the company user (it names the member company)
    header = "mois;entreprise;medicament;stock;ventes_mensuelles;rupture"
    content = f"{header}\n2026-09;{personas.member_company.organization.name};X;1;1;non\n".encode()
    refused = api_client_for(personas.company_user).post(
        "/api/v1/declarations/upload/", {"file": SimpleUploadedFile("d.csv", content)}, format="multipart"
    )
    job_id = refused.json()["error"]["job"]

    # when
    own = api_client_for(personas.company_user).get(f"/api/v1/import-jobs/{job_id}/")
    other = api_client_for(personas.association_user).get(f"/api/v1/import-jobs/{job_id}/")

    # then
    assert refused.status_code == 400 and ImportJob.objects.get().pk == job_id
    assert own.status_code == 200 and other.status_code == 404


def partner_rows(personas, size):
    """``size`` rows behind every partner list endpoint."""
    for _ in range(size):
        company = factories.CompanyFactory()
        factories.MembershipFactory(member=company.organization, body=personas.association)
        supplier = ProductSupplierFactory(company=company)
        commitment = CommitmentFactory(party=company.organization)
        SignatoryFactory(agreement=commitment.agreement, organization=company.organization)
        CommitmentProgressFactory(commitment=commitment)
        DeclarationFactory(company=company, medicine=supplier.product.medicine)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organizations/",
        "/api/v1/companies/",
        "/api/v1/memberships/",
        "/api/v1/product-suppliers/",
        "/api/v1/agreements/",
        "/api/v1/commitments/",
        "/api/v1/commitment-progress/",
        "/api/v1/declarations/",
        "/api/v1/compliance/?month=2026-09",
    ],
)
def test_partner_list_queries_do_not_grow_with_the_data(personas, api_client_for, url):
    # given a small and a larger registry, read by an analyst
    client = api_client_for(personas.analyst)
    counts = []
    for size in (2, 12):
        partner_rows(personas, size)
        client.get(url)  # warm the token's last-used stamp
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200, response.json()
        counts.append(len(context.captured_queries))

    # then
    assert counts[0] == counts[1] <= 8
