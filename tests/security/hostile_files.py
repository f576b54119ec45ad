"""Hostile workbooks of the bad-input corpus, built here rather than stored as opaque binaries: each
is a real .xlsx (a zip of XML parts) altered in one way that the upload must refuse."""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook

REPORT_HEADER = [
    "establishment",
    "medicine",
    "month",
    "opening_balance",
    "received",
    "issued",
    "losses",
    "adjustments",
    "closing_count",
    "stockout_days",
]
REPORT_ROW = ["T-HOSP-A", "M000", "2026-01", 100, 50, 120, 5, 0, 25, 3]


def _workbook_bytes(rows: list[list], extra_cells: dict[str, object] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for reference, value in (extra_cells or {}).items():
        sheet[reference] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite(data: bytes, change) -> bytes:
    """A copy of the zip ``data`` where ``change(name, content)`` returns each part's new content
    (or None to drop it), plus the parts it adds through ``change.extra``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in getattr(change, "extra", {}).items():
            target.writestr(name, content)
    return out.getvalue()


def dimension_bomb(header: list[str] = REPORT_HEADER) -> bytes:
    """A few kilobytes that declare the whole sheet (``A1:XFD1048576``): a header row, and one
    cell at ``J1048576``. Read naively, that is a million rows of 16,384 columns."""
    data = _workbook_bytes([header], extra_cells={"J1048576": 1})

    def change(name: str, content: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return re.sub(rb'<dimension ref="[A-Z0-9:]+" ?/>', b'<dimension ref="A1:XFD1048576"/>', content)
        return content

    bomb = _rewrite(data, change)
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(bomb)).read("xl/worksheets/sheet1.xml")
    return bomb


def macro_workbook(*, content_type: bool = True, vba_part: bool = True) -> bytes:
    """A macro-enabled workbook (``.xlsm``: a ``vbaProject.bin`` part, the macro-enabled content
    type) with a valid report row, to be sent under an ``.xlsx`` name."""
    data = _workbook_bytes([REPORT_HEADER, REPORT_ROW])

    def change(name: str, content: bytes) -> bytes:
        if name == "[Content_Types].xml" and content_type:
            return content.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        return content

    change.extra = {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504} if vba_part else {}
    return _rewrite(data, change)
