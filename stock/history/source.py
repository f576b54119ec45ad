"""Reading a history's CSV files (the monthly file, its sites and products) through a mapping (no database)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from stock.history.mapping import HistoryMapping


class HistoryFileError(ValueError):
    """A file of the history cannot be read as the mapping says; the message names the file and column."""


@dataclass(frozen=True)
class SourceRow:
    """One line of the monthly file: its number (the header is line 1), the report's cells as text,
    and what it says of its establishment and medicine."""

    line: int
    cells: dict[str, str]
    region: str = ""
    province: str = ""
    level: str = ""
    establishment_name: str = ""
    medicine_name: str = ""

    @property
    def establishment(self) -> str:
        return self.cells.get("establishment", "").strip()

    @property
    def medicine(self) -> str:
        return self.cells.get("medicine", "").strip()


@dataclass(frozen=True)
class Site:
    """One establishment of a sites file."""

    code: str
    name: str = ""
    region: str = ""
    province: str = ""
    level: str = ""


def history_rows_read(path: Path, mapping: HistoryMapping) -> list[SourceRow]:
    """Every non-blank line of the monthly file as a SourceRow."""
    records = _records(path, mapping.source_columns())
    columns = mapping.columns
    return [
        SourceRow(
            line=line,
            cells=mapping.report_values(record),
            region=_get(record, columns.get("region")),
            province=_get(record, columns.get("province")),
            level=_get(record, columns.get("level")),
            establishment_name=_get(record, columns.get("establishment_name")),
            medicine_name=_get(record, columns.get("medicine_name")),
        )
        for line, record in records
    ]


def sites_read(path: Path, mapping: HistoryMapping) -> dict[str, Site]:
    """The sites file by establishment code (a code given twice keeps its first line)."""
    if not mapping.sites:
        raise HistoryFileError(f"The mapping {mapping.name!r} has no 'sites' section to read {path.name} with.")
    fields = mapping.sites
    sites: dict[str, Site] = {}
    for _line, record in _records(path, list(fields.values())):
        code = _get(record, fields["code"])
        if code and code not in sites:
            sites[code] = Site(
                code=code,
                name=_get(record, fields.get("name")),
                region=_get(record, fields.get("region")),
                province=_get(record, fields.get("province")),
                level=_get(record, fields.get("level")),
            )
    return sites


def products_read(path: Path, mapping: HistoryMapping) -> dict[str, str]:
    """Medicine names of the products file by medicine code (empty names left out)."""
    if not mapping.products:
        raise HistoryFileError(f"The mapping {mapping.name!r} has no 'products' section to read {path.name} with.")
    fields = mapping.products
    names: dict[str, str] = {}
    for _line, record in _records(path, list(fields.values())):
        code, name = _get(record, fields["code"]), _get(record, fields.get("name"))
        if code and name:
            names.setdefault(code, name)
    return names


def _get(record: dict[str, str], column: str | None) -> str:
    return " ".join((record.get(column, "") or "").split()) if column else ""


def _records(path: Path, needed: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """The file's lines as dictionaries by header (numbered as a spreadsheet shows them), after
    checking that every ``needed`` column is there."""
    text = _text(path)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in next(reader, [])]
    if not header:
        raise HistoryFileError(f"{path.name}: the file is empty.")
    missing = [name for name in needed if name not in header]
    if missing:
        raise HistoryFileError(
            f"{path.name}: columns not found: {', '.join(missing)} (the file has: {', '.join(header)})."
        )
    records = []
    for line, values in enumerate(reader, start=2):
        if any(value.strip() for value in values):
            records.append((line, dict(zip(header, values, strict=False))))
    return iter(records)


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise HistoryFileError(f"{path}: cannot be read ({error.strerror}).") from error
    if path.suffix.lower() not in {".csv", ".tsv", ".txt", ""}:
        raise HistoryFileError(f"{path.name}: a CSV file is expected (export the sheet as CSV UTF-8).")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise HistoryFileError(f"{path.name}: unreadable encoding (save it as CSV UTF-8).")  # pragma: no cover
