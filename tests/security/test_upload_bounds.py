"""Bounds of every upload (monthly reports, declarations): rows actually present and a row limit named
in the error, cells of bounded length, no macro-enabled workbook, a capped error list, and a time
budget after which the import fails cleanly. In each case nothing is written."""

from __future__ import annotations

import json
import runpy
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from partners.models import SupplyDeclaration
from partners.services.declaration_rows import COLUMN_NAMES
from stock.models import ImportJob, MonthlyReport, StockMovement
from stock.uploads import ColumnSpec, UploadRejected, read_table
from tests import factories
from tests.security.hostile_files import dimension_bomb, macro_workbook

CORPUS = Path(__file__).parent / "corpus"
REPORTS_URL = "/api/v1/monthly-reports/upload/"
DECLARATIONS_URL = "/api/v1/declarations/upload/"
REPORT_HEADER = (CORPUS / "report_header_only.csv").read_bytes()


# import jobs run in the test's process (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("tasks_in_process")


@pytest.fixture
def hospital(personas, api_client_for):
    factories.MedicineFactory(code="M000")
    return api_client_for(personas.hospital_a_user)


@pytest.fixture
def company(personas, api_client_for):
    factories.MedicineFactory(code="M000")
    return api_client_for(personas.company_user)


def report_job(client, capture, name: str, content: bytes) -> dict:
    """Uploads a monthly report; returns the finished job as the API shows it."""
    with capture(execute=True):
        response = client.post(REPORTS_URL, {"file": SimpleUploadedFile(name, content)}, format="multipart")
    assert response.status_code == 202, response.content
    return client.get(f"/api/v1/import-jobs/{response.json()['id']}/").json()


def declarations_refused(client, name: str, content: bytes) -> dict:
    """Uploads declarations, expects the refusal; returns its error body."""
    response = client.post(DECLARATIONS_URL, {"file": SimpleUploadedFile(name, content)}, format="multipart")
    assert response.status_code == 400, response.content[:500]
    return response.json()["error"]


def declaration_csv(lines: list[str]) -> bytes:
    return (";".join(COLUMN_NAMES) + "\n" + "".join(line + "\n" for line in lines)).encode()


def declaration_line(personas, **values) -> str:
    cells = {
        "mois": "2026-01",
        "entreprise": personas.outside_company.organization.name,
        "medicament": "M000",
        "stock": "10",
        "ventes_mensuelles": "5",
    } | values
    return ";".join(str(cells.get(column, "")) for column in COLUMN_NAMES)


def nothing_written() -> bool:
    return not (MonthlyReport.objects.exists() or StockMovement.objects.exists() or SupplyDeclaration.objects.exists())


# --- 1: a workbook that declares a million rows ---------------------------------------------------


@override_settings(UPLOAD_MAX_ROWS=5000)
def test_a_dimension_bomb_report_is_refused_naming_the_row_limit(hospital, django_capture_on_commit_callbacks):
    # when the workbook declaring A1:XFD1048576 with one cell at J1048576 is uploaded
    job = report_job(hospital, django_capture_on_commit_callbacks, "bomb.xlsx", dimension_bomb())

    # then the job failed on the row limit, and nothing was written
    assert job["status"] == "failed"
    assert "5000" in json.dumps(job["errors"]), job["errors"]
    assert nothing_written()


@override_settings(UPLOAD_MAX_ROWS=5000)
def test_a_dimension_bomb_declaration_file_is_refused_naming_the_row_limit(company):
    # when the same workbook is sent as declarations by a company user
    error = declarations_refused(company, "bomb.xlsx", dimension_bomb(header=list(COLUMN_NAMES)))

    # then the answer names the limit, and nothing was written
    assert "5000" in json.dumps(error["rows"]), error
    assert nothing_written()


def test_a_workbook_within_the_limit_is_read_whatever_its_declared_dimension(
    hospital, django_capture_on_commit_callbacks
):
    # given the bomb with a far higher limit than its rows: only the rows present are read
    with override_settings(UPLOAD_MAX_ROWS=2_000_000):
        job = report_job(hospital, django_capture_on_commit_callbacks, "bomb.xlsx", dimension_bomb())

    # then the lone cell is reported on its own line, not a million empty ones
    assert job["status"] == "failed"
    assert {error["line"] for error in job["errors"]} == {1048576}


