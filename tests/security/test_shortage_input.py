"""Every field the shortage schema accepts on creation is handled: a shortage recorded after the fact
with its actual end is kept, and inconsistent end dates are refused naming the field (never a 500)."""

from __future__ import annotations

import pytest

from shortages.models import Shortage
from tests import factories

URL = "/api/v1/shortages/"


@pytest.fixture
def analyst(personas, api_client_for):
    return api_client_for(personas.analyst)


def test_a_resolved_shortage_is_recorded_with_its_actual_end(analyst, db):
    # given a shortage that already ended when it is recorded
    medicine = factories.MedicineFactory()
    body = {
        "medicine": medicine.pk,
        "cause": "logistics",
        "status": "resolved",
        "started_on": "2026-01-10",
        "actual_end": "2026-02-20",
    }

    # when it is posted
    response = analyst.post(URL, body, format="json")

    # then it is kept with the end that was sent
    assert response.status_code == 201, response.content
    assert response.json()["actual_end"] == "2026-02-20"
    assert str(Shortage.objects.get().actual_end) == "2026-02-20"


@pytest.mark.parametrize(
    ("status", "actual_end"),
    [("ongoing", "2026-02-20"), ("resolved", "2025-12-31")],
    ids=["ongoing-with-an-end", "end-before-start"],
)
def test_an_inconsistent_actual_end_is_refused_naming_the_field(analyst, db, status, actual_end):
    # given an ongoing shortage with an end, or an end before the start
    medicine = factories.MedicineFactory()
    body = {"medicine": medicine.pk, "cause": "other", "status": status, "started_on": "2026-01-10"}

    # when it is posted
    response = analyst.post(URL, {**body, "actual_end": actual_end}, format="json")

    # then the field is named, and nothing is written
    assert response.status_code == 400, response.content
    assert "actual_end" in response.json()["error"]["fields"]
    assert not Shortage.objects.exists()
