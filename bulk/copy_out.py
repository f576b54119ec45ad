"""Reading large query results into pandas through PostgreSQL ``COPY ... TO STDOUT (FORMAT csv)``.

Building a frame from ``values_list`` rows costs a Python tuple and a few objects per row; at
national scale (millions of consumption rows per run) the CSV stream parsed by pandas' C reader is
several times faster. The frame has the same columns and values as ``DataFrame.from_records`` of the
queryset's rows except for types: dates come as ``datetime64``, NULL numbers as NaN, booleans as bool.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

NULL_MARK = r"\N"
# Fixed-width types of the binary COPY format, by PostgreSQL type oid: bool, int8, int2, int4, float8, date.
BINARY_TYPES = {16: "u1", 20: ">i8", 21: ">i2", 23: ">i4", 701: ">f8", 1082: ">i4"}
DATE_OID = 1082
PG_EPOCH = np.datetime64("2000-01-01", "D")


def copy_supported() -> bool:
    return connection.vendor == "postgresql"


def queryset_frame(
    queryset: QuerySet,
    columns: list[str],
    *,
    bool_columns: tuple[str, ...] = (),
    date_columns: tuple[str, ...] = (),
    numeric_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The rows of a ``values_list`` queryset as a frame named ``columns``: through ``COPY`` on
    PostgreSQL, from the rows elsewhere. ``bool_columns``, ``date_columns`` and ``numeric_columns``
    (JSON values read with a key lookup: JSON null becomes NaN) are typed on both paths so that
    callers see the same frame either way."""
    if not copy_supported():
        frame = pd.DataFrame.from_records(list(queryset), columns=columns)
    else:
        try:
            sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # ``.none()``: nothing to ask the server
            frame = pd.DataFrame(columns=columns)
        else:
            with connection.cursor() as cursor:
                statement = cursor.mogrify(sql, params).decode()
            frame = statement_frame(statement, columns, date_columns=date_columns)
    return queryset_frame_typed(frame, bool_columns, date_columns, numeric_columns)


def statement_frame(statement: str, columns: list[str], *, date_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows of a SQL ``statement`` (PostgreSQL, parameters already bound) named ``columns``:
    binary ``COPY`` when every column is fixed-width and no value is NULL, CSV otherwise."""
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        frame = binary_frame(cursor, statement, columns, date_columns=date_columns)
        if frame is not None:
            return frame
        cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, NULL '{NULL_MARK}')", buffer)
    buffer.seek(0)
    if not buffer.getvalue():
        return pd.DataFrame(columns=columns)
    return pd.read_csv(
        buffer,
        header=None,
        names=columns,
        keep_default_na=False,
        na_values=[NULL_MARK],
        true_values=["t"],
        false_values=["f"],
        low_memory=False,
    )


def queryset_frame_typed(frame: pd.DataFrame, bool_columns, date_columns, numeric_columns) -> pd.DataFrame:
    for column in bool_columns:
        frame[column] = frame[column].astype(bool)
    for column in date_columns:
        frame[column] = pd.to_datetime(frame[column])
    for column in numeric_columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")  # JSON null arrives as "null"
    return frame


def binary_frame(cursor, statement: str, columns: list[str], *, date_columns=()) -> pd.DataFrame | None:
    """The rows of ``statement`` through ``COPY ... (FORMAT binary)``, read by numpy as fixed-width
    records: the server formats no number as text and the client parses none. None when a column
    is not of a fixed-width type (text, JSON, numeric; or a date not in ``date_columns``) or a row
    holds a NULL: the caller then reads CSV. Same values and types as the CSV path."""
    cursor.execute(f"SELECT * FROM ({statement}) AS query LIMIT 0")  # noqa: S608 - our own query
    oids = [column.type_code for column in cursor.description]
    dates = {column for column, oid in zip(columns, oids, strict=True) if oid == DATE_OID}
    if any(oid not in BINARY_TYPES for oid in oids) or not dates <= set(date_columns):
        return None
    buffer = io.BytesIO()
    cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT binary)", buffer)
    data = buffer.getbuffer()
    start = 19 + int.from_bytes(data[15:19], "big")  # signature, flags, header extension
    body = data[start : len(data) - 2]  # the trailer is a field count of -1
    fields = [("count", ">i2")]
    for index, oid in enumerate(oids):
        fields += [(f"l{index}", ">i4"), (f"v{index}", BINARY_TYPES[oid])]
    layout = np.dtype(fields)
    if len(body) % layout.itemsize:
        return None
    records = np.frombuffer(body, dtype=layout)
    widths = [np.dtype(BINARY_TYPES[oid]).itemsize for oid in oids]
    if (records["count"] != len(oids)).any() or any(
        (records[f"l{index}"] != width).any() for index, width in enumerate(widths)
    ):
        return None  # a NULL (length -1) shifts every later record: read as text instead
    frame = {}
    for index, (column, oid) in enumerate(zip(columns, oids, strict=True)):
        values = records[f"v{index}"]
        if oid == DATE_OID:
            frame[column] = (PG_EPOCH + values.astype("int64")).astype("datetime64[us]")
        elif oid == 16:
            frame[column] = values.astype(bool)
        else:
            frame[column] = values.astype("float64" if values.dtype.kind == "f" else "int64")
    return pd.DataFrame(frame, columns=columns)
