"""List pages filter with the API's FilterSets: each page's filter is the FilterSet of the API list
that serves the same rows (or a page subclass of it), so a filter means the same on both."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from tests.web.world import build_world

# (persona, page, whether it takes hospital A's id, API list of the same rows)
PAGES = [
    ("analyst", "shortages:alert_list", False, "alert-list"),
    ("analyst", "shortages:shortage_list", False, "shortage-list"),
    ("analyst", "shortages:medicine_list", False, "medicine-list"),
    ("hospital_a_user", "shortages:establishment_detail", True, "stock-level-list"),
    ("association_user", "partners:declaration_list", False, "declaration-list"),
    ("analyst", "partners:organization_list", False, "organization-list"),
    ("analyst", "partners:agreement_list", False, "agreement-list"),
    ("analyst", "partners:commitment_list", False, "commitment-list"),
    ("analyst", "stock:audit_list", False, "audit-list"),
    ("hospital_a_user", "stock:import_list", False, "import-job-list"),
]


@pytest.mark.parametrize(("persona", "page", "takes_id", "api_list"), PAGES, ids=[p[1] for p in PAGES])
def test_list_page_filters_with_the_api_filterset(client, personas, persona, page, takes_id, api_list):
    # given
    build_world(personas, size=1)
    client.force_login(getattr(personas, persona))
    api_filterset = resolve(reverse(api_list)).func.cls.filterset_class
    # when
    response = client.get(reverse(page, args=[personas.hospital_a.pk] if takes_id else []))
    # then
    assert response.status_code == 200
    assert isinstance(response.context["filter"], api_filterset)


@pytest.mark.parametrize(("persona", "page", "takes_id", "api_list"), PAGES, ids=[p[1] for p in PAGES])
def test_list_page_selects_read_tous_rather_than_dashes(client, personas, persona, page, takes_id, api_list):
    # given the API's filters already turned into form fields (as the OpenAPI schema does)
    api_filterset = resolve(reverse(api_list)).func.cls.filterset_class
    for filter_ in api_filterset.base_filters.values():
        assert filter_.field is not None
    client.force_login(getattr(personas, persona))
    # when
    response = client.get(reverse(page, args=[personas.hospital_a.pk] if takes_id else []))
    # then: no "---------" left as the empty choice of a filter
    form = response.context["filter"].form
    assert "---------" not in str(form)
