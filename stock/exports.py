"""CSV and XLSX downloads of page tables, made to open right in a French spreadsheet.

Each column says what its cells are (:class:`Column`): text, a code, a whole number, a decimal or a
share rounded to a few digits, a date or yes/no, with its unit in the header ("Mois de stock
(mois)"). Labels and codes go in columns of their own ("Niveau" = "Élevé", "Code niveau" = "high").

- CSV in the page's language: for French (and Arabic, written the Moroccan way) a ``;`` separator,
  a decimal comma, dates as dd/mm/yyyy and a UTF-8 byte order mark, which French Excel reads as
  numbers and dates; elsewhere ``,`` and a decimal point.
- XLSX: numbers are number cells with a number format (``0.0``, ``0.0 %``), dates are date cells.

Cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return) are prefixed with a single quote, so an exported name such as ``=HYPERLINK(...)``
stays text. Numbers are written as numbers (a negative number is not text, so it is not touched).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = ("csv", "xlsx")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_LINKS = ((_("Export CSV"), "csv"), (_("Export Excel"), "xlsx"))
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("text", "int", "decimal", "percent", "date", "bool")


@dataclass(frozen=True)
class Column:
    """One exported column: its header (French), the kind of its cells, the digits kept after the
    decimal separator and the unit shown in the header. A ``percent`` cell holds a share (0.42)
    shown as 42 %."""

    header: Any
    kind: str = "text"
    digits: int = 0
    unit: Any = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r}; expected one of {KINDS}.")

    @property
    def title(self) -> str:
        unit = "%" if self.kind == "percent" else str(self.unit)
        return f"{self.header} ({unit})" if unit else str(self.header)

    @property
    def number_format(self) -> str | None:
        decimals = "." + "0" * self.digits if self.digits else ""
        return {
            "int": "#,##0",
            "decimal": f"#,##0{decimals}",
            "percent": f"0{decimals} %",
            "date": "DD/MM/YYYY",
        }.get(self.kind)


def safe_cell(value: Any) -> Any:
    """A value fit for a spreadsheet cell: text that starts like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("oui") if value else gettext("non")
    if isinstance(value, int | float | Decimal | dt.date):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _rounded(value: Any, digits: int) -> Decimal | None:
    """Rounded half up, as a person rounds (0.85 -> 0.9), or None for a missing or non-finite value."""
    if value is None or value == "" or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _xlsx_value(column: Column, value: Any) -> Any:
    if column.kind in ("int", "decimal"):
        number = _rounded(value, column.digits)
        return None if number is None else (int(number) if column.digits == 0 else float(number))
    if column.kind == "percent":
        number = _rounded(value, column.digits + 2)
        return None if number is None else float(number)
    if column.kind == "bool":
        return "" if value is None else safe_cell(bool(value))
    if column.kind == "date":
        return value if isinstance(value, dt.date) else safe_cell(value)
    return safe_cell(value)


def _csv_value(column: Column, value: Any, *, decimal_separator: str) -> str:
    if column.kind in ("int", "decimal", "percent"):
        share = column.kind == "percent"
        number = _rounded(value * 100 if share and value not in (None, "") else value, column.digits)
        return "" if number is None else str(number).replace(".", decimal_separator)
    if column.kind == "date" and isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y") if decimal_separator == "," else value.isoformat()
    if column.kind == "bool":
        return "" if value is None else str(safe_cell(bool(value)))
    return str(safe_cell(value))


def _as_column(column: Column | str) -> Column:
    return column if isinstance(column, Column) else Column(column)


def _xlsx_bytes(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    """The workbook, streamed row by row (write-only mode), so that its time grows with its rows: a
    bold header row frozen above the data, and each number or date cell with its column's format."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    sheet.freeze_panes = "A2"  # the sheet's view is written with the first row: set it before
    sheet.append([_styled_cell(sheet, safe_cell(column.title), font=Font(bold=True)) for column in columns])
    for row in rows:
        sheet.append(
            [
                _styled_cell(sheet, _xlsx_value(column, value), number_format=column.number_format)
                for column, value in zip(columns, row, strict=True)
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _styled_cell(sheet: Any, value: Any, *, font: Font | None = None, number_format: str | None = None) -> Any:
    """``value`` as a cell of a write-only sheet, with its style; a plain value when it has none."""
    if font is None and number_format is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    if number_format is not None:
        cell.number_format = number_format
    return cell


def table_response(
    *, fmt: str, filename: str, columns: Sequence[Column | str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A download of ``rows`` under ``columns`` (a plain string is a text column) as CSV or XLSX;
    ``filename`` has no extension."""
    columns = [_as_column(column) for column in columns]
    if fmt == "xlsx":
        response = HttpResponse(_xlsx_bytes(columns, rows, title=filename[:31]), content_type=XLSX_CONTENT_TYPE)
    else:
        decimal_separator = formats.get_format("DECIMAL_SEPARATOR")
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";" if decimal_separator == "," else ",", lineterminator="\r\n")
        writer.writerow([safe_cell(column.title) for column in columns])
        for row in rows:
            writer.writerow(
                [
                    _csv_value(column, value, decimal_separator=decimal_separator)
                    for column, value in zip(columns, row, strict=True)
                ]
            )
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def export_format(request: Any) -> str | None:
    """The export format asked for with ``?format=csv|xlsx``, or None for the HTML page."""
    fmt = request.GET.get("format")
    return fmt if fmt in FORMATS else None
