"""Bulk loading into PostgreSQL with ``COPY ... FROM STDIN (FORMAT binary)``.

Rows are built as one numpy structured array per chunk: every field of the binary format (a 16-bit
field count, then per field a 32-bit length and big-endian bytes) is a column of that array, so a
million rows are encoded without a Python loop. A chunk's layout is fixed, so a text column holds
one constant or byte strings of one width, and a NULL column is NULL in every row of the chunk.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

HEADER = b"PGCOPY\n\xff\r\n\x00" + np.array([0, 0], dtype=">i4").tobytes()
TRAILER = np.array([-1], dtype=">i2").tobytes()
# PostgreSQL counts dates in days and timestamps in microseconds from 2000-01-01.
PG_EPOCH_DAYS = int(np.datetime64("2000-01-01", "D").astype(np.int64))
PG_EPOCH_US = int(np.datetime64("2000-01-01T00:00:00", "us").astype(np.int64))

_NUMERIC = {"int8": ">i8", "int4": ">i4", "int2": ">i2", "float8": ">f8", "bool": "u1"}


@dataclass(frozen=True)
class Column:
    """One column of a COPY chunk: ``kind`` is int8, int4, int2, float8, bool, date (numpy
    datetime64[D] values), timestamptz (datetime64[us], UTC), text, or null (always NULL)."""

    name: str
    kind: str
    values: object = None


def _encoded(column: Column, rows: int) -> tuple[str, np.ndarray | bytes | None]:
    """The numpy dtype of the column's payload and the payload (array, constant bytes or None)."""
    kind, values = column.kind, column.values
    if kind == "null":
        return "", None
    if kind in _NUMERIC:
        return _NUMERIC[kind], np.asarray(values)
    if kind == "date":
        days = np.asarray(values, dtype="datetime64[D]").astype(np.int64) - PG_EPOCH_DAYS
        return ">i4", days
    if kind == "timestamptz":
        micros = np.asarray(values, dtype="datetime64[us]").astype(np.int64) - PG_EPOCH_US
        return ">i8", micros
    if kind == "text":
        if isinstance(values, str):
            raw = values.encode()
            return (f"S{len(raw)}" if raw else ""), raw
        array = np.asarray(values)
        if array.dtype.kind != "S":
            raise TypeError(f"{column.name}: text values must be a str or a numpy bytes array")
        return f"S{array.dtype.itemsize}", array
    raise ValueError(f"{column.name}: unknown column kind {kind!r}")


def encode_rows(columns: list[Column], rows: int) -> bytes:
    """The binary COPY stream (header, ``rows`` tuples, trailer) of ``columns``."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    payloads: list[tuple[int, str, np.ndarray | bytes | None, int]] = []
    for index, column in enumerate(columns):
        dtype, payload = _encoded(column, rows)
        fields.append((f"l{index}", ">i4"))
        if column.kind == "null":
            length = -1
        elif dtype == "":
            length = 0
        else:
            length = np.dtype(dtype).itemsize
            fields.append((f"v{index}", dtype))
        payloads.append((index, dtype, payload, length))
    records = np.empty(rows, dtype=np.dtype(fields))
    records["count"] = len(columns)
    for index, _dtype, payload, length in payloads:
        records[f"l{index}"] = length
        if length > 0:
            records[f"v{index}"] = payload
    return HEADER + records.tobytes() + TRAILER


def copy_rows(cursor, table: str, columns: list[Column], rows: int, *, freeze: bool = False) -> int:
    """Load ``rows`` rows into ``table``; returns the number of rows written. ``freeze`` writes
    them frozen (only for a table created or emptied earlier in the same transaction)."""
    if rows == 0:
        return 0
    names = ", ".join(column.name for column in columns)
    stream = io.BytesIO(encode_rows(columns, rows))
    options = "FORMAT binary, FREEZE" if freeze else "FORMAT binary"
    cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH ({options})", stream)
    return rows


def fixed_width_codes(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Byte strings ``prefix`` + zero-padded ``numbers`` (all of one width, for a text column)."""
    digits = np.char.zfill(np.asarray(numbers).astype(f"U{width}"), width)
    return np.char.add(prefix, digits).astype(f"S{len(prefix) + width}")


@dataclass(frozen=True)
class DeferredDdl:
    """Secondary indexes, unique and foreign-key constraints dropped for a bulk load."""

    indexes: list[tuple[str, str]]
    constraints: list[tuple[str, str, str, str]]


def _collect(cursor, tables: list[str]) -> DeferredDdl:
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('u', 'f')
        ORDER BY c.contype DESC, c.conname
        """,
        [tables],
    )
    constraints = [tuple(row) for row in cursor.fetchall()]
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [tables],
    )
    return DeferredDdl(indexes=[tuple(row) for row in cursor.fetchall()], constraints=constraints)


@contextmanager
def deferred_indexes(cursor, tables: list[str]) -> Iterator[DeferredDdl]:
    """Drop the secondary indexes, unique and foreign-key constraints of ``tables`` for the body,
    then build them again (indexes and unique constraints first, foreign keys last, which validates
    them in one pass each). Run it inside a transaction: a failure leaves everything as it was."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run pending foreign-key checks before the DDL
    ddl = _collect(cursor, tables)
    for table, name, _kind, _definition in ddl.constraints:  # foreign keys come first ('f' > 'u')
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in ddl.indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield ddl
    for _name, definition in ddl.indexes:
        cursor.execute(definition)
    for table, name, _kind, definition in reversed(ddl.constraints):  # unique first, then foreign keys
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
