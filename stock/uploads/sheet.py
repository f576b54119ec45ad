"""The rows of a workbook's first worksheet, read from its XML as it streams, with every bound applied
on the way (see :mod:`stock.uploads.limits`).

openpyxl's row iterators fill the gaps of a sparse sheet: a file of a few bytes whose second row is
numbered 1,000,000,000,000 makes them yield a trillion empty rows, and a row of three million ``<c/>``
is built whole (about 300 bytes a cell) before any caller sees it. Opening a workbook read-only
already reads every shared string, and walks each sheet that does not declare its dimension, with
no time budget. This reader opens the workbook without touching its sheets, reads the shared strings
and then the first worksheet's elements itself, so that it:

- takes each row's number from the file (``<row r="…">``) and never makes up the rows in between;
  a value on a row past ``max_line`` is refused at once with the row limit named, however far the row is;
- reads the cells of the first ``MAX_COLUMNS`` columns only, skips the others unread, and refuses a
  row of more than ``MAX_ROW_CELLS`` cells (Excel's own limit) or a cell or shared string of more
  than ``MAX_CELL_PARTS`` elements;
- drops every element once it is read, so that memory stays flat whatever the sheet holds;
- checks the import's time budget every ``BUDGET_CHECK_EVERY`` elements, empty rows included, and
  refuses a workbook whose shared strings, styles and sheet hold more than ``ELEMENTS_PER_LINE``
  elements for each line allowed (a few kilobytes of zipped ``<c/>``, ``<row/>``, ``<si>`` or
  ``<xf>`` unpack to millions);
- reads from the stylesheet only what the cells need (which cell formats show dates or durations),
  as it streams, instead of building openpyxl's whole style model (a 15 KB file of 300,000 cell
  formats cost 8 s and 220 MB), refuses more than ``MAX_CELL_FORMATS`` of them, and never reads the
  theme, the properties or the defined names;
- refuses a part that openpyxl parses whole (the manifest, the workbook part and its relations)
  when it unpacks to more than ``MAX_WHOLE_PART_BYTES`` (a 38 KB file of 300,000 defined names
  cost as much as the styles).

Each cell is still converted by openpyxl's own parser (shared strings, inline strings, booleans,
Excel dates through the workbook's number formats and epoch), and each shared string by openpyxl's
``Text``, which is why this module reaches into openpyxl's reader (``ExcelReader``'s steps,
``WorkSheetParser``, the workbook's ``_date_formats``): openpyxl is pinned in ``constraints.txt``,
and ``tests/stock/test_uploads.py`` and ``tests/security/test_xlsx_row_bombs.py`` read text, dates
and numbers through here as openpyxl does.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import ARC_STYLE, SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse  # defusedxml's when it is installed, as openpyxl does

from stock.uploads.budget import budget_check
from stock.uploads.limits import (
    BUDGET_CHECK_EVERY,
    ELEMENTS_PER_LINE,
    MAX_CELL_FORMATS,
    MAX_CELL_PARTS,
    MAX_COLUMNS,
    MAX_ROW_CELLS,
    MAX_WHOLE_PART_BYTES,
    SheetRefused,
    too_many_elements,
    too_many_rows,
    too_wide_row,
)

ROW_TAG = f"{{{SHEET_MAIN_NS}}}row"
CELL_TAG = f"{{{SHEET_MAIN_NS}}}c"
STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"
TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"
STYLE_SHEET_TAG = f"{{{SHEET_MAIN_NS}}}styleSheet"
NUMBER_FORMATS_TAG = f"{{{SHEET_MAIN_NS}}}numFmts"
NUMBER_FORMAT_TAG = f"{{{SHEET_MAIN_NS}}}numFmt"
CELL_FORMATS_TAG = f"{{{SHEET_MAIN_NS}}}cellXfs"
CELL_FORMAT_TAG = f"{{{SHEET_MAIN_NS}}}xf"


def workbook_rows(data: bytes, *, max_line: int, row_limit: int) -> Iterator[tuple[int, list[Any]]]:
    """``(line, values)`` for each row of the first worksheet of the workbook ``data`` that holds a
    value, in the order of the file: ``values`` has ``MAX_COLUMNS`` entries (None for an empty cell).
    A row whose number is not above the previous row's is skipped, as openpyxl does.

    Raises :class:`SheetRefused` (with the line, or None) on a value past ``max_line`` (the message
    names ``row_limit``), a row too wide, or a workbook of more elements than ``max_line`` lines
    need; the import's time budget runs throughout. A damaged workbook raises whatever openpyxl or
    the XML parser raise.
    """
    allowance = _Allowance(max_line * ELEMENTS_PER_LINE, row_limit=row_limit)
    reader = _FirstSheetReader(io.BytesIO(data), read_only=True, data_only=True)
    reader.allowance = allowance
    try:
        reader.read()
        if reader.first_sheet is None:
            raise ValueError("the workbook has no worksheet")
        with reader.archive.open(reader.first_sheet) as source:
            parser = WorkSheetParser(
                source,
                reader.shared_strings,
                data_only=True,
                epoch=reader.wb.epoch,
                date_formats=reader.date_formats,
                timedelta_formats=reader.timedelta_formats,
            )
            yield from _rows(parser, source, max_line=max_line, row_limit=row_limit, allowance=allowance)
    finally:
        reader.archive.close()


class _Allowance:
    """The XML elements a workbook may still make the reader parse (its shared strings and its sheet
    together), spent ``BUDGET_CHECK_EVERY`` at a time, each time with a check of the time budget."""

    def __init__(self, elements: int, *, row_limit: int):
        self.elements = self.left = elements
        self.row_limit = row_limit

    def spend(self) -> None:
        budget_check()
        self.left -= BUDGET_CHECK_EVERY
        if self.left < 0:
            raise SheetRefused(None, too_many_elements(self.elements, self.row_limit))


class _WholePartsBounded:
    """The workbook's zip archive, whose ``read`` (openpyxl's way to a part it parses whole) refuses a
    part that unpacks to more than ``MAX_WHOLE_PART_BYTES``; parts streamed through ``open`` are
    bounded by the allowance instead. The size is the one the archive declares: the zip module never
    unpacks more than it, and a part that holds more fails its checksum."""

    def __init__(self, archive: Any):
        self._archive = archive

    def read(self, name: str) -> bytes:
        size = self._archive.getinfo(name).file_size
        if size > MAX_WHOLE_PART_BYTES:
            raise ValueError(f"the part {name} unpacks to {size} bytes, over {MAX_WHOLE_PART_BYTES}")
        return self._archive.read(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)


class _FirstSheetReader(ExcelReader):
    """openpyxl's workbook reader (manifest, workbook part, date system), which reads the shared
    strings and the cell formats within the allowance and finds the first worksheet's part without
    reading it. openpyxl's own would read every shared string unchecked, build the whole style model
    from a stylesheet parsed whole, and make a ReadOnlyWorksheet of every sheet, each of which parses
    its sheet for a ``<dimension>``: to the end when there is none, keeping an emptied element for
    each cell (a 13 KB file: 3 million of them)."""

    allowance: _Allowance
    first_sheet: str | None = None
    date_formats: set[int]
    timedelta_formats: set[int]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.archive = _WholePartsBounded(self.archive)

    def read(self) -> None:
        """openpyxl's steps that the cells need, in its order; not the properties, the theme, the
        defined names nor the rest of the styles, which the rows never read."""
        self.read_manifest()
        self.read_strings()
        self.read_workbook()
        self.read_cell_formats()
        self.read_worksheets()

    def read_cell_formats(self) -> None:
        self.date_formats, self.timedelta_formats = set(), set()
        if ARC_STYLE in self.valid_files:
            with self.archive.open(ARC_STYLE) as source:
                self.date_formats, self.timedelta_formats = _time_formats(source, self.allowance)

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = _shared_strings(source, self.allowance)

    def read_worksheets(self) -> None:
        for _sheet, relation in self.parser.find_sheets():
            if relation.target in self.valid_files and "chartsheet" not in relation.Type:
                self.first_sheet = relation.target
                return


def _shared_strings(source: Any, allowance: _Allowance) -> list[str]:
    """openpyxl's ``read_string_table`` (the text of each ``<si>``, in order), within the allowance,
    dropping each element once read."""
    strings: list[str] = []
    open_elements: list[Any] = []
    item: Any = None  # the <si> being read: its parts are kept until it ends
    parts = 0
    until_check = BUDGET_CHECK_EVERY
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            until_check -= 1
            if not until_check:
                allowance.spend()
                until_check = BUDGET_CHECK_EVERY
            if item is not None:  # a part of the text: kept in it, off the stack
                parts += 1
                if parts > MAX_CELL_PARTS:  # no spreadsheet program writes such a text
                    raise ValueError(f"shared string {len(strings)} holds more than {MAX_CELL_PARTS} elements")
                continue
            if element.tag == STRING_TAG:
                item, parts = element, 0
            open_elements.append(element)
            continue
        if item is not None and element is not item:
            continue
        open_elements.pop()
        if element is item:
            item = None
            if len(element) == 1 and element[0].tag == TEXT_TAG and not len(element[0]):
                text = element[0].text or ""  # the common <si><t>…</t></si>, read as Text reads it
            else:
                text = Text.from_tree(element).content  # rich text: the runs' texts, not the phonetic ones
            strings.append(text.replace("x005F_", ""))
        if open_elements:
            del open_elements[-1][-1]  # the element just read is its parent's last child: drop it
    return strings


def _time_formats(source: Any, allowance: _Allowance) -> tuple[set[int], set[int]]:
    """The indexes of the stylesheet's cell formats (``<cellXfs>``) whose number format shows a date,
    and those that show a duration, as openpyxl's ``Stylesheet`` finds them (a custom format of
    ``<numFmts>`` by its id, otherwise the built-in format of that id), within the allowance,
    dropping each element once read."""
    custom: dict[int, str] = {}
    format_ids: list[int] = []  # the number format of each cell format, in order
    path: list[Any] = []  # the elements being read, outermost first
    until_check = BUDGET_CHECK_EVERY
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            until_check -= 1
            if not until_check:
                allowance.spend()
                until_check = BUDGET_CHECK_EVERY
            if len(path) == 2 and path[0].tag == STYLE_SHEET_TAG:
                if path[1].tag == NUMBER_FORMATS_TAG and element.tag == NUMBER_FORMAT_TAG:
                    custom[int(element.get("numFmtId"))] = element.get("formatCode")
                elif path[1].tag == CELL_FORMATS_TAG and element.tag == CELL_FORMAT_TAG:
                    if len(format_ids) == MAX_CELL_FORMATS:
                        raise ValueError(f"the stylesheet holds more than {MAX_CELL_FORMATS} cell formats")
                    format_ids.append(int(element.get("numFmtId", 0)))
            path.append(element)
            continue
        path.pop()
        if path:
            del path[-1][-1]  # the element just read is its parent's last child: drop it
    dates, durations = set(), set()
    for index, format_id in enumerate(format_ids):
        code = custom[format_id] if format_id in custom else builtin_format_code(format_id)
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            durations.add(index)
    return dates, durations


def _rows(
    parser: WorkSheetParser, source: Any, *, max_line: int, row_limit: int, allowance: _Allowance
) -> Iterator[tuple[int, list[Any]]]:
    open_elements: list[Any] = []  # the elements being read, outermost first
    row: Any = None  # the <row> being read
    line = last_line = 0
    skipped = False  # the row is not numbered above the previous one: openpyxl leaves it out too
    values: list[Any] | None = None  # the row's values, once one of them is not empty
    cells = 0
    cell: Any = None  # the <c> being read (a child of the row): its parts are kept until it ends
    parts = 0
    until_check = BUDGET_CHECK_EVERY  # elements left before the allowance is spent again
    opened, closed = open_elements.append, open_elements.pop
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            until_check -= 1
            if not until_check:
                allowance.spend()
                until_check = BUDGET_CHECK_EVERY
            if cell is not None:  # a part of the cell (value, inline text): kept in it, off the stack
                parts += 1
                if parts > MAX_CELL_PARTS:  # no spreadsheet program writes such a cell
                    raise ValueError(f"a cell of line {line} holds more than {MAX_CELL_PARTS} elements")
                continue
            if element.tag == CELL_TAG and row is not None and open_elements[-1] is row:
                cells += 1
                if cells > MAX_ROW_CELLS:
                    raise SheetRefused(None, too_wide_row(line, MAX_ROW_CELLS))
                cell, parts = element, 0  # off the stack too: its parent is the row
                continue
            if row is None and element.tag == ROW_TAG:
                row, line = element, _row_number(element, parser.row_counter)
                parser.row_counter, parser.col_counter = line, 0
                skipped = line <= last_line
                if not skipped:
                    last_line = line
                values, cells = None, 0
            opened(element)
            continue

        if cell is not None:
            if element is not cell:
                continue  # a part of the cell: parse_cell reads it when the cell ends
            cell = None
            # Within a row's first MAX_COLUMNS cells, parse_cell finds the column; past them, the
            # cell is most likely right of MAX_COLUMNS, and skipped unread once its reference says so.
            if skipped:
                pass
            elif cells > MAX_COLUMNS and (column := _column(element, parser.col_counter)) > MAX_COLUMNS:
                parser.col_counter = column  # as parse_cell would have moved it
            else:
                parsed = parser.parse_cell(element)
                value, column = parsed["value"], parsed["column"]
                if value is not None and column <= MAX_COLUMNS:
                    if line > max_line:
                        raise SheetRefused(line, too_many_rows(row_limit))
                    if values is None:
                        values = [None] * MAX_COLUMNS
                    values[column - 1] = value
            del row[-1]  # the cell is its row's last child: drop it
            continue
        closed()
        if element is row:
            row = None
            if values is not None:
                yield line, values
        if open_elements:
            del open_elements[-1][-1]  # the element just read is its parent's last child: drop it


def _row_number(element: Any, previous: int) -> int:
    """The row's number as the file gives it (``r``), or the one after the previous row's."""
    number = element.get("r")
    if number is None:
        return previous + 1
    try:
        return int(number)
    except ValueError:
        value = float(number)  # openpyxl accepts "12.0"
        if not value.is_integer():
            raise ValueError(f"{number!r} is not a valid row number") from None
        return int(value)


def _column(element: Any, previous: int) -> int:
    """The cell's column (1 for A) as its reference gives it, or the one after the previous cell's."""
    reference = element.get("r")
    return column_index_from_string(reference.rstrip("0123456789")) if reference else previous + 1
