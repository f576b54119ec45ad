"""Statements of fixed text prepared once per session (PostgreSQL), run as they are elsewhere."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from bulk import prepared

SQL = "SELECT %s::int + 1, 'a%%b', %s::text"


def _session_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def _run(name: str, *params) -> tuple:
    with connection.cursor() as cursor:
        prepared.execute(cursor, name, SQL, list(params))
        return cursor.fetchone()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_statement_is_prepared_once_per_session_and_again_after_a_new_connection():
    # when a statement runs twice, once inside a transaction rolled back
    assert _run("bulk_test_sum", 1, "x") == (2, "a%b", "x")
    with transaction.atomic():
        assert _run("bulk_test_sum", 41, "y") == (42, "a%b", "y")
        transaction.set_rollback(True)
    # then the session holds it once, under its name, after the rollback too
    assert "bulk_test_sum" in _session_statements()
    assert _run("bulk_test_sum", 2, "z") == (3, "a%b", "z")
    # and after the connection is closed, the new session prepares it again
    connection.close()
    assert "bulk_test_sum" not in _session_statements()
    assert _run("bulk_test_sum", 9, "w") == (10, "a%b", "w")
    assert "bulk_test_sum" in _session_statements()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_name_that_is_not_a_plain_sql_name_is_refused():
    with connection.cursor() as cursor, pytest.raises(ValueError, match="plain lower-case SQL name"):
        prepared.execute(cursor, "x; DROP TABLE y", "SELECT 1", [])


@pytest.mark.embedded
@pytest.mark.django_db
def test_other_databases_run_the_text_as_it_is():
    with connection.cursor() as cursor:
        prepared.execute(cursor, "bulk_test_sum", "SELECT %s + 1, 'a%%b', %s", [1, "x"])
        assert cursor.fetchone() == (2, "a%b", "x")
