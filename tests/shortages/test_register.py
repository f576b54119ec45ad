"""The shortage register through the API: open, update, mitigation actions, proposals, suggestions."""

from __future__ import annotations

import datetime as dt

import pytest

from partners.models import SupplyDeclaration
from shortages.choices import AlertKind
from shortages.models import Alert, MitigationAction, Shortage
from shortages.services import scores
from stock.models import ConsumptionMonth, StockLevel
from tests import factories
from tests.shortages.conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def medicine():
    return factories.MedicineFactory(inn="AMOXICILLINE")


def test_an_analyst_opens_and_resolves_a_shortage_with_a_coded_cause(personas, api_client_for, medicine):
    client = api_client_for(personas.analyst)
    # when
    response = client.post(
        "/api/v1/shortages/",
        {"medicine": medicine.pk, "cause": "api", "scope": "national", "started_on": "2026-06-01"},
        format="json",
    )
    # then
    assert response.status_code == 201, response.content
    shortage_id = response.json()["id"]
    assert response.json()["status"] == "anticipated"
    resolved = client.patch(f"/api/v1/shortages/{shortage_id}/", {"status": "resolved"}, format="json")
    assert resolved.status_code == 200
    assert resolved.json()["actual_end"] is not None
    assert Shortage.objects.get(pk=shortage_id).created_by == personas.analyst


def test_a_bad_shortage_names_the_field(personas, api_client_for, medicine):
    client = api_client_for(personas.analyst)
    regional = client.post(
        "/api/v1/shortages/",
        {"medicine": medicine.pk, "cause": "logistics", "scope": "regional", "started_on": "2026-06-01"},
        format="json",
    )
    assert regional.status_code == 400
    assert "region" in regional.json()["error"]["fields"]
    backwards = client.post(
        "/api/v1/shortages/",
        {"medicine": medicine.pk, "cause": "other", "started_on": "2026-06-01", "expected_end": "2026-01-01"},
        format="json",
    )
    assert backwards.status_code == 400
    assert "expected_end" in backwards.json()["error"]["fields"]


def test_non_analysts_read_but_do_not_write_the_register(personas, api_client_for, medicine):
    Shortage.objects.create(medicine=medicine, cause="import", started_on=dt.date(2026, 6, 1))
    industry = api_client_for(personas.company_user)
    assert len(industry.get("/api/v1/shortages/").json()["results"]) == 1
    response = industry.post(
        "/api/v1/shortages/", {"medicine": medicine.pk, "cause": "import", "started_on": "2026-06-01"}, format="json"
    )
    assert response.status_code == 403


def test_mitigation_actions_have_an_owner_a_due_date_and_a_status(personas, api_client_for, medicine):
    shortage = Shortage.objects.create(medicine=medicine, cause="import", started_on=dt.date(2026, 6, 1))
    client = api_client_for(personas.analyst)
    # when
    response = client.post(
        "/api/v1/shortage-actions/",
        {
            "shortage": shortage.pk,
            "kind": "exceptional_import",
            "owner": "analyst",
            "due_date": "2026-07-15",
            "description": "Autorisation d'importation exceptionnelle",
        },
        format="json",
    )
    # then
    assert response.status_code == 201, response.content
    action_id = response.json()["id"]
    done = client.patch(f"/api/v1/shortage-actions/{action_id}/", {"status": "done"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    listed = client.get(f"/api/v1/shortages/{shortage.pk}/").json()["actions"]
    assert [(a["kind"], a["owner"], a["due_date"]) for a in listed] == [("exceptional_import", "analyst", "2026-07-15")]
    reallocation = client.post(
        "/api/v1/shortage-actions/", {"shortage": shortage.pk, "kind": "reallocation"}, format="json"
    )
    assert reallocation.status_code == 400
    assert "from_establishment" in reallocation.json()["error"]["fields"]
    assert MitigationAction.objects.count() == 1


def test_a_national_alert_and_a_declared_disruption_are_proposed_and_opened(personas, api_client_for, medicine):
    # given a national alert and an accepted declaration of a disruption
    alert = Alert.objects.create(kind=AlertKind.NATIONAL_RISK, medicine=medicine, level="high", message="Risque")
    other = factories.MedicineFactory()
    declaration = SupplyDeclaration.objects.create(
        company=personas.member_company,
        medicine=other,
        month=dt.date(2026, 6, 1),
        stock_on_hand=10,
        monthly_sales=100,
        disruption=True,
        disruption_cause="manufacturing",
        disruption_start=dt.date(2026, 6, 10),
        disruption_end=dt.date(2026, 9, 30),
        status="accepted",
    )
    client = api_client_for(personas.analyst)
    proposals = client.get("/api/v1/shortages/proposals/").json()
    assert [a["id"] for a in proposals["alerts"]] == [alert.pk]
    assert [d["id"] for d in proposals["declarations"]] == [declaration.pk]
    # when
    from_alert = client.post("/api/v1/shortages/from-alert/", {"alert": alert.pk}, format="json")
    from_declaration = client.post(
        "/api/v1/shortages/from-declaration/", {"declaration": declaration.pk}, format="json"
    )
    # then
    assert from_alert.status_code == 201 and from_alert.json()["source_alert"] == alert.pk
    body = from_declaration.json()
    assert (body["cause"], body["started_on"], body["expected_end"]) == ("manufacturing", "2026-06-10", "2026-09-30")
    assert client.get("/api/v1/shortages/proposals/").json() == {"alerts": [], "declarations": []}
    again = client.post("/api/v1/shortages/from-alert/", {"alert": alert.pk}, format="json")
    assert again.status_code == 400


def test_suggestions_list_alternatives_and_overstocked_establishments_of_the_region(personas, api_client_for, medicine):
    # given an alternative, and in hospital A's region a second hospital holding 10 months of stock
    alternative = factories.MedicineFactory(inn="CEFALEXINE")
    medicine.alternatives.add(alternative)
    rich = factories.EstablishmentFactory(region=personas.hospital_a.region, name="Hôpital riche")
    for establishment, quantity in ((personas.hospital_a, 0), (rich, 1000)):
        StockLevel.objects.create(establishment=establishment, medicine=medicine, quantity=quantity)
        for month in (dt.date(2026, 5, 1), dt.date(2026, 6, 1)):
            ConsumptionMonth.objects.create(establishment=establishment, medicine=medicine, month=month, issued=100)
    scores.scoring_run_execute(as_of=AS_OF)
    shortage = Shortage.objects.create(
        medicine=medicine,
        cause="logistics",
        scope="establishment",
        establishment=personas.hospital_a,
        region=personas.hospital_a.region,
        started_on=dt.date(2026, 6, 1),
    )
    # when
    body = api_client_for(personas.analyst).get(f"/api/v1/shortages/{shortage.pk}/suggestions/").json()
    # then: surplus = 1000 - 3 months x 100 = 700 units
    assert [a["medicine"] for a in body["alternatives"]] == [alternative.pk]
    assert [(r["establishment"], r["surplus"]) for r in body["reallocations"]] == [(rich.pk, 700)]
