"""Workbooks of a few kilobytes that tied a worker up (review: a row numbered 10^12 after the header,
70 hours; one row of three million cells, 1.2 GB) are refused at once, by every caller of the
reader, and the time budget runs while a sheet is read even when no row holds a value.

Each read runs under :func:`finishes_within`: without the bounds it would run for minutes or
hours, so the test fails on the alarm instead of hanging."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import signal
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from partners.models import SupplyDeclaration
from partners.services.declaration_rows import COLUMN_NAMES
from partners.services.declaration_rows import COLUMNS as DECLARATION_COLUMNS
from stock.models import MonthlyReport, StockMovement
from stock.services.reports import REPORT_COLUMNS
from stock.uploads import ColumnSpec, UploadRejected, _xlsx_records, read_table
from stock.uploads.budget import ImportTimeExceeded, import_budget
from stock.uploads.limits import MAX_COLUMNS, MAX_ROW_CELLS
from tests import factories
from tests.security.hostile_files import REPORT_HEADER, REPORT_ROW
from tests.security.xlsx_row_bombs import (
    defined_names_flood,
    empty_rows_flood,
    shared_strings_flood,
    sheet_workbook,
    sparse_row_bomb,
    styles_flood,
    values_row,
    wide_row_bomb,
    wide_second_sheet,
)

REPORTS_URL = "/api/v1/monthly-reports/upload/"
DECLARATIONS_URL = "/api/v1/declarations/upload/"
ROW_LIMIT_MESSAGE = "au plus 100000 lignes de données par fichier (limite UPLOAD_MAX_ROWS)"


class StillRunning(BaseException):
    """Raised by the alarm into a read that outlived its allowance (a BaseException, so that no
    ``except Exception`` of the code under test turns it into an ordinary refusal)."""


@contextmanager
def finishes_within(seconds: float) -> Iterator[None]:
    """Fails the test once the block has run for ``seconds`` (the alarm interrupts it)."""

    def expire(signum, frame):
        raise StillRunning

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except StillRunning:
        # pytrace=False: the interrupted frames can lack a line number, which pytest cannot print
        pytest.fail(f"still running after {seconds} s", pytrace=False)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def traced(read: Callable[[], Any]) -> tuple[Any, int]:
    """What ``read()`` returns, and the peak of the memory it allocated, in bytes."""
    tracemalloc.start()
    try:
        result = read()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refusal(content: bytes, columns=DECLARATION_COLUMNS) -> UploadRejected:
    """The refusal of ``content`` read as an .xlsx. The alarm only keeps a reader without its bounds
    from hanging the suite (it ran for hours): no timing is asserted."""
    with finishes_within(60), pytest.raises(UploadRejected) as rejected:
        read_table(content, columns=columns, file_name="bomb.xlsx")
    return rejected.value


# --- the reader itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("row", [10**9, 10**12])
def test_a_value_on_a_row_numbered_far_past_the_limit_is_refused_at_once(row):
    # given the review's file: the header, then one cell on row 10^9 or 10^12 (1.6 KB)
    content = sparse_row_bomb(list(COLUMN_NAMES), row=row)

    # when it is read
    rejected = refusal(content)

    # then it is refused with the row limit named, on that line, without walking the rows between
    (error,) = rejected.errors
    assert error.line == row and ROW_LIMIT_MESSAGE in error.message


def test_a_row_of_three_million_cells_is_refused_with_bounded_memory():
    # given the review's file: the header, then one row of three million <c/> (13 KB)
    content = wide_row_bomb(list(COLUMN_NAMES), cells=3_000_000)

    # when it is read while memory is traced
    rejected, peak = traced(lambda: refusal(content))

    # then the row is refused, naming its line and Excel's limit, after a few megabytes at most
    (error,) = rejected.errors
    assert error.line is None  # file-level: the declarations upload does not read the header again
    assert "ligne 2 compte plus de 16384 cellules" in error.message
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_cells_right_of_the_columns_read_and_empty_rows_far_away_are_skipped():
    # given a report workbook saved by openpyxl (numbers, a date), with two additions: a cell at
    # column XFD on the data row, and an empty formatted row numbered 10^9 after it
    workbook = Workbook()
    workbook.active.append(REPORT_HEADER)
    workbook.active.append(REPORT_ROW)
    workbook.active["C2"].value = dt.datetime(2026, 1, 17)
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = _sheet_changed(
        buffer.getvalue(),
        lambda xml: xml.replace(b"</row></sheetData>", b'<c r="XFD2"><v>7</v></c></row></sheetData>').replace(
            b"</sheetData>", b'<row r="1000000000" s="1" customFormat="1"/></sheetData>'
        ),
    )

    # when it is read
    with finishes_within(10):
        table = read_table(content, columns=REPORT_COLUMNS, file_name="report.xlsx")

    # then the one data row is read, its date as the month, and nothing else
    assert table.errors == []
    assert [row["_line"] for row in table.rows] == [2]
    assert table.rows[0]["month"].isoformat() == "2026-01-01" and table.rows[0]["stockout_days"] == 3


def openpyxl_workbook() -> bytes:
    """Saved by openpyxl: inline and rich texts, numbers, a date, a boolean, a formula without a
    cached value, a gap of empty rows, and a value right of the columns read."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["a", "b", "c", "d"])
    sheet.append(["x", 1, 2.5, dt.datetime(2026, 3, 4, 5, 6)])
    sheet.append([None, True, "=1+1", "  é & <b> x005F_\n "])
    sheet["A3"] = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")])
    sheet.cell(row=9, column=2, value="after a gap")
    sheet.cell(row=9, column=MAX_COLUMNS + 3, value="far right")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def shared_strings_workbook() -> bytes:
    """As Excel writes it: shared texts (plain, spaced, rich, with a phonetic reading, empty), cached
    formula values, booleans, errors, rows and cells without a reference, a cell right of the
    columns read, and a row numbered below the one before it (openpyxl leaves it out)."""
    strings = [
        "<si><t>a</t></si>",
        '<si><t xml:space="preserve">  é &amp; &lt;b&gt; x005F_x \n </t></si>',
        '<si><r><t xml:space="preserve">plain </t></r><r><rPr><b/></rPr><t>bold</t></r></si>',
        '<si><t>漢字</t><rPh sb="0" eb="2"><t>カンジ</t></rPh><phoneticPr fontId="1"/></si>',
        "<si><t/></si>",
        "<si/>",
    ]
    rows = [
        '<row r="1">' + "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCD")) + "</row>",
        '<row r="2" spans="1:6"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c><c r="C2"><v>3</v></c>'
        '<c r="D2" t="b"><v>1</v></c><c r="E2" t="e"><v>#N/A</v></c><c r="F2" t="str"><f>"ca"&amp;"lc"</f><v>calc</v></c>'
        "</row>",
        '<row><c t="s"><v>0</v></c><c><v>7</v></c></row>',
        '<row r="5"><c r="A5"><v>1.5</v></c><c r="BZ5" t="s"><v>0</v></c></row>',
        '<row r="4"><c r="A4"><v>9</v></c></row>',
    ]
    return sheet_workbook(rows, shared_strings=strings)


