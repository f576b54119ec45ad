"""Bounds of an uploaded file, checked while it is read (its size and format are checked before, in
:mod:`stock.uploads.formats`): at most ``UPLOAD_MAX_ROWS`` lines (by the row numbers a workbook
gives, not by the rows it holds) and ``MAX_COLUMNS`` columns read, at most ``MAX_ROW_CELLS`` cells
in a workbook row, cells of at most ``MAX_CELL_CHARS`` characters, and at most ``UPLOAD_MAX_ERRORS``
errors kept (every one counted)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from stock.uploads import RowError

logger = logging.getLogger(__name__)

#: Columns read from a workbook; cells further right are not read (no template comes close).
MAX_COLUMNS = 64
#: Cells in one row of a workbook, read or skipped: Excel's own limit (its last column, XFD, is the
#: 16,384th), so only a forged file has more; such a row is refused rather than walked.
MAX_ROW_CELLS = 16_384
#: XML elements inside one cell (its value, formula, inline text, rich-text runs): a real cell has a few.
MAX_CELL_PARTS = 1_000
#: XML elements of a workbook read between two checks of the import's time budget (empty rows included).
BUDGET_CHECK_EVERY = 4_096
#: XML elements a workbook may make the reader parse (its shared strings and its first sheet) for each
#: line ``UPLOAD_MAX_ROWS`` allows: a full row of MAX_COLUMNS cells takes two or three times
#: MAX_COLUMNS (``<c><v>``, ``<c><is><t>``), a shared text two; only a workbook stuffed with empty or
#: far-right cells, empty rows or unused texts comes near it.
ELEMENTS_PER_LINE = 4 * MAX_COLUMNS
#: Cell formats (``<xf>`` of ``<cellXfs>``) in a workbook's stylesheet: Excel's own limit on unique
#: cell formats (Microsoft's "Excel specifications and limits"), so only a forged file has more.
MAX_CELL_FORMATS = 65_490
#: Bytes a workbook part that openpyxl parses whole may unpack to (the manifest, the workbook part and
#: its relations; a template's are a few kilobytes): 300,000 defined names, 38 KB zipped, cost 8 s.
MAX_WHOLE_PART_BYTES = 512 * 1024
#: Characters in one cell: far above any code, quantity or name, far below what fills a worker.
MAX_CELL_CHARS = 10_000
#: Characters of a cell's value quoted back in an error message.
QUOTED_CHARS = 60


def quoted(value: Any) -> str:
    """A cell value as an error message quotes it: trimmed and cut to ``QUOTED_CHARS``."""
    text = str(value).strip()
    return text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + "…"


def unreadable_workbook(error: BaseException | None = None) -> str:
    """The error of a workbook that cannot be opened or read. The library's own words (in English,
    "File is not a zip file") go to the server's log, not to the person who sent the file."""
    if error is not None:
        logger.warning("unreadable workbook upload: %s: %s", type(error).__name__, error)
    return _(
        "Classeur Excel illisible : le fichier est endommagé ou n'est pas un vrai classeur .xlsx. "
        "Ouvrez-le dans Excel et enregistrez-le comme « Classeur Excel (.xlsx) », ou en CSV."
    )


def too_many_rows(limit: int) -> str:
    """The error of a file past ``UPLOAD_MAX_ROWS``."""
    return _(
        "Fichier trop long : au plus %(limit)d lignes de données par fichier (limite UPLOAD_MAX_ROWS). "
        "Découpez-le en plusieurs envois."
    ) % {"limit": limit}


def too_wide_row(line: int, limit: int) -> str:
    """The error of a workbook row of more than ``MAX_ROW_CELLS`` cells."""
    return _(
        "Classeur refusé : la ligne %(line)d compte plus de %(limit)d cellules, la limite d'Excel. "
        "Copiez seulement le tableau dans un nouveau classeur, ou enregistrez-le en CSV."
    ) % {"line": line, "limit": limit}


def too_wide_line(line: int, limit: int) -> str:
    """The error of a CSV line of more than ``MAX_ROW_CELLS`` cells."""
    return _(
        "Fichier refusé : la ligne %(line)d compte plus de %(limit)d cellules. "
        "Vérifiez le séparateur (point-virgule ou virgule), ou envoyez seulement le tableau."
    ) % {"line": line, "limit": limit}


def too_many_elements(limit: int, rows: int) -> str:
    """The error of a workbook of more than ``ELEMENTS_PER_LINE`` XML elements per line allowed."""
    return _(
        "Classeur refusé : il compte plus de %(limit)d éléments (lignes, cellules, textes, mises en forme), "
        "bien plus que n'en demandent %(rows)d lignes de données. "
        "Copiez seulement le tableau dans un nouveau classeur, ou enregistrez-le en CSV."
    ) % {"limit": limit, "rows": rows}


class SheetRefused(Exception):
    """A workbook refused while its rows are read: ``line`` is the row it names (None for the whole file)."""

    def __init__(self, line: int | None, message: str):
        self.line = line
        self.message = message
        super().__init__(message)


def too_long(length: int) -> str:
    """The error of a cell past ``MAX_CELL_CHARS``."""
    return _("Cellule trop longue : %(length)d caractères (au plus %(max)d).") % {
        "length": length,
        "max": MAX_CELL_CHARS,
    }


def error_report(
    errors: Iterable[RowError | dict[str, Any]], *, total: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The errors a job keeps and answers: the first ``UPLOAD_MAX_ERRORS`` in line order, then one
    line saying how many more there were; and the count of all of them (``total`` when the list
    given was already cut)."""
    limit = settings.UPLOAD_MAX_ERRORS
    ordered = sorted(
        (error if isinstance(error, dict) else error.as_dict() for error in errors),
        key=lambda error: (error.get("line") or 0, error.get("column") or ""),
    )
    total = max(total or 0, len(ordered))
    kept = [_clean(error) for error in ordered[:limit]]
    if total > len(kept):
        more = total - len(kept)
        message = _(
            "… et %(more)d autres erreurs, non listées (%(total)d en tout) : corrigez celles-ci, puis renvoyez le fichier."
        ) % {"more": more, "total": total}
        kept.append({"line": None, "column": None, "message": message})
    return kept, total


def _clean(error: dict[str, Any]) -> dict[str, Any]:
    # A file in an unexpected encoding can put NUL characters into the messages (header names);
    # PostgreSQL cannot store them in JSON, and they mean nothing to a reader.
    return {key: value.replace("\x00", "") if isinstance(value, str) else value for key, value in error.items()}
