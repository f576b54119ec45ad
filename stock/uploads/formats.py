"""The formats an upload accepts, told by the file's name and checked in its content before anything
reads its rows, stores it or queues a job (the forms of the pages and the serializers of the API call
:func:`upload_refusal`; :func:`stock.uploads.read_table` keeps to the same rules):

- ``.csv``: text in UTF-8 (with or without BOM) or, failing that, Windows-1252. A byte that no text
  holds (:data:`BINARY_BYTES`) means a binary file, a UTF-16 text or a workbook renamed ``.csv``;
  a byte that Windows-1252 leaves undefined in a file that is not UTF-8 means another encoding.
- ``.xlsx``: a zip archive whose manifest (``[Content_Types].xml``) names a workbook part that the
  archive holds, with the workbook's relationships part; without macros (an ``.xlsm`` renamed
  ``.xlsx``). Only the archive's directory and the manifest are read, the manifest within
  ``MAX_WHOLE_PART_BYTES`` as the reader reads it.
- any other name (``.txt``, ``.xls``, ``.ods``, ``.xlsm``, no extension) is refused.

The refusals of an upload name the form's field, the file and the accepted formats.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import zipfile
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.relationship import get_rels_path
from openpyxl.reader.excel import _find_workbook_part
from openpyxl.xml.constants import ARC_CONTENT_TYPES, XLSM, XLTM
from openpyxl.xml.functions import fromstring

from stock.uploads.limits import MAX_WHOLE_PART_BYTES, quoted, unreadable_workbook

logger = logging.getLogger(__name__)

CSV_SUFFIX = ".csv"
XLSX_SUFFIX = ".xlsx"
ACCEPTED_SUFFIXES = (CSV_SUFFIX, XLSX_SUFFIX)
#: The first bytes of a zip archive, and so of every .xlsx.
XLSX_SIGNATURE = b"PK\x03\x04"
#: Bytes that no text holds: the control characters but bell, backspace, tab, line feed, vertical
#: tab, form feed, carriage return and escape (the bytes the ``file`` command takes for data).
BINARY_BYTES = re.compile(rb"[\x00-\x06\x0e-\x1a\x1c-\x1f\x7f]")
#: The bytes Windows-1252 leaves undefined.
_UNDEFINED_IN_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
#: Bytes of a file read at a time while its text is checked.
CHUNK_BYTES = 1024 * 1024
_MACRO_PART = "vbaproject.bin"
_MACRO_CONTENT_TYPE = b"macroenabled"

# What is wrong with a workbook (:func:`workbook_fault`).
MACROS = "macros"
NOT_A_WORKBOOK = "not_a_workbook"


def suffix_of(name: str) -> str:
    """The file name's extension, lower-cased with its dot (``""`` without one); folders are left out."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[1].lower() if "." in base else ""


def accepted_formats() -> str:
    """The accepted formats, as the refusals name them."""
    return _(".csv (texte en UTF-8 ou Windows-1252) ou .xlsx (classeur Excel sans macro)")


def text_encoding(chunks: Iterable[bytes]) -> str | None:
    """``"utf-8"`` when the chunks read as UTF-8 (a BOM included), else ``"cp1252"`` when they read
    as Windows-1252; None when a byte is none that a text holds (:data:`BINARY_BYTES`) or neither
    encoding reads them all. The chunks are read one at a time, none kept."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = is_cp1252 = True
    for chunk in chunks:
        if BINARY_BYTES.search(chunk):
            return None
        if is_utf8:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
        is_cp1252 = is_cp1252 and not _UNDEFINED_IN_CP1252.search(chunk)
        if not (is_utf8 or is_cp1252):
            return None
    if is_utf8:
        try:
            utf8.decode(b"", final=True)  # a sequence cut at the end of the file
        except UnicodeDecodeError:
            is_utf8 = False
    if is_utf8:
        return "utf-8"
    return "cp1252" if is_cp1252 else None


def workbook_fault(source: bytes | Any) -> str | None:
    """What makes ``source`` (bytes or a seekable binary file) no .xlsx the reader takes:
    :data:`MACROS` (a ``vbaProject.bin`` part, or a macro-enabled content type), :data:`NOT_A_WORKBOOK`
    (no zip archive, no manifest or one past ``MAX_WHOLE_PART_BYTES``, no workbook part named in it
    or held, no relationships of the workbook); None when neither. The library's own words go to the
    server's log."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes | bytearray) else source) as archive:
            names = set(archive.namelist())
            if ARC_CONTENT_TYPES not in names:
                raise ValueError("the archive has no manifest")
            # The zip module never unpacks more than the size a part declares.
            size = archive.getinfo(ARC_CONTENT_TYPES).file_size
            if size > MAX_WHOLE_PART_BYTES:
                raise ValueError(f"the manifest unpacks to {size} bytes, over {MAX_WHOLE_PART_BYTES}")
            content_types = archive.read(ARC_CONTENT_TYPES)
        if any(name.rsplit("/", 1)[-1].lower() == _MACRO_PART for name in names) or (
            _MACRO_CONTENT_TYPE in content_types.lower()
        ):
            return MACROS
        # The reader's own way to the workbook part (openpyxl's), so that what passes here opens there.
        workbook = _find_workbook_part(Manifest.from_tree(fromstring(content_types)))
        if workbook.ContentType in (XLSM, XLTM):
            return MACROS
        part = workbook.PartName.lstrip("/")
        if part not in names or get_rels_path(part) not in names:
            raise ValueError(f"the archive lacks the workbook part {part} or its relationships")
    except Exception as error:  # noqa: BLE001 - a damaged archive or manifest fails in many kinds
        logger.warning("unreadable workbook upload: %s: %s", type(error).__name__, error)
        return NOT_A_WORKBOOK
    return None