def styled_workbook() -> bytes:
    """Numbers under built-in and custom formats, as Excel writes them: a built-in date (14), custom
    date and duration formats (164, 165), a custom number format (166) and the built-in duration
    (46); with a differential format and a cell style that name format 164 too, which no cell
    format of ``<cellXfs>`` is."""
    styles = [
        '<numFmts count="3"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
        '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/><numFmt numFmtId="166" formatCode="#,##0.000"/></numFmts>',
        '<fonts count="1"><font><sz val="11"/></font></fonts>',
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>',
        '<borders count="1"><border/></borders>',
        '<cellStyleXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellStyleXfs>',
        '<cellXfs count="7"><xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="164" xfId="0"/><xf numFmtId="165" xfId="0"/><xf numFmtId="166" xfId="0"/>'
        '<xf numFmtId="46" xfId="0"/><xf xfId="1"/></cellXfs>',
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>',
        '<dxfs count="1"><dxf><numFmt numFmtId="167" formatCode="yyyy"/></dxf></dxfs>',
    ]
    cells = "".join(f'<c r="{letter}1" s="{style}"><v>45354.25</v></c>' for style, letter in enumerate("ABCDEFG"))
    return sheet_workbook([f'<row r="1">{cells}</row>'], styles=styles)


@pytest.mark.parametrize("make", [openpyxl_workbook, shared_strings_workbook, styled_workbook])
def test_the_reader_sees_what_openpyxl_sees_in_an_ordinary_workbook(make):
    # given an ordinary workbook (a regression guard: no bomb here)
    content = make()

    # when both read it
    ours = list(_xlsx_records(content))
    theirs = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    theirs.reset_dimensions()
    expected = [
        (line, list(values))
        for line, values in enumerate(theirs.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1)
        if any(value is not None for value in values)
    ]

    # then they agree, line numbers included
    assert ours == expected
    assert [line for line, _ in ours] in ([1, 2, 3, 9], [1, 2, 3, 5], [1])


