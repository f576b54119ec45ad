"""Every page's SQL query count is pinned and does not grow with the data: each page is measured on
a small world, then on the same world with four times more rows, and both counts must be equal."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.web.world import build_world

# (persona, url name, args from the world, pinned maximum: the count measured, session and user included;
# an analyst's pages read its regions and provinces once, stock.scopes.analyst_area; an establishment
# user's pages read its establishments once, stock.scopes.readable_establishment_ids; the overview and
# the region pages ask whether the day has stored sums, shortages.selectors_pages.common.day_counts; the
# model page reads the latest day, then its stored sums, then, on a day without them as here, its
# positions, shortages.selectors_pages.common.model_reach)
REDIRECTS = {("hospital_a_user", "home"): 302}
PAGES = [
    (None, "login", None, 0),
    ("hospital_a_user", "home", None, 5),
    ("analyst", "home", None, 10),
    ("analyst", "shortages:overview", None, 17),
    ("analyst", "shortages:medicine_list", None, 6),
    ("analyst", "shortages:medicine_detail", "medicine", 18),
    ("analyst", "shortages:region_list", None, 8),
    ("analyst", "shortages:region_detail", "region", 15),
    ("analyst", "shortages:establishment_detail", "hospital_a", 13),
    ("analyst", "shortages:alert_list", None, 8),
    ("analyst", "shortages:alert_detail", "alert", 10),
    ("analyst", "shortages:shortage_list", None, 7),
    ("analyst", "shortages:shortage_detail", "shortage", 17),
    ("analyst", "shortages:shortage_create", None, 5),
    ("association_user", "home", None, 6),
    ("association_user", "shortages:shortage_detail", "shortage", 9),
    ("association_user", "shortages:overview", None, 16),
    ("association_user", "shortages:medicine_detail", "medicine", 15),
    ("association_user", "shortages:alert_list", None, 7),
    ("hospital_a_user", "shortages:establishment_detail", "hospital_a", 13),
    ("hospital_a_user", "shortages:alert_list", None, 8),
    ("hospital_a_user", "shortages:medicine_detail", "medicine", 16),
    ("analyst", "shortages:position_detail", "position", 9),
    ("hospital_a_user", "shortages:position_detail", "position", 9),
    ("analyst", "shortages:prediction_model", None, 10),
]
EXPORTS = [
    ("analyst", "shortages:alert_list", None),
    ("analyst", "shortages:shortage_list", None),
    ("analyst", "shortages:medicine_list", None),
    ("analyst", "shortages:region_detail", "region"),
    ("hospital_a_user", "shortages:establishment_detail", "hospital_a"),
]


def _url(name, arg, personas, world):
    args = {
        None: [],
        "medicine": lambda: [world.medicines[0].pk],
        "region": lambda: [world.regions[0].pk],
        "hospital_a": lambda: [personas.hospital_a.pk],
        "position": lambda: [personas.hospital_a.pk, world.medicines[0].pk],
        "alert": lambda: [world.alerts[0].pk],
        "shortage": lambda: [world.shortages[0].pk],
    }[arg]
    return reverse(name, args=args() if callable(args) else args)


def _count(client, url, status: int = 200) -> int:
    cache.clear()  # the overview caches its year-long consumption aggregates: count them every time
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return len(queries)


@pytest.mark.parametrize(
    ("persona", "name", "arg", "budget"), PAGES, ids=[f"{p[0] or 'anonymous'}-{p[1]}" for p in PAGES]
)
def test_page_query_count_is_flat(client, personas, django_assert_max_num_queries, persona, name, arg, budget):
    # given
    world = build_world(personas, size=1, batch="A")
    if persona:
        client.force_login(getattr(personas, persona))
    url = _url(name, arg, personas, world)
    status = REDIRECTS.get((persona, name), 200)
    small = _count(client, url, status)
    build_world(personas, size=4, batch="B")
    # when
    with django_assert_max_num_queries(budget):
        large = _count(client, url, status)
    # then
    assert large == small


@pytest.mark.parametrize(("persona", "name", "arg"), EXPORTS, ids=[f"{e[0]}-{e[1]}" for e in EXPORTS])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_query_count_is_flat(client, personas, persona, name, arg, fmt):
    # given
    world = build_world(personas, size=1, batch="A")
    client.force_login(getattr(personas, persona))
    url = f"{_url(name, arg, personas, world)}?format={fmt}"
    small = _count(client, url)
    build_world(personas, size=4, batch="B")
    # when
    large = _count(client, url)
    # then
    assert large == small
