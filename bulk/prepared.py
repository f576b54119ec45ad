"""Statements of fixed text planned once per database session instead of once per request.

A page of the API runs the same few statements of fixed text with other values on every request.
PostgreSQL parses and plans each one anew: 0.35 ms of the 1.25 ms of a page's rows with their
scores (docs/performance.md). :func:`execute` names such a statement, prepares it the first time a
session runs it (``PREPARE``, with ``$n`` for the ``%s`` of the text) and runs it by name
(``EXECUTE``) afterwards; PostgreSQL then plans it once or keeps a generic plan, as it judges best.

Prepared statements belong to the session: they outlive a rolled-back transaction and end with the
connection, so the names prepared are kept on Django's connection and forgotten whenever it opens a
new one (``connection_created``). A pooler that hands one session to several clients a transaction at
a time (PgBouncer in transaction mode) would break this; the deployment uses direct connections.
Other databases run the text as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db.backends.signals import connection_created

_PREPARED = "_bulk_prepared_statements"
_PLACEHOLDER = re.compile(r"%(s|%)")
NAME = re.compile(r"[a-z_][a-z0-9_]*")


def _forget(sender, connection, **kwargs) -> None:
    """A new session has no prepared statement."""
    setattr(connection, _PREPARED, set())


connection_created.connect(_forget, dispatch_uid="bulk.prepared")


def execute(cursor, name: str, sql: str, params: Sequence) -> None:
    """Run ``sql`` (``%s`` placeholders, the same text on every call) with ``params`` on ``cursor``
    (a Django cursor), prepared under ``name`` on PostgreSQL. The text must not contain ``%s`` but as
    placeholders (``%%`` for a literal ``%``)."""
    database = cursor.db
    if database.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    if not NAME.fullmatch(name):
        raise ValueError(f"name: {name!r} is not a plain lower-case SQL name")
    prepared = database.__dict__.setdefault(_PREPARED, set())
    if name not in prepared:
        numbers = iter(range(1, len(params) + 1))
        text = _PLACEHOLDER.sub(lambda match: "%" if match.group(1) == "%" else f"${next(numbers)}", sql)
        cursor.execute(f"PREPARE {name} AS {text}")
        prepared.add(name)
    placeholders = ", ".join(["%s"] * len(params))
    cursor.execute(f"EXECUTE {name}({placeholders})" if params else f"EXECUTE {name}", params)
