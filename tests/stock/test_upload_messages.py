"""A file that cannot be read is refused in French: the library's own words ("File is not a zip
file") stay in the server's log, never in the upload report."""

from __future__ import annotations

import io
import json
import logging
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from stock.models import MonthlyReport
from tests import factories

UPLOAD_URL = "/api/v1/monthly-reports/upload/"
UNREADABLE = "Classeur Excel illisible : le fichier est endommagé ou n'est pas un vrai classeur .xlsx."
# The refusal of a file that is not a workbook, before it is stored (the request's own 400).
NOT_A_WORKBOOK = (
    "Champ « file », fichier « rapport.xlsx » : ce n'est pas un classeur Excel .xlsx lisible (fichier endommagé, "
    "ou d'un autre format renommé en .xlsx). Formats acceptés : .csv (texte en UTF-8 ou Windows-1252) ou .xlsx "
    "(classeur Excel sans macro)."
)
ENGLISH = ("zip", "File is not", "Bad", "token", "archive", "Error", "Exceeds", "digits")


# import jobs run in the test's process (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("tasks_in_process")


@pytest.fixture
def hospital(personas, api_client_for):
    factories.MedicineFactory(code="M000")
    return api_client_for(personas.hospital_a_user)


def _workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(["establishment", "medicine", "month"])
    workbook.active.append(["T-HOSP-A", "M000", "2026-02"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_broken_sheet() -> bytes:
    """A sound zip whose sheet's XML is cut in the middle: it opens, then fails while it is read."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data)
    return buffer.getvalue()


def _upload(client, capture, name: str, content: bytes) -> list[str]:
    """The messages of the refusal, whether the request (400) or the import job refused the file."""
    with capture(execute=True):
        response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, content)}, format="multipart")
    if response.status_code == 400:
        return [message for messages in response.json()["error"]["fields"].values() for message in messages]
    assert response.status_code == 202, response.content
    job = client.get(f"/api/v1/import-jobs/{response.json()['id']}/").json()
    assert job["status"] == "failed", job
    return [error["message"] for error in job["errors"]]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(b"these bytes are no workbook at all\n" * 20, NOT_A_WORKBOOK, id="text-named-xlsx"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 200, NOT_A_WORKBOOK, id="zip-signature-then-garbage"),
        pytest.param(_workbook()[:700], NOT_A_WORKBOOK, id="truncated-workbook"),
        # its parts are all there: it is refused while its sheet is read
        pytest.param(_with_broken_sheet(), UNREADABLE, id="broken-sheet-xml"),
    ],
)
def test_an_unreadable_workbook_is_refused_in_french(
    content, expected, hospital, django_capture_on_commit_callbacks, caplog
):
    # when a damaged file named .xlsx is uploaded
    with caplog.at_level(logging.WARNING, logger="stock.uploads"):
        messages = _upload(hospital, django_capture_on_commit_callbacks, "rapport.xlsx", content)
    # then the report says so in French, without the library's words, which go to the server's log
    assert len(messages) == 1 and messages[0].startswith(expected), messages
    assert not any(word in messages[0] for word in ENGLISH), messages
    assert "unreadable workbook upload" in caplog.text
    assert not MonthlyReport.objects.exists()


def test_an_unreadable_workbook_is_refused_in_french_on_the_declaration_upload(personas, api_client_for):
    # given a company's API client
    client = api_client_for(personas.company_user)
    # when a text file named .xlsx is uploaded as declarations
    response = client.post(
        "/api/v1/declarations/upload/",
        {"file": SimpleUploadedFile("declarations.xlsx", b"not a workbook\n" * 20)},
        format="multipart",
    )
    # then it is refused on its field, before any job
    body = json.dumps(response.json(), ensure_ascii=False)
    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["file"]
    assert message.startswith(NOT_A_WORKBOOK.replace("rapport.xlsx", "declarations.xlsx")), message
    assert "zip" not in body


def test_a_number_of_thousands_of_digits_is_refused_in_french(hospital, django_capture_on_commit_callbacks, personas):
    # given a report whose count has 5,000 digits (Python's int() refuses it in English)
    header = (
        "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days"
    )
    row = f"T-HOSP-A;M000;2026-02;{'9' * 5000};0;0;0;0;0;0"
    # when it is uploaded
    messages = _upload(hospital, django_capture_on_commit_callbacks, "rapport.csv", f"{header}\n{row}\n".encode())
    # then the cell is refused in French
    assert any(message.startswith("Nombre hors limites") for message in messages), messages
    assert not any(word in message for message in messages for word in ENGLISH), messages


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        pytest.param("rapport.ods", b"PK\x03\x04" + b"\x00" * 200, "Champ « file », fichier « rapport.ods »", id="ods"),
        pytest.param("rapport.csv", bytes(range(256)) * 4, "Champ « file », fichier « rapport.csv »", id="binary-csv"),
    ],
)
def test_other_unreadable_files_are_refused_in_french(
    name, content, expected, hospital, django_capture_on_commit_callbacks
):
    # when
    messages = _upload(hospital, django_capture_on_commit_callbacks, name, content)
    # then
    assert any(message.startswith(expected) for message in messages), messages
    assert not any(word in message for message in messages for word in ENGLISH), messages


def test_a_cell_that_fails_in_a_library_is_refused_in_french(monkeypatch, caplog):
    from stock.uploads import ColumnSpec, cells, read_table

    # given a converter that fails with a library's own (English) ValueError
    def convert_int(raw, spec):
        raise ValueError("invalid literal for int() with base 10")

    monkeypatch.setitem(cells.CONVERTERS, "int", convert_int)
    columns = [ColumnSpec("code"), ColumnSpec("qty", kind="int")]
    # when
    with caplog.at_level(logging.WARNING, logger="stock.uploads"):
        table = read_table(b"code;qty\nA;12x\n", columns=columns, file_name="r.csv")
    # then the cell is named with a French message quoting its value, and the library's words are logged
    assert [(error.line, error.column, error.message) for error in table.errors] == [
        (2, "qty", "Valeur illisible : « 12x »."),
    ]
    assert "invalid literal" in caplog.text
