"""Many rows of a model updated with their own values in one statement.

Django's ``bulk_update`` writes ``SET field = CASE WHEN id = ... THEN ... END`` with one branch per
row, and builds an expression per branch in Python: for a thousand rows that is most of the time.
On PostgreSQL the rows travel instead as a ``VALUES`` list joined on the primary key (one
``UPDATE ... FROM``); elsewhere ``bulk_update`` does the work.
"""

from __future__ import annotations

import json

from django.db import connection, models

BATCH = 1000


def rows_update(model: type[models.Model], objects: list[models.Model], fields: list[str]) -> int:
    """Write ``fields`` of ``objects`` (instances of ``model`` with their primary key set). Returns
    how many rows were given."""
    if not objects:
        return 0
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, fields, batch_size=BATCH)
        return len(objects)
    meta = model._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
    assignments = ", ".join(
        f"{connection.ops.quote_name(field.column)} = v.{connection.ops.quote_name(field.column)}"
        for field in columns[1:]
    )
    template = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in columns) + ")"
    table = connection.ops.quote_name(meta.db_table)
    pk = connection.ops.quote_name(meta.pk.column)
    rows = [tuple(_value(field, getattr(item, field.attname)) for field in columns) for item in objects]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            values = ", ".join(cursor.mogrify(template, row).decode() for row in rows[start : start + BATCH])
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} FROM (VALUES {values}) AS v ({names})"  # noqa: S608
                f" WHERE t.{pk} = v.{pk}"
            )
    return len(rows)


def _value(field: models.Field, value):
    if isinstance(field, models.JSONField) and value is not None:
        return json.dumps(value, cls=field.encoder)
    return value