def test_cell_formats_show_dates_and_durations_as_their_number_formats_say():
    # given one number under seven cell formats (none, built-in date, custom date, custom duration,
    # custom number, built-in duration, and a cell format that only its cell style dates)
    content = styled_workbook()

    # when it is read
    ((line, values),) = list(_xlsx_records(content))

    # then the dates are dates, the durations durations and the others the number
    when, lasting = dt.datetime(2024, 3, 3, 6, 0), dt.timedelta(days=45354, hours=6)
    assert values[:7] == [45354.25, when, when, lasting, 45354.25, lasting, 45354.25]


def test_a_stylesheet_of_300000_cell_formats_is_refused_without_building_it():
    # given the header, and a stylesheet of 300,000 cell formats that no cell uses (15 KB; it cost 6 s
    # and 220 MB when openpyxl built its style model)
    content = styles_flood(list(COLUMN_NAMES), cell_formats=300_000)

    # when it is read while memory is traced
    rejected, peak = traced(lambda: refusal(content))

    # then it is refused as a damaged workbook (Excel stops at 65,490 cell formats), in a few megabytes
    (error,) = rejected.errors
    assert error.message.startswith("Classeur Excel illisible")
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_a_stylesheet_within_excels_limit_is_read_as_it_streams():
    # given the header, then a data row, and a stylesheet of 60,000 cell formats (within Excel's limit)
    content = styles_flood(list(COLUMN_NAMES), cell_formats=60_000)

    # when it is read while memory is traced
    with finishes_within(10):
        rows, peak = traced(lambda: list(_xlsx_records(content)))

    # then the header is read, and the stylesheet never held whole
    assert rows == [(1, list(COLUMN_NAMES) + [None] * (MAX_COLUMNS - len(COLUMN_NAMES)))]
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_a_workbook_part_of_300000_defined_names_is_refused_before_it_is_parsed():
    # given the header, and a workbook part of 300,000 defined names (38 KB zipped, 12 MB unpacked;
    # 6 s and 217 MB when openpyxl parsed it)
    content = defined_names_flood(list(COLUMN_NAMES), names=300_000)

    # when it is read while memory is traced
    rejected, peak = traced(lambda: refusal(content))

    # then it is refused as a damaged workbook, the part never unpacked
    (error,) = rejected.errors
    assert error.message.startswith("Classeur Excel illisible")
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


@override_settings(UPLOAD_MAX_ROWS=100)
def test_a_flood_of_empty_rows_is_refused_once_the_sheet_passes_its_element_limit():
    # given the header, then a million empty rows (10 KB): nothing for the row limit to see
    content = empty_rows_flood(list(COLUMN_NAMES), rows=1_000_000)

    # when it is read with room for 100 lines
    rejected = refusal(content)

    # then it is refused, naming the limit (101 lines of 256 elements), well before the end
    (error,) = rejected.errors
    assert "plus de 25856 éléments" in error.message and "100 lignes" in error.message


@override_settings(UPLOAD_MAX_ROWS=100)
def test_a_flood_of_shared_strings_is_refused_within_the_same_element_limit():
    # given the header, and a shared strings table of a million unused texts (40 KB)
    content = shared_strings_flood(list(COLUMN_NAMES), strings=1_000_000)

    # when it is read with room for 100 lines
    rejected = refusal(content)

    # then it is refused on the same limit, before the sheet is even opened
    (error,) = rejected.errors
    assert "plus de 25856 éléments" in error.message


def test_the_time_budget_runs_while_a_sheet_of_empty_rows_is_read():
    # given the header, then 100,000 empty rows: no line for the reading loop to count
    content = empty_rows_flood(list(COLUMN_NAMES), rows=100_000)

    # when it is read with its budget already spent
    with finishes_within(10), import_budget(seconds=0), pytest.raises(ImportTimeExceeded):
        read_table(content, columns=DECLARATION_COLUMNS, file_name="empty.xlsx")


