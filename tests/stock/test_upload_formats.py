"""Every upload (monthly reports and declarations, API and pages) takes a .csv text or an .xlsx
workbook, told by the file's name and checked in its content; anything else is refused on the file
field, naming the field and the accepted formats, before any job is made or any file is kept."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook

from partners.models import SupplyDeclaration
from stock.models import ImportJob, MonthlyReport
from stock.uploads import ColumnSpec, UploadRejected, read_table
from stock.uploads.formats import MACROS, NOT_A_WORKBOOK, suffix_of, text_encoding, workbook_fault
from stock.uploads.limits import MAX_WHOLE_PART_BYTES
from tests import factories
from tests.security.hostile_files import macro_workbook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

ACCEPTED = "Formats acceptés : .csv (texte en UTF-8 ou Windows-1252) ou .xlsx (classeur Excel sans macro)."
REPORT_HEADER = (
    "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days"
)
REPORT_CSV = f"{REPORT_HEADER}\nT-HOSP-A;M000;2026-01;100;50;120;5;0;25;3\n".encode()
# (who uploads, where, the file field as the refusal names it)
ROUTES = {
    "reports-api": ("hospital_a_user", "/api/v1/monthly-reports/upload/", "file"),
    "declarations-api": ("company_user", "/api/v1/declarations/upload/", "file"),
    "reports-page": ("hospital_a_user", "/stock/reports/upload/", "Fichier (.csv ou .xlsx)"),
    "declarations-page": ("company_user", "/declarations/import/", "Fichier CSV ou XLSX"),
}


def workbook_bytes() -> bytes:
    """A workbook of the report's header row."""
    workbook = Workbook()
    workbook.active.append(REPORT_HEADER.split(";"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_of(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def without_part(data: bytes, name: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    return zip_of({part: source.read(part) for part in source.namelist() if part != name})


DOCUMENT = zip_of(
    {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.wordprocessingml.document.main+xml"/></Types>',
        "word/document.xml": b"<document/>",
    }
)


@pytest.fixture
def send(personas, api_client_for, client, tmp_path):
    """``send(route, name, content)``: uploads the file; returns the status and the file field's errors."""
    factories.MedicineFactory(code="M000")

    def post(route: str, name: str, content: bytes) -> tuple[int, list[str]]:
        persona, url, _field = ROUTES[route]
        user = getattr(personas, persona)
        upload = SimpleUploadedFile(name, content)
        with override_settings(MEDIA_ROOT=tmp_path):
            if route.endswith("-api"):
                response = api_client_for(user).post(url, {"file": upload}, format="multipart")
                fields = response.json()["error"]["fields"] if response.status_code == 400 else {}
                return response.status_code, fields.get("file", [])
            client.force_login(user)
            response = client.post(url, {"file": upload})
            form = response.context["form"] if response.context else None
            return response.status_code, list(form.errors.get("file", [])) if form is not None else []

    return post


def nothing_kept(tmp_path) -> bool:
    return not (
        ImportJob.objects.exists()
        or MonthlyReport.objects.exists()
        or SupplyDeclaration.objects.exists()
        or any(path.is_file() for path in tmp_path.rglob("*"))
    )


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("r.txt", REPORT_CSV, id="csv-text-named-txt"),
        pytest.param("rapport", REPORT_CSV, id="no-extension"),
        pytest.param("rapport.xls", REPORT_CSV, id="old-excel-name"),
        pytest.param("rapport.xlsm", macro_workbook(), id="xlsm-name"),
        pytest.param("rapport.csv.exe", REPORT_CSV, id="double-extension"),
    ],
)
def test_a_file_of_another_format_is_refused_naming_the_field_and_the_formats(route, name, content, send, tmp_path):
    # when a file whose name is neither .csv nor .xlsx is uploaded
    status, errors = send(route, name, content)

    # then the request is refused on the file field, naming the field, the file and the accepted formats
    assert status == (400 if route.endswith("-api") else 200)
    field = ROUTES[route][2]
    assert errors == [f"Champ « {field} », fichier « {name} » : format non accepté. {ACCEPTED}"]
    # and no job was made, no file kept, nothing written
    assert nothing_kept(tmp_path)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        pytest.param("rapport.csv", workbook_bytes(), "ce n'est pas un texte", id="workbook-named-csv"),
        pytest.param("rapport.csv", REPORT_CSV.decode().encode("utf-16"), "UTF-16", id="utf16-csv"),
        pytest.param("rapport.csv", REPORT_CSV + b"\x01\x02\x03\n", "ce n'est pas un texte", id="control-bytes"),
        # 0x81 is neither UTF-8 here nor Windows-1252
        pytest.param("rapport.csv", REPORT_CSV + b"\xe9\x81\n", "ce n'est pas un texte", id="neither-encoding"),
        pytest.param("rapport.xlsx", REPORT_CSV, "ce n'est pas un classeur Excel", id="text-named-xlsx"),
        pytest.param("rapport.xlsx", DOCUMENT, "ce n'est pas un classeur Excel", id="word-document-named-xlsx"),
        pytest.param(
            "rapport.xlsx",
            without_part(workbook_bytes(), "xl/workbook.xml"),
            "ce n'est pas un classeur Excel",
            id="workbook-part-missing",
        ),
        pytest.param("rapport.xlsx", macro_workbook(), "classeur avec macros", id="macros"),
    ],
)
def test_a_file_whose_content_is_not_of_its_format_is_refused(route, name, content, reason, send, tmp_path):
    # when a file named .csv or .xlsx whose content is not of that format is uploaded
    status, errors = send(route, name, content)

    # then it is refused on the file field, saying why, with the accepted formats, before any job
    assert status == (400 if route.endswith("-api") else 200)
    [message] = errors
    assert message.startswith(f"Champ « {ROUTES[route][2]} », fichier « {name} » : "), message
    assert reason in message and ACCEPTED in message, message
    assert nothing_kept(tmp_path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("rapport.csv", REPORT_CSV, id="utf8"),
        pytest.param("RAPPORT.CSV", b"\xef\xbb\xbf" + REPORT_CSV, id="upper-case-name-and-bom"),
        pytest.param("rapport.csv", REPORT_CSV + "# é\n".encode("cp1252"), id="windows-1252"),
        pytest.param("rapport.xlsx", workbook_bytes(), id="workbook"),
    ],
)
def test_a_csv_or_xlsx_file_is_accepted_and_its_job_made(name, content, send):
    # when a file of an accepted format is uploaded
    status, errors = send("reports-api", name, content)

    # then the import job is made
    assert (status, errors) == (202, [])
    assert ImportJob.objects.get().file_name == name