def workbook_refusal(data: bytes) -> str | None:
    """Why the reader refuses the workbook ``data`` before reading its rows (:func:`workbook_fault`),
    in the reader's words; None when it may be read."""
    fault = workbook_fault(data)
    if fault == MACROS:
        return _("Classeur avec macros refusé : enregistrez-le comme « Classeur Excel (.xlsx) » sans macro, ou en CSV.")
    if fault == NOT_A_WORKBOOK:
        return unreadable_workbook()
    return None


def upload_refusal(file: Any, *, field: str) -> str | None:
    """Why an uploaded file (a Django ``UploadedFile``) is refused before anything reads its rows:
    too big, a name other than ``.csv`` or ``.xlsx``, or a content that is not of its name's format;
    the message names ``field`` (the form field, as its form shows it), the file and the accepted
    formats. None when it may be read. The file is read in chunks, then rewound."""
    name = getattr(file, "name", "") or ""
    size = getattr(file, "size", None)
    suffix = suffix_of(name)
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        reason = _("fichier trop volumineux, la limite est de %(mb).1f Mo.") % {"mb": settings.UPLOAD_MAX_BYTES / 1e6}
    elif suffix not in ACCEPTED_SUFFIXES:
        reason = _("format non accepté. Formats acceptés : %(formats)s.") % {"formats": accepted_formats()}
    elif suffix == XLSX_SUFFIX:
        reason = _workbook_reason(file)
    else:
        reason = _text_reason(file)
    if reason is None:
        return None
    return _("Champ « %(field)s », fichier « %(name)s » : %(reason)s") % {
        "field": field,
        "name": _quoted_name(name),
        "reason": reason,
    }


def _workbook_reason(file: Any) -> str | None:
    file.seek(0)
    try:
        fault = workbook_fault(file)  # reads the archive's directory and its manifest only
    finally:
        file.seek(0)
    if fault == MACROS:
        return _(
            "classeur avec macros. Formats acceptés : %(formats)s. Dans Excel, enregistrez-le comme "
            "« Classeur Excel (.xlsx) » sans macro, ou en « CSV UTF-8 »."
        ) % {"formats": accepted_formats()}
    if fault == NOT_A_WORKBOOK:
        return _(
            "ce n'est pas un classeur Excel .xlsx lisible (fichier endommagé, ou d'un autre format renommé en "
            ".xlsx). Formats acceptés : %(formats)s. Dans Excel, enregistrez-le comme « Classeur Excel (.xlsx) »."
        ) % {"formats": accepted_formats()}
    return None


def _text_reason(file: Any) -> str | None:
    try:
        encoding = text_encoding(file.chunks(CHUNK_BYTES))
    finally:
        file.seek(0)
    if encoding is not None:
        return None
    return _(
        "ce n'est pas un texte en UTF-8 ou Windows-1252 (fichier binaire, texte en UTF-16, ou classeur "
        "renommé en .csv). Formats acceptés : %(formats)s. Dans Excel, enregistrez-le en « CSV UTF-8 »."
    ) % {"formats": accepted_formats()}


def _quoted_name(name: str) -> str:
    return quoted(name.replace("\\", "/").rsplit("/", 1)[-1])