def test_the_header_read_is_given_to_callers_that_check_more_of_it():
    # given a workbook whose second sheet is a row of a million cells, and a CSV, both without "stock"
    names = [name for name in COLUMN_NAMES if name != "stock"]
    workbook = wide_second_sheet([name.upper() for name in names], cells=1_000_000)
    csv = (";".join(names) + "\n").encode()

    # when each is read
    for content, file_name in ((workbook, "d.xlsx"), (csv, "d.csv")):
        with finishes_within(10), pytest.raises(UploadRejected) as rejected:
            read_table(content, columns=DECLARATION_COLUMNS, file_name=file_name)

        # then the refusal names the missing column and carries the header as read, so that the
        # declarations upload needs not open the workbook again (openpyxl would walk the second sheet)
        assert rejected.value.errors[0].message == "Colonnes manquantes : stock."
        assert rejected.value.header == names
    assert read_table(csv + b"x\n", columns=[ColumnSpec(name, required=False) for name in names]).header == names


# --- every caller: declarations (in the request), monthly reports (in a job) -----------------------


@pytest.fixture
def company(personas, api_client_for):
    factories.MedicineFactory(code="M000")
    return api_client_for(personas.company_user)


@pytest.fixture
def hospital(personas, api_client_for):
    factories.MedicineFactory(code="M000")
    return api_client_for(personas.hospital_a_user)


def nothing_written() -> bool:
    return not (MonthlyReport.objects.exists() or StockMovement.objects.exists() or SupplyDeclaration.objects.exists())


def declarations_refused(client, content: bytes) -> dict:
    with finishes_within(20):
        response = client.post(DECLARATIONS_URL, {"file": SimpleUploadedFile("bomb.xlsx", content)}, format="multipart")
    assert response.status_code == 400, response.content[:500]
    return response.json()["error"]


def test_a_sparse_row_bomb_of_declarations_is_refused_naming_the_row_limit(company):
    # when the review's file is sent as declarations
    error = declarations_refused(company, sparse_row_bomb(list(COLUMN_NAMES), row=10**12))

    # then the answer names the limit and the line, and nothing was written
    assert ROW_LIMIT_MESSAGE in json.dumps(error["rows"], ensure_ascii=False), error
    assert nothing_written()


def test_a_declaration_file_whose_header_row_holds_millions_of_cells_is_refused(company):
    # when the header row itself ends with three million <c/>
    error = declarations_refused(company, wide_row_bomb(list(COLUMN_NAMES), cells=3_000_000, row=1))

    # then the answer names the row and Excel's limit (the header is not read a second time)
    assert f"ligne 1 compte plus de {MAX_ROW_CELLS} cellules" in json.dumps(error["rows"], ensure_ascii=False)
    assert nothing_written()


def test_a_declaration_file_is_not_opened_again_past_its_first_sheet(company):
    # given a first sheet whose header lacks "stock", and a damaged second sheet that the reader
    # never opens
    names = [name for name in COLUMN_NAMES if name != "stock"]
    content = sheet_workbook([values_row(1, names)], second_sheet=['<row r="1"><c r="A1"><v>1</v></row>'])

    # when it is sent as declarations
    error = declarations_refused(company, content)

    # then the missing column is named (and the second sheet was not read)
    assert "Colonnes manquantes : stock." in json.dumps(error["rows"], ensure_ascii=False)


@pytest.mark.usefixtures("tasks_in_process")
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (sparse_row_bomb(REPORT_HEADER, row=10**12), ROW_LIMIT_MESSAGE),
        (wide_row_bomb(REPORT_HEADER, cells=3_000_000), f"ligne 2 compte plus de {MAX_ROW_CELLS} cellules"),
    ],
    ids=["sparse", "wide"],
)
def test_a_report_bomb_fails_its_job_at_once(hospital, django_capture_on_commit_callbacks, content, expected):
    # when the bomb is uploaded as a monthly report, and its job runs
    with finishes_within(20), django_capture_on_commit_callbacks(execute=True):
        response = hospital.post(REPORTS_URL, {"file": SimpleUploadedFile("bomb.xlsx", content)}, format="multipart")
    assert response.status_code == 202, response.content
    job = hospital.get(f"/api/v1/import-jobs/{response.json()['id']}/").json()

    # then the job failed with the bound named, and nothing was written
    assert job["status"] == "failed"
    assert expected in json.dumps(job["errors"], ensure_ascii=False), job["errors"]
    assert nothing_written()


def _sheet_changed(data: bytes, change) -> bytes:
    """A copy of the workbook ``data`` whose first sheet's XML went through ``change``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                changed = change(content)
                assert changed != content and re.search(rb"XFD2|1000000000", changed)
                content = changed
            target.writestr(info.filename, content)
    return out.getvalue()
