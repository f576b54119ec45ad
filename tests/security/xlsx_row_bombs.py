"""Workbooks of a few kilobytes that would have cost a worker hours or gigabytes: a row numbered far
away (openpyxl made up every row in between), a row of millions of cells, a flood of empty rows or
of shared strings. openpyxl cannot write them, so each is a zip of hand-written XML parts, streamed
through the compressor (three million ``<c/>`` make 12 MB of XML and 13 KB of zip)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<workbook xmlns="{MAIN_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


_SHARED_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


_SECOND_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet2.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_SECOND_SHEET_RELATION = (
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet2.xml"/>'
)
_SHEET_START = f'<worksheet xmlns="{MAIN_NS}"><sheetData>'
_SHEET_END = "</sheetData></worksheet>"


def text_cell(reference: str, value: object) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def values_row(number: int, values: Iterable[object]) -> str:
    """``<row r="number">`` with one inline-string cell per value, from column A."""
    cells = "".join(text_cell(f"{get_column_letter(i)}{number}", v) for i, v in enumerate(values, start=1))
    return f'<row r="{number}">{cells}</row>'


def sheet_workbook(
    rows: Iterable[str],
    *,
    shared_strings: Iterable[str] | None = None,
    second_sheet: Iterable[str] | None = None,
    styles: Iterable[str] | None = None,
    workbook_extra: Iterable[str] | None = None,
) -> bytes:
    """An .xlsx whose first sheet's ``<sheetData>`` is the XML chunks of ``rows``; with a shared
    strings table of the chunks of ``shared_strings`` (``<si>`` items), a second sheet of the chunks
    of ``second_sheet``, a stylesheet of the chunks of ``styles`` (what ``<styleSheet>`` holds), and
    the chunks of ``workbook_extra`` in the workbook part after its sheets, when given. Each part is
    written as its chunks come."""
    content_types, workbook, relations = _CONTENT_TYPES, _WORKBOOK, _WORKBOOK_RELS
    if shared_strings is not None:
        content_types = content_types.replace("</Types>", _SHARED_STRINGS_TYPE + "</Types>")
    if second_sheet is not None:
        content_types = content_types.replace("</Types>", _SECOND_SHEET_TYPE + "</Types>")
        workbook = workbook.replace("</sheets>", '<sheet name="t" sheetId="2" r:id="rId2"/></sheets>')
        relations = relations.replace("</Relationships>", _SECOND_SHEET_RELATION + "</Relationships>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        if workbook_extra is None:
            archive.writestr("xl/workbook.xml", workbook)
        else:
            start, end = workbook.split("</sheets>")
            _write_part(archive, "xl/workbook.xml", start.split("?>", 1)[1] + "</sheets>", workbook_extra, end)
        if styles is not None:
            _write_part(archive, "xl/styles.xml", f'<styleSheet xmlns="{MAIN_NS}">', styles, "</styleSheet>")
        archive.writestr("xl/_rels/workbook.xml.rels", relations)
        if shared_strings is not None:
            _write_part(archive, "xl/sharedStrings.xml", f'<sst xmlns="{MAIN_NS}">', shared_strings, "</sst>")
        _write_part(archive, "xl/worksheets/sheet1.xml", _SHEET_START, rows, _SHEET_END)
        if second_sheet is not None:
            _write_part(archive, "xl/worksheets/sheet2.xml", _SHEET_START, second_sheet, _SHEET_END)
    return buffer.getvalue()


def _write_part(archive: zipfile.ZipFile, name: str, start: str, chunks: Iterable[str], end: str) -> None:
    with archive.open(name, "w") as part:
        part.write(f'<?xml version="1.0" encoding="UTF-8"?>{start}'.encode())
        for chunk in chunks:
            part.write(chunk.encode())
        part.write(end.encode())


def sparse_row_bomb(header: list[str], *, row: int = 10**12) -> bytes:
    """The review's file: the header, then one cell on row ``row`` (referenced as A1, as found)."""
    return sheet_workbook([values_row(1, header), f'<row r="{row}">{text_cell("A1", "x")}</row>'])


def wide_row_bomb(header: list[str], *, cells: int = 3_000_000, row: int = 2) -> bytes:
    """The header, then row 2 made of ``cells`` empty ``<c/>`` (no reference: the columns after the
    last one given). With ``row=1`` the cells come at the end of the header row itself."""

    def rows() -> Iterable[str]:
        header_row = values_row(1, header)
        if row == 1:
            yield header_row.removesuffix("</row>")
        else:
            yield header_row + f'<row r="{row}">'
        yield from _repeated("<c/>", cells)
        yield "</row>"

    return sheet_workbook(rows())


def empty_rows_flood(header: list[str], *, rows: int) -> bytes:
    """The header, then ``rows`` empty ``<row/>``, each numbered after the previous one."""
    return sheet_workbook([values_row(1, header), *_repeated("<row/>", rows)])


def shared_strings_flood(header: list[str], *, strings: int) -> bytes:
    """The header, and a shared strings table of ``strings`` one-letter texts that no cell uses."""
    return sheet_workbook([values_row(1, header)], shared_strings=_repeated("<si><t>a</t></si>", strings))


def wide_second_sheet(header: list[str], *, cells: int) -> bytes:
    """A first sheet of just ``header``, and a second sheet whose one row holds ``cells`` ``<c/>``
    (openpyxl walks it when it opens the workbook, since it declares no dimension)."""
    second = ['<row r="1">', *_repeated("<c/>", cells), "</row>"]
    return sheet_workbook([values_row(1, header)], second_sheet=second)


def styles_flood(header: list[str], *, cell_formats: int) -> bytes:
    """The header, and a stylesheet of ``cell_formats`` cell formats (``<xf>`` in ``<cellXfs>``) that
    no cell uses: Excel itself stops at 64,000."""
    chunks = ["<cellXfs>", *_repeated('<xf numFmtId="0"/>', cell_formats), "</cellXfs>"]
    return sheet_workbook([values_row(1, header)], styles=chunks)


def defined_names_flood(header: list[str], *, names: int) -> bytes:
    """The header, and a workbook part of ``names`` defined names, a part read whole."""
    chunks = ["<definedNames>", *_repeated('<definedName name="n">s!$A$1</definedName>', names), "</definedNames>"]
    return sheet_workbook([values_row(1, header)], workbook_extra=chunks)


def _repeated(xml: str, times: int) -> Iterable[str]:
    block = 100_000
    for _ in range(times // block):
        yield xml * block
    yield xml * (times % block)
