"""Rows written only for the positions that changed answer what rows written for every position
answer: the API's scores of each day and the pages' figures, after the same runs."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from django.urls import reverse

from shortages.models import Alert, Notification, RiskScore, ScoringRun
from shortages.services import position_rows, scores
from stock.models import StockLevel
from tests.shortages.conftest import AS_OF, build_positions

pytestmark = pytest.mark.django_db
NEXT_DAY = AS_OF + dt.timedelta(days=1)
PAGES = ("shortages:overview", "shortages:region_list", "shortages:alert_list")


def _api(client, day: dt.date | None) -> list[dict]:
    url = "/api/v1/risk-scores/?page_size=500" + (f"&as_of={day.isoformat()}" if day else "")
    rows = client.get(url).json()["results"]
    answers = [{key: value for key, value in row.items() if key not in ("id", "run")} for row in rows]
    return sorted(answers, key=lambda row: (row["establishment"] or 0, row["medicine"]))


def _pages(client, personas, sites) -> dict[str, str]:
    client.force_login(personas.analyst)
    urls = [reverse(name) for name in PAGES]
    urls += [reverse("shortages:establishment_detail", args=[site.pk]) for site in sites]
    level = StockLevel.objects.order_by("pk").first()
    urls.append(reverse("shortages:position_detail", args=[level.establishment_id, level.medicine_id]))
    urls.append(reverse("shortages:medicine_detail", args=[level.medicine_id]))
    pages = {}
    for url in urls:
        page = client.get(url).content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        # the alerts of each scenario have their own ids, and the minute each was opened in
        page = re.sub(r"/alerts/\d+/", "/alerts/N/", page)
        pages[url] = re.sub(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", "OPENED", page)
    return pages


def _scenario(api, client, personas, sites, changed: list[tuple[int, int]]) -> tuple:
    """Score a day, change ``changed`` positions' stock by 300, score the next day; what both days read."""
    scores.scoring_run_execute(as_of=AS_OF)
    for pk, quantity in changed:
        StockLevel.objects.filter(pk=pk).update(quantity=quantity + 300)
    run = scores.scoring_run_execute(as_of=NEXT_DAY)
    written = RiskScore.objects.positions().filter(run=run).count()
    return written, _api(api, AS_OF), _api(api, NEXT_DAY), _api(api, None), _pages(client, personas, sites)


def test_rows_of_changed_positions_answer_like_rows_of_every_position(client, personas, api_client_for, monkeypatch):
    # given positions of which three will change between two scored days
    sites, _ = build_positions(
        establishments=3, medicines=4, stock_months=(0.0, 3.0), region=personas.hospital_a.region
    )
    changed = list(StockLevel.objects.order_by("pk").values_list("pk", "quantity")[:3])
    api = api_client_for(personas.analyst)
    # when the two days are scored with rows for the changed positions only
    changed_only = _scenario(api, client, personas, sites, changed)
    # and again from scratch with a row for every position each day
    for model in (Notification, Alert, RiskScore, ScoringRun):
        model.objects.all().delete()
    for pk, quantity in changed:
        StockLevel.objects.filter(pk=pk).update(quantity=quantity)
    monkeypatch.setattr(position_rows, "changed", lambda stored, current: np.ones(len(stored), dtype=bool))
    every_row = _scenario(api, client, personas, sites, changed)
    # then the second day wrote three rows (or a few more whose figures moved with the day) against
    # twelve, and both days' API answers and the pages are the same
    assert 3 <= changed_only[0] < every_row[0] == 12
    assert len(changed_only[1]) == len(changed_only[2]) == 12 + 4
    assert changed_only[1:4] == every_row[1:4]
    assert {row["as_of"] for row in changed_only[2]} == {NEXT_DAY.isoformat()}
    assert changed_only[4] == every_row[4]