# --- 7: a cell longer than the CSV reader's own limit ---------------------------------------------


def test_a_report_with_a_huge_cell_names_its_line_and_column(hospital, django_capture_on_commit_callbacks):
    # when the report whose line 3 holds a 140,000-character quantity is uploaded
    content = (CORPUS / "report_long_cell.csv").read_bytes()
    job = report_job(hospital, django_capture_on_commit_callbacks, "long.csv", content)

    # then the cell is named by line and column, in a message of sensible size, and nothing is written
    assert job["status"] == "failed"
    assert [(error["line"], error["column"]) for error in job["errors"]] == [(3, "opening_balance")]
    assert len(json.dumps(job["errors"])) < 1000
    assert nothing_written()


def test_a_declaration_file_with_a_huge_cell_is_refused_naming_its_line_and_column(personas, company):
    # given a declaration file whose second row has a 140,000-character company name
    content = declaration_csv([declaration_line(personas), declaration_line(personas, entreprise="x" * 140_000)])

    # when it is uploaded, then it is refused (not a server error) naming the cell
    error = declarations_refused(company, "long.csv", content)
    assert [(row["line"], row["column"]) for row in error["rows"]] == [(3, "entreprise")]
    assert nothing_written()


def test_a_csv_line_of_millions_of_separators_is_refused_naming_its_line(personas, company):
    # given a declaration file whose third line is 20 million separators (20 MB; it was read as a
    # blank line, after 4.6 s and 280 MB)
    content = declaration_csv([declaration_line(personas), ";" * 20_000_000])

    # when it is uploaded, then it is refused naming the line and the limit, and nothing is written
    error = declarations_refused(company, "wide.csv", content)
    assert [row["line"] for row in error["rows"]] == [3]
    assert "la ligne 3 compte plus de 16384 cellules" in error["rows"][0]["message"]
    assert nothing_written()


