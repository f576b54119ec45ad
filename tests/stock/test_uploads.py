"""The generic upload reader: encodings, headers, typed cells and per-row errors."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from stock.uploads import ColumnSpec, UploadRejected, read_table, template_csv, template_workbook

COLUMNS = [
    ColumnSpec("code"),
    ColumnSpec("month", kind="month"),
    ColumnSpec("quantity", kind="int", min_value=0),
    ColumnSpec("reason", required=False, optional_column=True, choices=("expired", "damaged"), default="expired"),
]


def test_it_reads_utf8_with_bom_and_semicolons():
    # given
    data = "\ufeffcode;month;quantity\r\nCSÉ-1;2026-03;1 200\r\n;;\r\nB;03/2026;7\r\n".encode()

    # when
    table = read_table(data, columns=COLUMNS, file_name="report.csv")

    # then
    assert table.errors == [] and table.warnings == []
    assert table.rows[0] == {
        "_line": 2,
        "code": "CSÉ-1",
        "month": dt.date(2026, 3, 1),
        "quantity": 1200,
        "reason": "expired",
    }
    assert table.rows[1]["_line"] == 4


def test_it_falls_back_to_windows_1252_and_says_so():
    data = "code,month,quantity\nCSÉ,2026-03,3\n".encode("cp1252")

    table = read_table(data, columns=COLUMNS, file_name="report.csv")

    assert table.rows[0]["code"] == "CSÉ"
    assert table.encoding == "cp1252"
    assert "UTF-8" in table.warnings[0]


def test_it_names_missing_and_unknown_columns():
    with pytest.raises(UploadRejected) as rejected:
        read_table(b"code;qty\nA;1\n", columns=COLUMNS, file_name="r.csv")

    messages = " ".join(error.message for error in rejected.value.errors)
    assert "month" in messages and "quantity" in messages and "qty" in messages


def test_it_reports_every_bad_cell_with_line_and_column():
    data = b"code;month;quantity;reason\nA;2026-13;-1;stolen\nB;2026-01;2.5;\n"

    table = read_table(data, columns=COLUMNS, file_name="r.csv")

    assert table.rows == []
    assert {(error.line, error.column) for error in table.errors} == {
        (2, "month"),
        (2, "quantity"),
        (2, "reason"),
        (3, "quantity"),
    }


def test_it_rejects_a_file_over_the_size_limit():
    with pytest.raises(UploadRejected, match="volumineux"):
        read_table(b"code;month;quantity\n" + b"A;2026-01;1\n" * 100, columns=COLUMNS, file_name="r.csv", max_bytes=100)


def test_it_rejects_an_unknown_format():
    with pytest.raises(UploadRejected, match="csv"):
        read_table(b"whatever", columns=COLUMNS, file_name="r.pdf")


def test_it_reads_xlsx_with_excel_dates_and_numbers():
    workbook = Workbook()
    workbook.active.append(["Code", "MONTH", "quantity"])
    workbook.active.append(["A", dt.datetime(2026, 2, 17), 12.0])
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read_table(buffer.getvalue(), columns=COLUMNS, file_name="r.xlsx")

    assert table.errors == []
    assert table.rows[0]["month"] == dt.date(2026, 2, 1) and table.rows[0]["quantity"] == 12


def test_templates_carry_the_headers_and_read_back():
    example = {"code": "A", "month": "2026-03", "quantity": 4}

    workbook = load_workbook(io.BytesIO(template_workbook(COLUMNS, examples=[example])))
    template = template_csv(COLUMNS, examples=[example])
    with pytest.raises(UploadRejected) as untouched:
        read_table(template, columns=COLUMNS, file_name="t.csv")
    filled = read_table(template.replace(b"EXEMPLE ", b""), columns=COLUMNS, file_name="t.csv")

    assert [cell.value for cell in workbook.worksheets[0][1]] == ["code", "month", "quantity", "reason"]
    assert workbook.worksheets[0]["A2"].value == "EXEMPLE A"
    assert "ligne d'exemple" in untouched.value.errors[0].message
    assert filled.errors == [] and filled.rows[0]["quantity"] == 4