def test_the_text_check_reads_utf8_across_chunks_and_tells_windows_1252():
    # a character cut between two chunks is UTF-8 still
    assert text_encoding([b"caf\xc3", b"\xa9;1\n"]) == "utf-8"
    assert text_encoding([b"\xef\xbb\xbfa;b\n"]) == "utf-8"
    assert text_encoding([b"caf\xe9;1\n"]) == "cp1252"
    # a sequence cut at the end of the file is not UTF-8, but Windows-1252 reads it
    assert text_encoding([b"caf\xc3"]) == "cp1252"
    # control characters, or a byte neither encoding reads
    assert text_encoding([b"a;b\n", b"\x00"]) is None
    assert text_encoding([b"a\x1fb"]) is None
    assert text_encoding([b"\x81\xe9"]) is None


def manifest_bomb(megabytes: int) -> bytes:
    """A workbook whose manifest unpacks to ``megabytes`` MB (spaces before its root), a few hundred KB zipped."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            if name != "[Content_Types].xml":
                archive.writestr(name, source.read(name))
        with archive.open("[Content_Types].xml", "w", force_zip64=True) as manifest:
            for _ in range(megabytes):
                manifest.write(b" " * 1024 * 1024)
            root = source.read("[Content_Types].xml")
            manifest.write(root[root.index(b"<Types") :])
    return buffer.getvalue()


def test_the_workbook_check_reads_the_manifest_within_its_bound():
    # given a sound workbook, and one whose manifest unpacks to 64 MB (it was unpacked whole, in the
    # request, by the check for macros)
    data, bomb = workbook_bytes(), manifest_bomb(64)
    assert len(bomb) < 200_000

    # when the bomb is checked while memory is traced
    tracemalloc.start()
    try:
        fault = workbook_fault(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then it is refused without being unpacked; a sound workbook passes, one without its parts not
    assert fault == NOT_A_WORKBOOK
    assert peak < 2 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert MAX_WHOLE_PART_BYTES < 64 * 1024 * 1024
    assert workbook_fault(data) is None
    assert workbook_fault(without_part(data, "xl/_rels/workbook.xml.rels")) == NOT_A_WORKBOOK
    assert workbook_fault(macro_workbook(vba_part=False)) == MACROS


def test_a_workbook_whose_manifest_is_a_bomb_is_refused_before_any_job(send, tmp_path):
    # when it is uploaded (it passed the check, then failed in its job)
    status, errors = send("reports-api", "bomb.xlsx", manifest_bomb(64))

    # then the request is refused on its file field
    assert status == 400
    assert "ce n'est pas un classeur Excel .xlsx lisible" in errors[0]
    assert nothing_kept(tmp_path)


def test_a_name_gives_its_extension_only():
    assert suffix_of("imports/2026/03/Rapport.CSV") == ".csv"
    assert suffix_of("C:\\mes.docs\\rapport") == ""
    assert suffix_of("rapport.xlsx") == ".xlsx"


def test_the_reader_refuses_a_txt_name_too():
    # given the rows of a CSV file under a .txt name (it was read as CSV)
    columns = [ColumnSpec("code"), ColumnSpec("qty", kind="int")]

    # then the reader refuses it as the upload forms do; under a .csv name it reads it
    with pytest.raises(UploadRejected, match="Format non pris en charge"):
        read_table(b"code;qty\nA;1\n", columns=columns, file_name="r.txt")
    assert read_table(b"code;qty\nA;1\n", columns=columns, file_name="r.csv").rows[0]["qty"] == 1
