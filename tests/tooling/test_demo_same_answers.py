"""On the demo history: rows written for the changed positions only answer what rows written for
every position answer (API of both days, pages), after the same runs."""

from __future__ import annotations

from io import StringIO

import numpy as np
from django.core.management import call_command

from shortages.models import Alert, Notification, RiskScore, ScoringRun
from shortages.services import position_rows
from stock.models import Establishment, StockLevel
from tests.shortages import test_same_answers as same
from tests.tooling.test_demo_scoring import reference  # noqa: F401 - the fixture

AS_OF = same.AS_OF


def test_the_demo_answers_the_same_with_rows_of_changed_positions_only(
    reference,  # noqa: F811 - the fixture
    client,
    personas,
    api_client_for,
    monkeypatch,
    settings,
):
    # given the demo history up to the first day, and three positions that will change the next
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command(
        "generate_demo", as_of=AS_OF, months=12, reset=True, stdout=StringIO(), hospitals=6, centres=8, medicines=12
    )
    for model in (Notification, Alert, RiskScore, ScoringRun):
        model.objects.all().delete()
    sites = list(Establishment.objects.filter(code__startswith="H-").order_by("pk")[:2])
    changed = list(StockLevel.objects.order_by("pk").values_list("pk", "quantity")[:3])
    api = api_client_for(personas.analyst)
    # when both days are scored with rows for the changed positions only, then again from scratch
    # with a row for every position
    changed_only = same._scenario(api, client, personas, sites, changed)
    for model in (Notification, Alert, RiskScore, ScoringRun):
        model.objects.all().delete()
    for pk, quantity in changed:
        StockLevel.objects.filter(pk=pk).update(quantity=quantity)
    monkeypatch.setattr(position_rows, "changed", lambda stored, current: np.ones(len(stored), dtype=bool))
    every_row = same._scenario(api, client, personas, sites, changed)
    # then the second day wrote far fewer rows, and the answers are the same
    positions = StockLevel.objects.count()
    assert 3 <= changed_only[0] < every_row[0] and every_row[0] >= positions > 100
    assert len(changed_only[2]) > positions
    assert changed_only[1:4] == every_row[1:4]
    assert changed_only[4] == every_row[4]
