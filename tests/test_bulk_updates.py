"""Rows of a model updated with their own values in one statement: what ``bulk_update`` writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulk.updates import rows_update
from shortages.choices import AlertKind
from shortages.models import Alert
from tests import factories

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_and_the_others_are_left_alone():
    # given three alerts
    medicine = factories.MedicineFactory()
    alerts = [
        Alert.objects.create(
            kind=AlertKind.STOCKOUT, medicine=medicine, establishment=factories.EstablishmentFactory(), level="high"
        )
        for _ in range(3)
    ]
    moment = dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC)
    changes = [
        Alert(pk=alerts[0].pk, level="critical", value={"usable_stock": 0.0, "note": "é"}, updated_at=moment),
        Alert(pk=alerts[1].pk, level="medium", value={}, updated_at=moment),
    ]
    # when
    with CaptureQueriesContext(connection) as queries:
        written = rows_update(Alert, changes, ["level", "value", "updated_at"])
    # then
    assert written == 2 and len(queries) == 1
    rows = {row.pk: row for row in Alert.objects.all()}
    assert (rows[alerts[0].pk].level, rows[alerts[0].pk].value) == ("critical", {"usable_stock": 0.0, "note": "é"})
    assert (rows[alerts[1].pk].level, rows[alerts[1].pk].value) == ("medium", {})
    assert rows[alerts[0].pk].updated_at == moment
    assert (rows[alerts[2].pk].level, rows[alerts[2].pk].value) == ("high", {})
    assert rows_update(Alert, [], ["level"]) == 0
