"""Reading uploaded tables (CSV or XLSX) with per-row errors, and the matching templates.

The engine knows nothing about what the rows mean: an importer describes its columns with
:class:`ColumnSpec`, calls :func:`read_table` and gets back typed rows plus every error found, each
naming its line and column. The importer then checks references and rules of its own and writes
everything in one transaction, or nothing when any error remains.

Interface::

    from stock.uploads import ColumnSpec, RowError, UploadRejected, read_table, template_workbook

    COLUMNS = [
        ColumnSpec("establishment", help="Code de l'établissement"),
        ColumnSpec("month", kind="month"),
        ColumnSpec("issued", kind="int", min_value=0),
        ColumnSpec("loss_reason", required=False, optional_column=True, choices=("expired", "damaged")),
    ]
    try:
        table = read_table(uploaded_file, columns=COLUMNS)   # name taken from uploaded_file.name
    except UploadRejected as rejected:
        rejected.errors                                       # file-level problems (list[RowError])
    table.rows      # list[dict]: {"_line": 2, "establishment": "...", "month": date(2026, 3, 1), ...}
    table.errors    # list[RowError] for the cells that did not parse; their rows are left out
    table.warnings  # e.g. the file was not UTF-8 and was read as Windows-1252
    template_workbook(COLUMNS, examples=[{...}])   # bytes of an .xlsx with headers, help and examples
    template_csv(COLUMNS, examples=[{...}])        # bytes of a UTF-8 (with BOM) CSV, ";"-separated

Rules (the bounds live in :mod:`stock.uploads.limits`, the time budget in :mod:`stock.uploads.budget`):

- Size: files larger than ``settings.UPLOAD_MAX_BYTES`` are rejected before being read.
- Format (:mod:`stock.uploads.formats`, which the upload forms and serializers call before a file is
  stored or read, naming their field): ``.xlsx`` (first sheet, read-only mode) or ``.csv``, told by
  the name and checked in the content; anything else is rejected (``.txt`` and a name without
  extension included), and so are a workbook with macros (an ``.xlsm`` renamed ``.xlsx``), an
  ``.xlsx`` that is no workbook and a ``.csv`` that is no text. Bytes given without a name are read
  by their content (a zip archive as a workbook, anything else as CSV).
- Extent: only the rows and columns present in a workbook are read (its declared dimension is
  ignored, and so are the gaps between its row numbers: see :mod:`stock.uploads.sheet`), at most
  ``limits.MAX_COLUMNS`` columns (cells further right are skipped unread); past
  ``settings.UPLOAD_MAX_ROWS`` lines the file is rejected with the limit named, as soon as a value
  stands on a row numbered past them. A workbook row of more than ``limits.MAX_ROW_CELLS`` cells
  (Excel's own limit) is refused, and so is a workbook whose shared strings and first sheet hold
  more than ``limits.ELEMENTS_PER_LINE`` XML elements for each line allowed. A cell longer than
  ``limits.MAX_CELL_CHARS`` is an error on its line and column; error messages quote at most
  ``limits.QUOTED_CHARS`` characters of a cell.
- Time: the import's budget (:func:`stock.uploads.budget.budget_check`) is checked on every line
  read, and every ``limits.BUDGET_CHECK_EVERY`` XML elements of a workbook, empty rows included.
- Errors: every one is counted (``Table.error_total``), the first ``settings.UPLOAD_MAX_ERRORS`` kept.
- CSV encoding: UTF-8 with or without BOM; otherwise Windows-1252 with a warning that says so; a
  file with control characters that no text holds (binary, UTF-16), or in neither encoding, is
  rejected. The delimiter (``;``, ``,`` or tab) is taken from the header line.
- Headers are matched case-insensitively, ignoring surrounding spaces; missing required columns and
  unknown columns are both reported, by name, as file-level errors (``line`` 1).
- Cell kinds: ``str`` (trimmed, ``max_length``), ``int`` (``1 234`` and ``12.0`` accepted,
  ``min_value``/``max_value``), ``decimal``, ``date`` (``YYYY-MM-DD`` or ``DD/MM/YYYY`` or an
  Excel date), ``month`` (``YYYY-MM``, ``MM/YYYY``, or any date, normalised to the 1st), ``bool``
  (oui/non, yes/no, true/false, 1/0). ``choices`` restricts values (compared case-insensitively;
  with ``choice_labels`` a cell may also give a choice's label, in French or the page's language,
  accents ignored), returned as the declared code. An empty optional cell gives ``default``.
- Blank lines are skipped, and so are the templates' example rows (first cell starting with
  ``EXEMPLE``), with a warning naming their lines. Line numbers are those a spreadsheet shows (the
  header is line 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from stock.uploads.budget import ImportTimeExceeded, budget_check
from stock.uploads.cells import CellError, convert, is_blank
from stock.uploads.formats import (
    BINARY_BYTES,
    CSV_SUFFIX,
    XLSX_SIGNATURE,
    XLSX_SUFFIX,
    suffix_of,
    workbook_refusal,
)
from stock.uploads.limits import (
    MAX_ROW_CELLS,
    SheetRefused,
    quoted,
    too_many_rows,
    too_wide_line,
    unreadable_workbook,
)
from stock.uploads.sheet import workbook_rows

__all__ = [
    "ColumnSpec",
    "RowError",
    "Table",
    "UploadRejected",
    "read_table",
    "template_csv",
    "template_workbook",
]

logger = logging.getLogger(__name__)

KINDS = ("str", "int", "decimal", "date", "month", "bool")
# The first cell of the templates' example rows starts with this word; such rows are skipped.
EXAMPLE_MARKER = "EXEMPLE"


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an uploaded table: its header, the kind of its cells and their rules."""

    name: str
    kind: str = "str"
    required: bool = True
    optional_column: bool = False
    choices: tuple[str, ...] | None = None
    # (code, label) of the choices: a cell may give the label (French or the page's language) too.
    choice_labels: tuple[tuple[str, Any], ...] = ()
    min_value: int | Decimal | None = None
    max_value: int | Decimal | None = None
    max_length: int | None = None
    default: Any = None
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown column kind {self.kind!r}; expected one of {KINDS}.")


