"""CSV and XLSX downloads of page tables.

Cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return) are prefixed with a single quote, so an exported name such as ``=HYPERLINK(...)``
stays text. Numbers are written as numbers (a negative number is not text, so it is not touched).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

FORMATS = ("csv", "xlsx")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_LINKS = ((_("Export CSV"), "csv"), (_("Export Excel"), "xlsx"))
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """A value fit for a spreadsheet cell: text that starts like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float | Decimal | dt.date):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def table_response(*, fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A download of ``rows`` under ``headers`` as CSV (UTF-8 with BOM, ``;`` separated, as French
    spreadsheets expect) or XLSX; ``filename`` has no extension."""
    if fmt == "xlsx":
        workbook = Workbook(write_only=False)
        sheet = workbook.active
        sheet.title = filename[:31]
        sheet.append([safe_cell(h) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        sheet.freeze_panes = "A2"
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow([safe_cell(h) for h in headers])
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def export_format(request: Any) -> str | None:
    """The export format asked for with ``?format=csv|xlsx``, or None for the HTML page."""
    fmt = request.GET.get("format")
    return fmt if fmt in FORMATS else None
