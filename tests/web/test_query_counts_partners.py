"""The partners and stock pages run a fixed number of SQL queries: each page is measured on a small
world, then with four times more companies, declarations, commitments, jobs and audit entries, and
both counts must be equal (and within the pinned budget)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.web.partners_world import build_partners_world

# (persona, url name, object, query string, pinned maximum: the count measured, session and user included)
PAGES = [
    ("analyst", "partners:organization_list", None, "", 6),
    ("analyst", "partners:organization_detail", "member", "", 14),
    ("association_user", "partners:organization_detail", "association", "", 12),
    ("analyst", "partners:agreement_list", None, "", 6),
    ("analyst", "partners:agreement_detail", "agreement", "", 8),
    ("association_user", "partners:commitment_list", None, "", 8),
    ("analyst", "partners:commitment_progress", "commitment", "", 7),
    ("association_user", "partners:declaration_list", None, "", 6),
    ("analyst", "partners:declaration_list", None, "?status=submitted", 7),
    ("association_user", "partners:declaration_create", None, "", 5),
    ("association_user", "partners:declaration_upload", None, "", 3),
    ("association_user", "partners:declaration_detail", "declaration", "", 7),
    ("analyst", "partners:declaration_detail", "declaration", "", 8),
    ("analyst", "partners:late_declarants", None, "month", 6),
    ("association_user", "partners:compliance", None, "month", 4),
    ("analyst", "partners:compliance", None, "month", 5),
    ("association_user", "partners:declaration_list", None, "?format=csv", 4),
    ("analyst", "partners:declaration_list", None, "?format=xlsx", 4),
    ("analyst", "partners:compliance", None, "month-xlsx", 4),
    ("hospital_a_user", "stock:report_upload", None, "", 4),
    ("association_user", "stock:import_job", "job", "", 4),
    ("association_user", "stock:import_list", None, "", 5),
    ("analyst", "stock:import_list", None, "?status=failed", 6),  # the analyst's regions are read once (stock.scopes)
    ("analyst", "stock:audit_list", None, "", 5),  # the analyst's regions are read once (stock.scopes)
]


def _url(name, target, query, personas, world) -> str:
    objects = {
        None: None,
        "member": lambda: personas.member_company.organization,
        "association": lambda: personas.association,
        "agreement": lambda: world.agreement,
        "commitment": lambda: world.commitments[0],
        "declaration": lambda: world.declarations[0],
        "job": lambda: world.jobs[0],
    }
    obj = objects[target]() if target else None
    url = reverse(name, args=[obj.pk] if obj is not None else [])
    if query.startswith("month"):
        fmt = query.partition("-")[2]
        return f"{url}?month={world.month:%Y-%m}" + (f"&format={fmt}" if fmt else "")
    return url + query


def _count(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.mark.parametrize(
    ("persona", "name", "target", "query", "budget"), PAGES, ids=[f"{p[0]}-{p[1]}{p[3]}" for p in PAGES]
)
def test_partner_and_stock_page_query_count_is_flat(
    client, personas, django_assert_max_num_queries, persona, name, target, query, budget
):
    # given
    world = build_partners_world(personas, size=1, batch="A")
    client.force_login(getattr(personas, persona))
    url = _url(name, target, query, personas, world)
    small = _count(client, url)
    build_partners_world(personas, size=4, batch="B")
    # when
    with django_assert_max_num_queries(budget):
        large = _count(client, url)
    # then
    assert large == small