@dataclass(frozen=True)
class RowError:
    """A problem in the file: ``line`` as a spreadsheet shows it (None for the whole file).
    ``same_as_line``: for a row given twice, the line of its first occurrence, which the message
    names (a caller that numbers lines otherwise writes its own message from it)."""

    line: int | None
    column: str | None
    message: str
    same_as_line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class Table:
    """The parsed rows (each with its ``_line``), the cell errors (the first ``UPLOAD_MAX_ERRORS``;
    ``error_total`` counts them all, ``error_lines`` the lines they are on), the warnings, and the
    header's column names as found (trimmed, lower-cased, empty ones left out)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    # The lines refused for a cell, with the cells that did read (and ``_line``): a caller may check
    # those too, so that a line's report names all its faults at once (an unknown medicine code
    # beside a quantity that is not a number), never writes them.
    partial_rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None
    error_total: int = 0
    error_lines: int = 0
    header: list[str] = field(default_factory=list)

    def error_add(self, error: RowError) -> None:
        """Counts a cell error, and keeps it while fewer than ``UPLOAD_MAX_ERRORS`` are kept."""
        self.error_total += 1
        if len(self.errors) < settings.UPLOAD_MAX_ERRORS:
            self.errors.append(error)


class UploadRejected(Exception):
    """The file as a whole cannot be read (size, format, encoding, headers). ``header`` holds the
    header's column names as :attr:`Table.header` does, once the header was read (else None): a
    caller that checks more of the header needs not read the file again (a workbook's other sheets
    are never read here, and openpyxl's own loading of them is unbounded)."""

    def __init__(self, errors: list[RowError], *, header: list[str] | None = None):
        self.errors = errors
        self.header = header
        super().__init__("; ".join(error.message for error in errors))


def read_table(
    file: Any,
    *,
    columns: Sequence[ColumnSpec],
    file_name: str | None = None,
    max_bytes: int | None = None,
) -> Table:
    """Read an uploaded CSV or XLSX file into typed rows; every bad cell becomes a RowError.

    ``file`` is a Django ``UploadedFile``, any binary file object, or bytes. Raises
    :class:`UploadRejected` when the file as a whole is unusable.
    """
    name = file_name or getattr(file, "name", "") or ""
    suffix = suffix_of(name)
    data = _read_bytes(file, max_bytes=settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes)
    table = Table()
    if suffix == XLSX_SUFFIX or (not name and data.startswith(XLSX_SIGNATURE)):
        refusal = workbook_refusal(data)
        if refusal:
            raise UploadRejected([RowError(None, None, refusal)])
        records = _xlsx_records(data)
    elif suffix == CSV_SUFFIX or not name:
        text, table.encoding, warning = _decode(data)
        if warning:
            table.warnings.append(warning)
        records = _csv_records(text)
    else:
        raise UploadRejected([RowError(None, None, _("Format non pris en charge : envoyez un fichier .csv ou .xlsx."))])

    header = next(records, None)
    if header is None:
        raise UploadRejected([RowError(None, None, _("Le fichier est vide."))])
    table.header = [name for name in map(_normalise_header, header[1]) if name]
    try:
        positions = _match_header(header, columns)
    except UploadRejected as rejected:
        rejected.header = table.header
        raise
    examples: list[int] = []
    max_line = settings.UPLOAD_MAX_ROWS + 1  # the header is line 1
    for line, values in records:
        budget_check()
        if line > max_line:
            raise UploadRejected([RowError(line, None, too_many_rows(settings.UPLOAD_MAX_ROWS))])
        if all(is_blank(value) for value in values):
            continue
        if is_example(values):
            examples.append(line)
            continue
        row: dict[str, Any] = {"_line": line}
        row_ok = True
        for spec in columns:
            index = positions.get(spec.name)
            raw = values[index] if index is not None and index < len(values) else None
            try:
                row[spec.name] = convert(raw, spec)
            except ValueError as error:
                table.error_add(RowError(line, spec.name, _cell_message(error, raw)))
                row_ok = False
        if row_ok:
            table.rows.append(row)
        else:
            table.error_lines += 1
            table.partial_rows.append(row)
    if examples:
        table.warnings.append(
            _("Ligne d'exemple du modèle ignorée : %(lines)s.") % {"lines": ", ".join(str(line) for line in examples)}
        )
    if not table.rows and not table.error_total:
        if examples:
            message = _("Le fichier ne contient que la ligne d'exemple du modèle : remplacez-la par vos données.")
        else:
            message = _("Le fichier ne contient aucune ligne de données.")
        raise UploadRejected([RowError(None, None, message)])
    return table


def template_workbook(
    columns: Sequence[ColumnSpec], *, examples: Iterable[dict[str, Any]] = (), title: str = "donnees"
) -> bytes:
    """An .xlsx template: the header row, example rows, and a second sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([spec.name for spec in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for example in examples:
        sheet.append(_example_cells(columns, example))
    for index, spec in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(14, len(spec.name) + 4)
    notes = workbook.create_sheet("aide")
    notes.append([_("colonne"), _("obligatoire"), _("format"), _("description")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for spec in columns:
        notes.append([spec.name, _("oui") if spec.required else _("non"), _describe(spec), str(spec.help)])
    notes.append([])
    notes.append(
        [
            _("Une ligne dont la première cellule commence par %(marker)s est un exemple : elle est ignorée.")
            % {"marker": EXAMPLE_MARKER}
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(columns: Sequence[ColumnSpec], *, examples: Iterable[dict[str, Any]] = ()) -> bytes:
    """A CSV template (UTF-8 with BOM so that spreadsheet software reads accents, ``;`` separated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([spec.name for spec in columns])
    for example in examples:
        writer.writerow(_example_cells(columns, example))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- reading --------------------------------------------------------------------------------------


def _read_bytes(file: Any, *, max_bytes: int) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > max_bytes:
            raise UploadRejected([_too_big(max_bytes)])
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRejected([_too_big(max_bytes)])
    return data


def _too_big(max_bytes: int) -> RowError:
    return RowError(None, None, _("Fichier trop volumineux : la limite est de %(mb).1f Mo.") % {"mb": max_bytes / 1e6})


def _decode(data: bytes) -> tuple[str, str, str | None]:
    """Text, encoding used, and a warning when the file was not UTF-8."""
    if BINARY_BYTES.search(data):
        # UTF-16 or binary: read as a single-byte encoding it would fill every message with NUL
        # and other control characters, which PostgreSQL cannot store (NUL) and nobody can read.
        raise UploadRejected(
            [RowError(None, None, _("Fichier binaire ou encodé en UTF-16 : enregistrez-le en « CSV UTF-8 »."))]
        )
    try:
        return data.decode("utf-8-sig"), "utf-8", None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    else:
        warning = _(
            "Le fichier n'est pas encodé en UTF-8 ; il a été lu comme %(label)s. "
            "Vérifiez les accents, ou enregistrez-le en « CSV UTF-8 »."
        ) % {"label": "Windows-1252"}
        return text, "cp1252", warning
    raise UploadRejected([RowError(None, None, _("Encodage du fichier illisible : enregistrez-le en « CSV UTF-8 »."))])


def _csv_records(text: str) -> Iterator[tuple[int, list[Any]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    # The csv module refuses a field above its own limit (131,072 characters) with an error that
    # names no cell; let it read any field of an accepted file, and the cell check name the cell.
    if csv.field_size_limit() < settings.UPLOAD_MAX_BYTES:
        csv.field_size_limit(settings.UPLOAD_MAX_BYTES)
    reader = csv.reader(_bounded_lines(text, delimiter), delimiter=delimiter)
    record = 0
    try:
        for record, values in enumerate(reader, start=1):
            yield record, values
    except _LineTooWide:
        line = record + 1
        raise UploadRejected([RowError(line, None, too_wide_line(line, MAX_ROW_CELLS))]) from None


class _LineTooWide(Exception):
    pass


def _bounded_lines(text: str, delimiter: str) -> Iterator[str]:
    """The lines of ``text``, each refused before the csv module splits it when it holds
    ``MAX_ROW_CELLS`` separators or more: a 30 MB line of separators made a list of 30 million
    fields (240 MB). A separator inside quotes counts too, which no real line comes near (a cell
    holds at most ``MAX_CELL_CHARS`` characters)."""
    for line in io.StringIO(text, newline=""):
        if line.count(delimiter) >= MAX_ROW_CELLS:
            raise _LineTooWide
        yield line


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    # Neither the declared dimension (``A1:XFD1048576`` costs a few bytes) nor the gaps between row
    # numbers (``<row r="1000000000000">`` too) are turned into rows: workbook_rows reads the rows
    # present, by their numbers, and stops at the first value past UPLOAD_MAX_ROWS lines.
    try:
        yield from workbook_rows(data, max_line=settings.UPLOAD_MAX_ROWS + 1, row_limit=settings.UPLOAD_MAX_ROWS)
    except SheetRefused as refused:
        raise UploadRejected([RowError(refused.line, None, refused.message)]) from None
    except ImportTimeExceeded:
        raise
    except Exception as error:  # noqa: BLE001 - a damaged workbook fails while it is read, in many kinds
        raise UploadRejected([RowError(None, None, unreadable_workbook(error))])


def _cell_message(error: ValueError, raw: Any) -> str:
    """The message of a cell that did not convert: ours as it is; any other (a library's, in English)
    goes to the server's log, and the person reads that the value is unreadable."""
    if isinstance(error, CellError):
        return str(error)
    logger.warning("upload cell not converted: %s: %s", type(error).__name__, error)
    return _("Valeur illisible : « %(value)s ».") % {"value": quoted(raw)}


def _normalise_header(value: Any) -> str:
    return str(value or "").strip().lstrip("\ufeff").strip().lower()


def _match_header(header: tuple[int, list[Any]], columns: Sequence[ColumnSpec]) -> dict[str, int]:
    names = header[1]
    seen: dict[str, int] = {}
    errors: list[RowError] = []
    known = {spec.name.lower(): spec.name for spec in columns}
    extra: list[str] = []
    for index, raw in enumerate(names):
        name = _normalise_header(raw)
        if not name:
            continue
        if name not in known:
            extra.append(quoted(raw))
            continue
        if known[name] in seen:
            errors.append(RowError(1, known[name], _("Colonne en double : %(name)s.") % {"name": known[name]}))
        seen[known[name]] = index
    missing = [spec.name for spec in columns if spec.name not in seen and not spec.optional_column]
    if missing:
        errors.append(
            RowError(1, None, _("Colonnes manquantes : %(names)s.") % {"names": ", ".join(missing)}),
        )
    if extra:
        errors.append(
            RowError(
                1,
                None,
                _("Colonnes inconnues : %(names)s. Colonnes attendues : %(expected)s.")
                % {"names": ", ".join(extra), "expected": ", ".join(spec.name for spec in columns)},
            )
        )
    if errors:
        raise UploadRejected(errors)
    return seen


def _describe(spec: ColumnSpec) -> str:
    labels = {
        "str": _("texte"),
        "int": _("nombre entier"),
        "decimal": _("nombre"),
        "date": _("date AAAA-MM-JJ"),
        "month": _("mois AAAA-MM"),
        "bool": _("oui / non"),
    }
    text = labels[spec.kind]
    if spec.choice_labels:
        text += " (" + " | ".join(str(label) for _, label in spec.choice_labels) + _(", ou leur code") + ")"
    elif spec.choices:
        text += " (" + " | ".join(spec.choices) + ")"
    if spec.min_value is not None:
        text += f" >= {spec.min_value}"
    if spec.max_value is not None:
        text += f" <= {spec.max_value}"
    return text


def is_example(values: Sequence[Any]) -> bool:
    """The row is one of the templates' examples: its first cell starts with ``EXEMPLE``."""
    first = values[0] if values else None
    return isinstance(first, str) and first.strip().upper().startswith(EXAMPLE_MARKER)


def _example_cells(columns: Sequence[ColumnSpec], example: dict[str, Any]) -> list[Any]:
    cells = [_cell_text(example.get(spec.name)) for spec in columns]
    cells[0] = f"{EXAMPLE_MARKER} {cells[0]}".strip()
    return cells


def _cell_text(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value
