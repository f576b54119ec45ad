"""Versions of the rows analysts change from the pages and the API (alerts, shortages, mitigation
actions), for optimistic concurrency: a client sends back the version it read, and the service
refuses a change to a row that changed since (``shortages.services.concurrency``).

A version is one short checksum per field an analyst acts on, in a fixed order: it changes when one
of them changes, whoever changed it (an analyst, a scoring run), and two versions of the same row
compared part by part name the fields that changed between them. Nothing is stored: the version is
read from the row itself, so no write (a run's bulk updates included) has to keep a counter. The
checksum is a CRC-32: a version is no secret (a client reads the current one at will), it only has
to change with its field, and a page of 1,000 alerts computes 4,000 of them. Pure: no database
access.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

# Hexadecimal characters of each field's checksum: 32 bits, so that a change of a field leaves its part
# as it was about once in four billion changes.
PART_LENGTH = 8
HEX_DIGITS = frozenset("0123456789abcdef")


def _text(value: object) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, tuple):
        return "\x1e".join(_text(item) for item in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def row_version(pk: int | None, parts: Sequence[tuple[str, object]]) -> str:
    """The version of the row ``pk`` whose versioned fields are ``parts`` (name, value): the checksum
    of each part in ``PART_LENGTH`` hexadecimal characters, the row's id mixed in (a version names
    one row)."""
    return "".join([f"{zlib.crc32(f'{pk}|{name}|{_text(value)}'.encode()):08x}" for name, value in parts])


def parts_changed(seen: str, current: str, names: Sequence[str]) -> list[str] | None:
    """The names of the parts of ``current`` that differ from ``seen`` (two versions of one row whose
    parts are ``names``); None when ``seen`` is not a version of that shape (a value made up, or one
    of an earlier shape)."""
    if len(seen) != len(current) or len(current) != PART_LENGTH * len(names) or not set(seen) <= HEX_DIGITS:
        return None
    return [
        name
        for index, name in enumerate(names)
        if seen[index * PART_LENGTH : (index + 1) * PART_LENGTH]
        != current[index * PART_LENGTH : (index + 1) * PART_LENGTH]
    ]
