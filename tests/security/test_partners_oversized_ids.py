"""An id filter of the partners lists given a number no id column holds (the review sent
99999999999999999999) answers 400 naming the filter, never a 500 (it was an OverflowError on
SQLite). The filters share one field (``stock.filtering.IdField``)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/declarations/", {"company": HUGE}, "company"),
        ("/api/v1/declarations/", {"medicine": HUGE}, "medicine"),
        ("/api/v1/declarations/", {"company": f"-{HUGE}"}, "company"),
        ("/api/v1/compliance/", {"month": "2026-01", "company": HUGE}, "company"),
        ("/api/v1/product-suppliers/", {"medicine": HUGE}, "medicine"),
        ("/api/v1/agreements/", {"party": HUGE}, "party"),
        ("/api/v1/companies/", {"member_of": HUGE}, "member_of"),
    ],
)
def test_an_id_out_of_range_is_a_400_naming_the_filter(personas, api_client_for, url, params, field):
    response = api_client_for(personas.analyst).get(url, params)
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]


def test_the_agreements_page_shows_the_error_and_the_largest_id_matches_nothing(client, personas, api_client_for):
    client.force_login(personas.analyst)
    response = client.get("/accords/", {"party": HUGE})
    assert response.status_code == 400
    assert "party" in response.context["filter"].errors
    largest = api_client_for(personas.analyst).get("/api/v1/declarations/", {"company": str(2**63 - 1)})
    assert largest.status_code == 200 and largest.json()["results"] == []
