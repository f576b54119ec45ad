"""Hostile input: every file of ``corpus/`` and every payload below gets a clear error (naming the
field, or the line and column) and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from stock.exports import safe_cell
from stock.models import ConsumptionMonth, ImportJob, MonthlyReport, StockLevel, StockMovement
from tests import factories
from tests.security.hostile_files import dimension_bomb, macro_workbook

CORPUS = Path(__file__).parent / "corpus"
# Workbooks of the corpus built by tests/security/hostile_files.py rather than stored.
BUILT = {"report_dimension_bomb.xlsx": dimension_bomb, "report_macro.xlsx": macro_workbook}
UPLOAD_URL = "/api/v1/monthly-reports/upload/"
MOVEMENTS_URL = "/api/v1/movements/"


# import jobs run in the test's process (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("tasks_in_process")


@pytest.fixture
def medicine(db):
    return factories.MedicineFactory(code="M000")


@pytest.fixture
def hospital(personas, medicine, api_client_for):
    return api_client_for(personas.hospital_a_user)


def written() -> dict[str, int]:
    return {
        "reports": MonthlyReport.objects.count(),
        "movements": StockMovement.objects.count(),
        "levels": StockLevel.objects.count(),
        "consumption": ConsumptionMonth.objects.count(),
    }


def upload(client, capture, name: str, content: bytes) -> tuple[int, list[dict]]:
    """Posts a file; returns the status and the errors, whether the request itself was refused (400)
    or the import job failed."""
    with capture(execute=True):
        response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, content)}, format="multipart")
    if response.status_code == 400:
        return 400, [
            {"field": field, "message": message}
            for field, messages in response.json()["error"]["fields"].items()
            for message in messages
        ]
    assert response.status_code == 202, response.content
    job = client.get(f"/api/v1/import-jobs/{response.json()['id']}/").json()
    assert job["status"] == "failed", job
    return 202, job["errors"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report_header_only.csv", "aucune ligne"),
        ("report_utf16.csv", "UTF-16"),
        ("report_binary.csv", ""),
        ("report_text_named.xlsx", ""),
        ("report_missing_columns.csv", "closing_count"),
        ("report_formula_injection.csv", "establishment"),
        ("report_duplicated_rows.csv", ""),
        ("report_absurd_quantities.csv", "opening_balance"),
        ("report_absurd_dates.csv", "month"),
        ("report_unknown_codes.csv", "medicine"),
        ("report_long_cell.csv", "opening_balance"),
        ("report_absurd_years.csv", "au plus tôt 2000-01"),
        ("report_dimension_bomb.xlsx", "100000 lignes"),
        ("report_macro.xlsx", "macros"),
    ],
)
def test_a_hostile_file_is_refused_with_a_clear_error_and_nothing_written(
    name, expected, hospital, django_capture_on_commit_callbacks
):
    # given a hospital's API client and what is already recorded
    before = written()

    # when the file of the corpus is uploaded
    content = BUILT[name]() if name in BUILT else (CORPUS / name).read_bytes()
    status, errors = upload(hospital, django_capture_on_commit_callbacks, name, content)

    # then it is refused with errors that say where and why, and nothing was written
    assert errors, f"{name}: refused without any error message"
    assert all(error.get("message") for error in errors)
    assert expected in json.dumps(errors, ensure_ascii=False)
    assert written() == before


def test_an_empty_file_is_refused_naming_the_file_field(hospital, django_capture_on_commit_callbacks):
    # when a zero-byte file is uploaded
    status, errors = upload(hospital, django_capture_on_commit_callbacks, "empty.csv", b"")

    # then the request is refused on the file field, and no job is created
    assert status == 400
    assert errors[0]["field"] == "file"
    assert ImportJob.objects.count() == 0


def test_every_bad_row_of_a_file_is_reported_by_line(hospital, django_capture_on_commit_callbacks):
    # when the file with absurd quantities on three lines is uploaded
    _, errors = upload(
        hospital,
        django_capture_on_commit_callbacks,
        "q.csv",
        (CORPUS / "report_absurd_quantities.csv").read_bytes(),
    )

    # then each of the three lines is named
    assert {error["line"] for error in errors} == {2, 3, 4}


@override_settings(UPLOAD_MAX_BYTES=2048)
def test_a_huge_file_is_refused_before_it_is_read(hospital, django_capture_on_commit_callbacks):
    # given a file far above the upload limit
    header = (CORPUS / "report_header_only.csv").read_bytes()
    content = header + b"T-HOSP-A;M000;2026-02;100;50;120;5;0;25;3\n" * 2000

    # when it is uploaded
    with django_capture_on_commit_callbacks(execute=True):
        response = hospital.post(UPLOAD_URL, {"file": SimpleUploadedFile("big.csv", content)}, format="multipart")

    # then it is refused with the limit stated, and nothing is written
    assert response.status_code == 413
    assert response.json()["error"]["message"] == "Fichier trop volumineux : la limite est de 2\xa0048 octets."
    assert written()["reports"] == 0


def movement(**changes) -> dict:
    item = {
        "establishment": "T-HOSP-A",
        "medicine": "M000",
        "kind": "receipt",
        "business_date": "2026-01-15",
        "quantity": 10,
    }
    item.update(changes)
    return item


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (movement(quantity=10**30), "quantity"),
        (movement(quantity=-5), "quantity"),
        (movement(quantity=0), "quantity"),
        (movement(quantity=1.5), "quantity"),
        (movement(quantity="dix"), "quantity"),
        (movement(business_date="2026-02-30"), "business_date"),
        (movement(business_date="0001-01-01"), "business_date"),
        (movement(business_date="9999-12-31"), "business_date"),
        (movement(establishment="NO-SUCH-PLACE"), "establishment"),
        (movement(medicine="NO-SUCH-DRUG"), "medicine"),
        (movement(establishment="T-HOSP-B"), "establishment"),
        (movement(kind="teleport"), "kind"),
        (movement(kind="loss", quantity=3), "loss_reason"),
        (movement(reason="nul\x00byte"), "reason"),
        (movement(reason="x" * 5000), "reason"),
        (movement(idempotency_key="k" * 500), "idempotency_key"),
        ([movement(), movement()], "non_field_errors"),
        ("just a string", "non_field_errors"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_a_hostile_movement_is_refused_naming_the_field(payload, field, hospital, personas):
    # given hospital B exists (another party's establishment) and what is already recorded
    factories.EstablishmentFactory(code="T-HOSP-B")
    before = written()

    # when the payload is posted
    response = hospital.post(MOVEMENTS_URL, payload, format="json")

    # then it is refused with a machine-readable error naming the field, and nothing is written
    assert 400 <= response.status_code < 500, response.content
    body = response.json()["error"]
    assert body["message"]
    assert field in json.dumps(body["fields"]), body
    assert written() == before


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"quantity": 10', "application/json", 400),
        (b"\xff\xfe\x00garbage", "application/json", 400),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b'{"quantity": NaN}', "application/json", 400),
        (b"quantity=10", "text/plain", 415),
    ],
    ids=["truncated", "not-utf8", "deeply-nested", "nan", "wrong-content-type"],
)
def test_a_malformed_body_is_refused_with_a_clear_error(body, content_type, status, hospital):
    # given what is already recorded
    before = written()

    # when the malformed body is posted
    response = hospital.generic("POST", MOVEMENTS_URL, body, content_type=content_type)

    # then it is refused as a client error with a message, and nothing is written
    assert response.status_code == status, response.content[:300]
    assert response.json()["error"]["message"]
    assert written() == before


def test_a_bulk_with_one_bad_item_writes_nothing_and_names_the_item(hospital):
    # given a bulk of three movements whose last one is absurd, and another with a repeated key
    items = [movement(idempotency_key="a"), movement(idempotency_key="b"), movement(quantity=10**30)]

    # when they are posted
    response = hospital.post(f"{MOVEMENTS_URL}bulk/", {"movements": items}, format="json")

    # then the whole bulk is refused, the error names item 2, and nothing is written
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["movements.2.quantity"]
    assert StockMovement.objects.count() == 0


def test_a_bulk_with_a_repeated_idempotency_key_writes_nothing(hospital):
    # when two items share one key
    response = hospital.post(
        f"{MOVEMENTS_URL}bulk/",
        {"movements": [movement(idempotency_key="same"), movement(idempotency_key="same")]},
        format="json",
    )

    # then the bulk is refused naming the key, and nothing is written
    assert response.status_code == 400
    assert "idempotency_key" in json.dumps(response.json()["error"]["fields"])
    assert StockMovement.objects.count() == 0


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x")', "+33 cmd", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"],
)
def test_exported_text_that_looks_like_a_formula_is_neutralised(text):
    # when a hostile name is written to an export cell, then it becomes text
    assert safe_cell(text) == "'" + text
    assert safe_cell(-5) == -5


def test_a_quantity_beyond_any_real_stock_is_refused_in_a_file(hospital, django_capture_on_commit_callbacks):
    # given a report whose only line has a 23-digit opening balance
    lines = (CORPUS / "report_absurd_quantities.csv").read_bytes().splitlines()[:2]

    # when it is uploaded
    _, errors = upload(hospital, django_capture_on_commit_callbacks, "big-number.csv", b"\n".join(lines))

    # then the cell is named, and nothing is written
    assert errors == [{"line": 2, "column": "opening_balance", "message": errors[0]["message"]}]
    assert "hors limites" in errors[0]["message"]
    assert written()["reports"] == 0


@pytest.mark.parametrize("form", [{}, {"assignee": ""}, {"assignee": "abc"}, {"assignee": "99999"}, {"assignee": "-1"}])
def test_a_hostile_assignment_form_is_refused_with_a_message(client, personas, form):
    # given an open alert and a signed-in analyst
    from shortages.models import Alert

    alert = Alert.objects.create(
        kind="national_risk", medicine=factories.MedicineFactory(), level="high", message="Risque"
    )
    client.force_login(personas.analyst)

    # when the assignment form is posted with a missing, empty, non-numeric or unknown analyst
    response = client.post(f"/alerts/{alert.pk}/assign/", form, follow=True)

    # then the page comes back (400, the form as posted) with an error naming the field, and nobody
    # is assigned
    assert response.status_code == 400
    assert 'id="assign_assignee_error"' in response.content.decode()
    assert "Choisissez un analyste" in response.content.decode()
    alert.refresh_from_db()
    assert alert.assignee_id is None