def test_a_csv_line_of_millions_of_separators_is_never_split_into_fields():
    # given a file whose second line is 20 million separators
    content = ("a;b\n" + ";" * 20_000_000 + "\n").encode()

    # when it is read while memory is traced
    tracemalloc.start()
    try:
        with pytest.raises(UploadRejected):
            read_table(content, columns=[ColumnSpec("a", "str"), ColumnSpec("b", "str")])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then the reader held the text (and the csv module's copy of it), not a list of 20 million fields
    assert peak < 180 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_a_csv_line_of_quoted_separators_within_a_cell_is_read():
    # given a line whose one quoted cell holds separators (below the line's bound)
    content = ("a;b\n" + '"' + ";" * 9_000 + '";x\n').encode()

    # when it is read
    table = read_table(content, columns=[ColumnSpec("a", "str", max_length=10_000), ColumnSpec("b", "str")])

    # then the cell keeps them
    assert [(row["a"], row["b"]) for row in table.rows] == [(";" * 9_000, "x")]


# --- 13: a macro-enabled workbook under an .xlsx name ---------------------------------------------


@pytest.mark.parametrize(
    "content",
    [macro_workbook(), macro_workbook(content_type=False), macro_workbook(vba_part=False)],
    ids=["both-marks", "vba-part-only", "content-type-only"],
)
def test_a_macro_workbook_report_is_refused_before_it_is_stored(hospital, content, tmp_path):
    # given an empty media folder
    with override_settings(MEDIA_ROOT=tmp_path):
        # when a macro-enabled workbook renamed .xlsx is uploaded
        response = hospital.post(REPORTS_URL, {"file": SimpleUploadedFile("macro.xlsx", content)}, format="multipart")

        # then the request is refused on its file field, with no job and no file kept
        assert response.status_code == 400, response.content
        assert "macro" in json.dumps(response.json()["error"]["fields"]["file"], ensure_ascii=False)
        assert not ImportJob.objects.exists()
        assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_a_macro_workbook_is_refused_on_the_report_upload_page(client, personas, tmp_path):
    # given a signed-in hospital user and an empty media folder
    client.force_login(personas.hospital_a_user)
    with override_settings(MEDIA_ROOT=tmp_path):
        # when the page form receives a macro-enabled workbook
        response = client.post("/stock/reports/upload/", {"file": SimpleUploadedFile("macro.xlsx", macro_workbook())})

        # then the form shows the refusal, and nothing is kept
        assert response.status_code == 200
        assert "macro" in response.content.decode()
        assert not ImportJob.objects.exists()
        assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_a_macro_workbook_of_declarations_is_refused(company):
    # when a company user sends a macro-enabled workbook renamed .xlsx
    error = declarations_refused(company, "macro.xlsx", macro_workbook())

    # then it is refused on its file field before any job, saying why
    assert "macro" in json.dumps(error["fields"]["file"], ensure_ascii=False)
    assert nothing_written() and not ImportJob.objects.exists()


# --- 4: error lists are capped --------------------------------------------------------------------


@override_settings(UPLOAD_MAX_ERRORS=10)
def test_a_report_full_of_bad_rows_keeps_the_first_errors_and_counts_them_all(
    hospital, django_capture_on_commit_callbacks, client, personas
):
    # given 300 rows, each with two bad cells
    content = REPORT_HEADER + b"T-HOSP-A;M000;2026-01;x;50;120;5;0;y;3\n" * 300

    # when it is uploaded
    job = report_job(hospital, django_capture_on_commit_callbacks, "bad.csv", content)

    # then ten errors are kept, then one line saying how many more there were
    assert job["status"] == "failed"
    assert len(job["errors"]) == 11
    assert [error["line"] for error in job["errors"][:10]] == [2, 2, 3, 3, 4, 4, 5, 5, 6, 6]
    assert job["errors"][-1]["line"] is None and "590" in job["errors"][-1]["message"]
    assert job["summary"]["errors_total"] == 600
    # and the job's page counts them all too
    client.force_login(personas.hospital_a_user)
    assert "600 erreurs" in client.get(f"/imports/{job['id']}/").content.decode()


@override_settings(UPLOAD_MAX_ERRORS=10)
def test_a_declaration_file_full_of_bad_rows_answers_the_first_errors_and_the_count(personas, company):
    # given 300 declaration rows with a negative stock
    content = declaration_csv(
        [declaration_line(personas, stock="-1", mois=f"2025-{n % 12 + 1:02d}") for n in range(300)]
    )

    # when it is uploaded
    error = declarations_refused(company, "bad.csv", content)

    # then the answer lists ten errors and says how many more there were
    assert len(error["rows"]) == 11
    assert "290" in error["rows"][-1]["message"]
    assert ImportJob.objects.get().summary["errors_total"] == 300


# --- 1: a time budget for every import ------------------------------------------------------------


@override_settings(IMPORT_TIME_BUDGET_SECONDS=0)
def test_a_report_import_past_its_time_budget_fails_cleanly(hospital, django_capture_on_commit_callbacks):
    # given a good report, and a budget already spent when the import starts
    content = REPORT_HEADER + b"T-HOSP-A;M000;2026-01;100;50;120;5;0;25;3\n"

    # when it is uploaded
    job = report_job(hospital, django_capture_on_commit_callbacks, "ok.csv", content)

    # then the job failed with a French message naming the budget, and nothing was written
    assert job["status"] == "failed"
    assert job["errors"][0]["message"].startswith("Import interrompu")
    assert nothing_written()


@override_settings(UPLOAD_REQUEST_TIME_BUDGET_SECONDS=0)
def test_a_declaration_import_past_its_time_budget_fails_cleanly(personas, company):
    # when a good declaration file meets a spent budget
    error = declarations_refused(company, "ok.csv", declaration_csv([declaration_line(personas)]))

    # then the job failed with the same message, and nothing was written
    assert error["rows"][0]["message"].startswith("Import interrompu")
    assert ImportJob.objects.get().status == "failed"
    assert nothing_written()


def test_the_time_budgets_are_set_below_what_would_cut_the_import_off():
    # the request budget ends a declaration import before gunicorn's timeout cuts the thread off
    gunicorn = runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "gunicorn.conf.py"))

    assert gunicorn["timeout"] > settings.UPLOAD_REQUEST_TIME_BUDGET_SECONDS
    assert settings.IMPORT_TIME_BUDGET_SECONDS < settings.CELERY_TASK_SOFT_TIME_LIMIT
