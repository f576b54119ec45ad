"""The published schema of the declaration upload says what it answers: 201 with the job's fields as
they are returned, 400 with the file's errors in ``error.rows`` and the job in ``error.job``."""

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from tests.partners.test_declaration_upload import csv_bytes, row

pytestmark = pytest.mark.django_db

PATH = "/api/v1/declarations/upload/"


def component(schema, reference):
    return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[1]]


@pytest.fixture
def schema(client, personas):
    client.force_login(personas.company_user)
    return yaml.safe_load(client.get("/api/schema/").content)


def test_the_201_component_names_the_fields_really_returned(schema, personas, api_client_for):
    # given a file that is written
    content = csv_bytes([row(personas.outside_company, factories.MedicineFactory())])
    answer = api_client_for(personas.company_user).post(
        PATH, {"file": SimpleUploadedFile("d.csv", content)}, format="multipart"
    )
    assert answer.status_code == 201, answer.json()
    # when
    responses = schema["paths"][PATH]["post"]["responses"]
    job = component(schema, responses["201"]["content"]["application/json"]["schema"])
    summary = component(schema, job["properties"]["summary"])
    # then the documented answer is the real one, field for field, and there is no 200
    assert "200" not in responses
    assert set(job["properties"]) == set(answer.json())
    assert set(summary["properties"]) == set(answer.json()["summary"])


def test_the_400_component_describes_the_rows_and_the_job(schema, personas, api_client_for):
    # given a file that is refused
    content = csv_bytes([row(personas.outside_company, factories.MedicineFactory.build(code="NOPE-1"))])
    answer = api_client_for(personas.company_user).post(
        PATH, {"file": SimpleUploadedFile("d.csv", content)}, format="multipart"
    )
    assert answer.status_code == 400
    # when
    refusal = component(
        schema, schema["paths"][PATH]["post"]["responses"]["400"]["content"]["application/json"]["schema"]
    )
    error = component(schema, refusal["properties"]["error"])
    row_error = component(schema, error["properties"]["rows"]["items"])
    # then
    assert set(error["properties"]) == set(answer.json()["error"])
    assert set(row_error["properties"]) == set(answer.json()["error"]["rows"][0])


def test_the_declaration_writes_document_their_idempotency_key(schema):
    for path in (PATH, "/api/v1/declarations/"):
        operation = schema["paths"][path]["post"]
        assert "Idempotency-Key" in {parameter["name"] for parameter in operation["parameters"]}
        assert "409" in operation["responses"]
    assert "/api/v1/declarations/template/" in schema["paths"]
