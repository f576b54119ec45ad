"""XLSX exports of a few thousand rows: streamed (write-only), with everything the file had before."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.utils import translation
from openpyxl import load_workbook

from stock import exports
from stock.exports import Column, table_response

ROWS = 3_000
COLUMNS = [
    Column("Mois", "date"),
    Column("Entreprise"),
    Column("Version", "int"),
    Column("En vigueur", "bool"),
    Column("Stock", "int", unit="unités"),
    Column("Couverture", "decimal", 1, unit="mois de ventes"),
    Column("Part", "percent", 1),
]


def _rows(count: int):
    for index in range(count):
        yield (
            dt.date(2026, 1 + index % 12, 1),
            '=HYPERLINK("http://x")' if index == 7 else f"Laboratoire {index}",
            index % 5,
            index % 2 == 0,
            None if index == 9 else -index if index == 11 else index * 3,
            Decimal(index) / 7,
            (index % 100) / 1000,
        )


def _export(count: int = ROWS):
    with translation.override("fr"):
        response = table_response(
            fmt="xlsx", filename="declarations-du-mois-de-septembre-2026", columns=COLUMNS, rows=_rows(count)
        )
    return response, load_workbook(io.BytesIO(response.content))


def test_a_large_xlsx_export_keeps_its_header_title_and_frozen_first_row():
    # when
    response, workbook = _export()
    # then
    assert response["Content-Disposition"] == 'attachment; filename="declarations-du-mois-de-septembre-2026.xlsx"'
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert workbook.sheetnames == ["declarations-du-mois-de-septemb"]  # 31 characters at most
    sheet = workbook.active
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == ROWS + 1 and sheet.max_column == len(COLUMNS)
    header = sheet[1]
    assert [cell.value for cell in header] == [
        "Mois",
        "Entreprise",
        "Version",
        "En vigueur",
        "Stock (unités)",
        "Couverture (mois de ventes)",
        "Part (%)",
    ]
    assert all(cell.font.b for cell in header)
    assert not any(cell.font.b for cell in sheet[2])


def test_a_large_xlsx_export_has_typed_cells_with_their_number_formats():
    # when
    _, workbook = _export()
    sheet = workbook.active
    # then each kind of cell keeps its type and format, on every row
    row = [cell.value for cell in sheet[2 + 2_500]]  # the row of index 2500
    assert row == [dt.datetime(2026, 5, 1), "Laboratoire 2500", 0, "oui", 7_500, 357.1, 0.0]
    assert isinstance(row[2], int) and isinstance(row[4], int) and isinstance(row[5], float)
    assert sheet.cell(row=2 + 3, column=7).value == 0.003 and sheet.cell(row=2 + 3, column=4).value == "non"
    formats = {
        column: {sheet.cell(row=line, column=column).number_format for line in range(2, ROWS + 2)}
        for column in range(1, len(COLUMNS) + 1)
    }
    assert formats == {
        1: {"DD/MM/YYYY"},
        2: {"General"},
        3: {"#,##0"},
        4: {"General"},
        5: {"#,##0"},
        6: {"#,##0.0"},
        7: {"0.0 %"},
    }
    assert all(sheet.cell(row=line, column=1).is_date for line in range(2, ROWS + 2))
    # a missing number stays an empty cell that keeps its format; a negative number is a number
    assert sheet.cell(row=2 + 9, column=5).value is None
    assert sheet.cell(row=2 + 9, column=5).number_format == "#,##0"
    assert sheet.cell(row=2 + 11, column=5).value == -11
    # text that a spreadsheet would run as a formula stays text
    assert sheet.cell(row=2 + 7, column=2).value == '\'=HYPERLINK("http://x")'
    assert sheet.cell(row=2 + 7, column=2).data_type == "s"


def test_the_xlsx_export_streams_its_rows(monkeypatch):
    # given a spy on the workbooks the export opens
    opened = []
    real_workbook = exports.Workbook

    def workbook(*args, **kwargs):
        opened.append(kwargs.get("write_only", False))
        return real_workbook(*args, **kwargs)

    monkeypatch.setattr(exports, "Workbook", workbook)
    # when
    _export(count=10)
    # then: a write-only workbook writes each row once; a normal one kept every cell and, looking up
    # its last row for each new one, took a time growing with the square of the rows (30 s for 7,633)
    assert opened == [True]
