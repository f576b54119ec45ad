"""Idempotency-Key on declaration writes: a retry with the same key and body gets the first answer
back and adds no version; the same key with another body is a conflict."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partners.models import SupplyDeclaration
from stock.models import ImportJob
from tests import factories
from tests.partners.test_declaration_upload import csv_bytes, row
from tests.partners.test_declarations_api import payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations/"
UPLOAD_URL = "/api/v1/declarations/upload/"


def post(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def upload(client, content, key, name="declarations.csv"):
    return client.post(
        UPLOAD_URL, {"file": SimpleUploadedFile(name, content)}, format="multipart", HTTP_IDEMPOTENCY_KEY=key
    )


def test_a_declaration_sent_again_with_its_key_is_replayed_without_a_new_version(personas, api_client_for):
    # given
    client = api_client_for(personas.company_user)
    body = payload(personas.outside_company, factories.MedicineFactory())
    first = post(client, body, "decl-0001")
    # when
    again = post(client, body, "decl-0001")
    # then
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again.json() == first.json()
    assert SupplyDeclaration.objects.count() == 1
    # and without a key, each send is a new version
    client.post(URL, body)
    assert sorted(SupplyDeclaration.objects.values_list("version", flat=True)) == [1, 2]


def test_a_retry_after_acceptance_leaves_the_accepted_version_current(personas, api_client_for):
    # given a declaration accepted between the first send and its retry
    client = api_client_for(personas.company_user)
    body = payload(personas.outside_company, factories.MedicineFactory())
    first = post(client, body, "decl-accepted")
    accepted = api_client_for(personas.analyst).post(f"{URL}{first.json()['id']}/accept/", {})
    assert accepted.status_code == 200, accepted.json()
    # when
    again = post(client, body, "decl-accepted")
    # then
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    current = SupplyDeclaration.objects.get(is_current=True)
    assert (current.version, current.status) == (1, "accepted")
    assert SupplyDeclaration.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict(personas, api_client_for):
    # given
    client = api_client_for(personas.company_user)
    medicine = factories.MedicineFactory()
    post(client, payload(personas.outside_company, medicine), "decl-0002")
    # when
    other = post(client, payload(personas.outside_company, medicine, stock_on_hand=1), "decl-0002")
    # then
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert SupplyDeclaration.objects.count() == 1


def test_an_upload_sent_again_with_its_key_is_replayed_and_writes_nothing_more(personas, api_client_for):
    # given
    client = api_client_for(personas.company_user)
    content = csv_bytes([row(personas.outside_company, factories.MedicineFactory())])
    first = upload(client, content, "upload-0001")
    # when
    again = upload(client, content, "upload-0001")
    # then
    assert first.status_code == again.status_code == 201, first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert SupplyDeclaration.objects.count() == 1
    assert ImportJob.objects.count() == 1


def test_an_upload_of_another_file_with_the_same_key_is_a_conflict(personas, api_client_for):
    # given
    client = api_client_for(personas.company_user)
    medicine = factories.MedicineFactory()
    upload(client, csv_bytes([row(personas.outside_company, medicine, stock="10")]), "upload-0002")
    # when
    other = upload(client, csv_bytes([row(personas.outside_company, medicine, stock="20")]), "upload-0002")
    # then
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert list(SupplyDeclaration.objects.values_list("stock_on_hand", flat=True)) == [10]


def test_a_refused_upload_is_not_kept_so_its_key_serves_the_corrected_file(personas, api_client_for):
    # given a file refused twice under one key
    client = api_client_for(personas.company_user)
    content = csv_bytes([row(personas.outside_company, factories.MedicineFactory.build(code="NOPE-9"))])
    refused = [upload(client, content, "upload-0003") for _ in range(2)]
    # when the corrected file is sent under that key, then sent again
    corrected = csv_bytes([row(personas.outside_company, factories.MedicineFactory())])
    written, again = upload(client, corrected, "upload-0003"), upload(client, corrected, "upload-0003")
    # then each refusal was checked anew (a failed job each, never replayed), the corrected file is
    # written once and its retry replayed
    assert [answer.status_code for answer in refused] == [400, 400]
    assert refused[0].json()["error"]["job"] != refused[1].json()["error"]["job"]
    assert "Idempotent-Replayed" not in refused[1]
    assert (written.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert SupplyDeclaration.objects.count() == 1
