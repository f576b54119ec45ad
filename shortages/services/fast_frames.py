"""Reading large query results into pandas through PostgreSQL ``COPY ... TO STDOUT (FORMAT csv)``.

Building a frame from ``values_list`` rows costs a Python tuple and a few objects per row; at
national scale (millions of consumption rows per run) the CSV stream parsed by pandas' C reader is
several times faster. The frame has the same columns and values as ``DataFrame.from_records`` of the
queryset's rows except for types: dates come as ``datetime64``, NULL numbers as NaN, booleans as bool.
"""

from __future__ import annotations

import io

import pandas as pd
from django.db import connection
from django.db.models import QuerySet

NULL_MARK = r"\N"


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
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        buffer = io.StringIO()
        with connection.cursor() as cursor:
            statement = cursor.mogrify(sql, params).decode()
            cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, NULL '{NULL_MARK}')", buffer)
        buffer.seek(0)
        if not buffer.getvalue():
            return queryset_frame_typed(pd.DataFrame(columns=columns), bool_columns, date_columns, numeric_columns)
        frame = pd.read_csv(
            buffer,
            header=None,
            names=columns,
            keep_default_na=False,
            na_values=[NULL_MARK],
            true_values=["t"],
            false_values=["f"],
            low_memory=False,
        )
    return queryset_frame_typed(frame, bool_columns, date_columns, numeric_columns)


def queryset_frame_typed(frame: pd.DataFrame, bool_columns, date_columns, numeric_columns) -> pd.DataFrame:
    for column in bool_columns:
        frame[column] = frame[column].astype(bool)
    for column in date_columns:
        frame[column] = pd.to_datetime(frame[column])
    for column in numeric_columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")  # JSON null arrives as "null"
    return frame
