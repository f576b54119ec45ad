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


def table_response(
    *, fmt: str, filename: str, columns: Sequence[Column | str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A download of ``rows`` under ``columns`` (a plain string is a text column) as CSV or XLSX;
    ``filename`` has no extension."""
    columns = [_as_column(column) for column in columns]
    if fmt == "xlsx":
        workbook = Workbook(write_only=False)
        sheet = workbook.active
        sheet.title = filename[:31]
        sheet.append([safe_cell(column.title) for column in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        formats_by_index = {index: column.number_format for index, column in enumerate(columns, start=1)}
        for row in rows:
            sheet.append([_xlsx_value(column, value) for column, value in zip(columns, row, strict=True)])
            for index, number_format in formats_by_index.items():
                if number_format:
                    sheet.cell(row=sheet.max_row, column=index).number_format = number_format
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
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
