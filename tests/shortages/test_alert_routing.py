"""Alerts go to who can act: regional and provincial analysts see and manage their establishments
only, a national analyst everything; every user's inbox, through the API (``?inbox=true``) and the
pages; position alerts stay one click away from the regional roll-ups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from shortages.choices import AlertKind
from shortages.models import Alert
from tests.shortages.conftest import AS_OF
from tests.shortages.routing_world import build_routing_world

pytestmark = pytest.mark.django_db


def listed(client, url: str, **params) -> list[dict]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


def alert_keys(rows: list[dict]) -> set[tuple]:
    """(kind, establishment code or region id or "national") of listed alerts."""
    establishments = {}
    from stock.models import Establishment

    for establishment in Establishment.objects.all():
        establishments[establishment.pk] = establishment.code
    return {
        (row["kind"], establishments[row["establishment"]] if row["establishment"] else row["region"] or "national")
        for row in rows
    }


def national_keys() -> set[tuple]:
    """The national alerts the run opened (the disruption, and what the national score raised)."""
    return {(kind, "national") for kind in Alert.objects.national().values_list("kind", flat=True)}


@pytest.fixture
def world(personas):
    return build_routing_world(personas)


def test_the_run_opens_position_alerts_one_roll_up_and_the_national_alert(personas, world):
    # then: stockouts at A, C, D (region 01) and B (region 06); one roll-up for region 01 (3 of 4
    # positions), none for region 06 (one position); the declared disruption nationally
    region_01 = personas.hospital_a.region
    rollup = Alert.objects.get(kind=AlertKind.REGIONAL_STOCKOUT)
    assert rollup.region == region_01 and rollup.establishment is None
    assert rollup.value == {"share_at_risk": 0.75, "positions": 4, "at_risk": 3}
    assert rollup.level == "high"  # 75 % is over twice the 20 % threshold, medicine not vital
    stockouts = set(Alert.objects.filter(kind=AlertKind.STOCKOUT).values_list("establishment__code", flat=True))
    assert stockouts == {"T-HOSP-A", "T-HOSP-B", "T-HOSP-C", "T-HOSP-D"}
    assert Alert.objects.national().filter(kind=AlertKind.DISRUPTION).count() == 1


def test_a_regional_analyst_sees_its_region_and_the_national_alerts_only(personas, world, api_client_for):
    # when
    client = api_client_for(world.regional_analyst)
    rows = listed(client, "/api/v1/alerts/")
    # then
    region_01 = personas.hospital_a.region_id
    assert (
        alert_keys(rows)
        == {
            ("stockout", "T-HOSP-A"),
            ("stockout", "T-HOSP-C"),
            ("stockout", "T-HOSP-D"),
            ("regional_stockout", region_01),
        }
        | national_keys()
    )
    hospital_b_alert = Alert.objects.get(establishment=personas.hospital_b)
    assert client.get(f"/api/v1/alerts/{hospital_b_alert.pk}/").status_code == 404
    # and the establishment data of its region only: stock levels and position scores
    codes = {row["establishment"] for row in listed(client, "/api/v1/stock-levels/")}
    assert codes == {"T-HOSP-A", "T-HOSP-C", "T-HOSP-D", "T-CS-E"}
    scored = listed(client, "/api/v1/risk-scores/", national="false")
    assert {row["establishment_name"] for row in scored} == {"Hôpital A", "Hôpital C", "Hôpital D", "Centre E"}


def test_a_provincial_analyst_sees_the_establishments_of_its_province(personas, world, api_client_for):
    # given hospital A, hospital D and centre E in hospital A's province; hospital C in another
    client = api_client_for(world.province_analyst)
    # when
    rows = listed(client, "/api/v1/alerts/")
    # then its position alerts, the roll-up of its province's region, the national alerts
    assert (
        alert_keys(rows)
        == {
            ("stockout", "T-HOSP-A"),
            ("stockout", "T-HOSP-D"),
            ("regional_stockout", personas.hospital_a.region_id),
        }
        | national_keys()
    )
    assert {row["establishment"] for row in listed(client, "/api/v1/stock-levels/")} == {
        "T-HOSP-A",
        "T-HOSP-D",
        "T-CS-E",
    }


def test_an_analyst_linked_to_nothing_is_national(personas, world, api_client_for):
    rows = listed(api_client_for(personas.analyst), "/api/v1/alerts/")
    assert {key for key in alert_keys(rows) if key[0] == "stockout"} == {
        ("stockout", code) for code in ("T-HOSP-A", "T-HOSP-B", "T-HOSP-C", "T-HOSP-D")
    }


def test_every_inbox_holds_what_its_user_acts_on(personas, world, api_client_for):
    region_01 = personas.hospital_a.region_id

    def inbox(user) -> set[tuple]:
        return alert_keys(listed(api_client_for(user), "/api/v1/alerts/", inbox="true"))

    # the national analyst: roll-ups and national alerts, no position alert
    assert ("disruption", "national") in national_keys()
    assert inbox(personas.analyst) == {("regional_stockout", region_01)} | national_keys()
    # the regional analyst: its positions and its region's roll-up, not the national alerts
    assert inbox(world.regional_analyst) == {
        ("stockout", "T-HOSP-A"),
        ("stockout", "T-HOSP-C"),
        ("stockout", "T-HOSP-D"),
        ("regional_stockout", region_01),
    }
    # each establishment user: its own position alerts
    assert inbox(personas.hospital_a_user) == {("stockout", "T-HOSP-A")}
    assert inbox(personas.hospital_b_user) == {("stockout", "T-HOSP-B")}
    # the association (covers the member company that supplies the medicine): the national alerts;
    # the outside company supplies nothing alerted
    assert inbox(personas.association_user) == national_keys()
    assert inbox(personas.company_user) == set()


def test_a_regional_analyst_manages_its_alerts_not_others_nor_national_ones(personas, world, api_client_for):
    client = api_client_for(world.regional_analyst)
    own = Alert.objects.get(kind=AlertKind.STOCKOUT, establishment=personas.hospital_a)
    other = Alert.objects.get(kind=AlertKind.STOCKOUT, establishment=personas.hospital_b)
    national = Alert.objects.get(kind=AlertKind.DISRUPTION)
    # when / then
    assert client.post(f"/api/v1/alerts/{own.pk}/acknowledge/", {}, format="json").status_code == 200
    assert client.post(f"/api/v1/alerts/{other.pk}/acknowledge/", {}, format="json").status_code == 404
    assert client.post(f"/api/v1/alerts/{national.pk}/acknowledge/", {}, format="json").status_code == 403
    # and it assigns only to analysts who see the alert
    refused = client.post(
        f"/api/v1/alerts/{own.pk}/assign/", {"assignee": world.province_analyst.username}, format="json"
    )
    assert refused.status_code == 200  # hospital A is in the provincial analyst's province
    hospital_c = Alert.objects.get(kind=AlertKind.STOCKOUT, establishment=world.hospital_c)
    refused = client.post(
        f"/api/v1/alerts/{hospital_c.pk}/assign/", {"assignee": world.province_analyst.username}, format="json"
    )
    assert refused.status_code == 400 and "assignee" in refused.json()["error"]["fields"]


def test_a_national_alert_is_assigned_to_national_analysts_only(personas, world, api_client_for):
    # given a national alert, which a regional analyst reads but does not manage
    national = Alert.objects.get(kind=AlertKind.DISRUPTION)
    client = api_client_for(personas.analyst)
    # when the national analyst assigns it to the regional analyst, then to itself
    refused = client.post(
        f"/api/v1/alerts/{national.pk}/assign/", {"assignee": world.regional_analyst.username}, format="json"
    )
    accepted = client.post(f"/api/v1/alerts/{national.pk}/assign/", {"assignee": "analyst"}, format="json")
    # then the first is refused on the assignee, with the reason; the second lands
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["assignee"] == [
        "Les alertes nationales sont gérées par les analystes nationaux."
    ]
    assert accepted.status_code == 200 and accepted.json()["assignee"] == "analyst"
    national.refresh_from_db()
    assert national.assignee == personas.analyst


def test_a_regional_analyst_writes_stock_for_its_region_only(personas, world, api_client_for):
    client = api_client_for(world.regional_analyst)

    def receipt(code: str) -> int:
        body = {
            "establishment": code,
            "medicine": world.medicine.code,
            "kind": "receipt",
            "business_date": AS_OF.isoformat(),
            "quantity": 10,
        }
        return client.post("/api/v1/movements/", body, format="json").status_code

    assert receipt("T-HOSP-A") == 201
    assert receipt("T-HOSP-B") in (400, 403)


def test_the_pages_follow_the_same_scope(client, personas, world):
    # given the regional analyst signed in
    client.force_login(world.regional_analyst)
    # when / then: its alerts page (inbox by default) names its establishments, not hospital B
    page = client.get(reverse("shortages:alert_list")).content.decode()
    assert "Hôpital A" in page and "Hôpital C" in page and "Hôpital B" not in page
    everything = client.get(reverse("shortages:alert_list"), {"status": ["open", "acknowledged"]}).content.decode()
    assert "Hôpital B" not in everything
    # pages of other establishments and regions are not found; its own are there
    assert client.get(reverse("shortages:establishment_detail", args=[personas.hospital_b.pk])).status_code == 404
    assert client.get(reverse("shortages:establishment_detail", args=[personas.hospital_a.pk])).status_code == 200
    assert client.get(reverse("shortages:region_detail", args=[personas.hospital_b.region_id])).status_code == 404
    region_page = client.get(reverse("shortages:region_detail", args=[personas.hospital_a.region_id]))
    assert region_page.status_code == 200
    # the region list and the overview's map link to its own region's page only
    for name in ("shortages:region_list", "shortages:overview"):
        listing = client.get(reverse(name)).content.decode()
        assert reverse("shortages:region_detail", args=[personas.hospital_a.region_id]) in listing
        assert reverse("shortages:region_detail", args=[personas.hospital_b.region_id]) not in listing
    # and the alerts export lists the same alerts
    export = client.get(reverse("shortages:alert_list"), {"status": "open", "format": "csv"}).content.decode()
    assert "Hôpital A" in export and "Hôpital B" not in export


def test_the_national_analyst_reaches_the_position_alerts_from_the_roll_up(client, personas, world):
    # given the national analyst's inbox page
    client.force_login(personas.analyst)
    inbox = client.get(reverse("shortages:alert_list")).content.decode()
    rollup = Alert.objects.get(kind=AlertKind.REGIONAL_STOCKOUT)
    assert reverse("shortages:alert_detail", args=[rollup.pk]) in inbox
    assert "Hôpital A" not in inbox  # no position alert in the national inbox
    # when the roll-up is opened
    page = client.get(reverse("shortages:alert_detail", args=[rollup.pk])).content.decode()
    # then its figure is in words
    assert (
        "75 % des positions de la région en rupture, sous le seuil d&#x27;urgence ou à une probabilité de "
        "rupture d&#x27;au moins 50 % (modèle appris) (3 sur 4)."
    ) in page
    # and its establishments are listed, each one click from its alert and its stock
    section = page[page.index('data-testid="rollup-positions"') :]
    for establishment in (personas.hospital_a, world.hospital_c, world.hospital_d):
        alert = Alert.objects.get(kind=AlertKind.STOCKOUT, establishment=establishment)
        assert reverse("shortages:alert_detail", args=[alert.pk]) in section
        assert reverse("shortages:establishment_detail", args=[establishment.pk]) in section
    assert "Centre E" not in section and "Hôpital B" not in section


def test_the_alert_filters_tell_national_regional_and_position_alerts_apart(personas, world, api_client_for):
    client = api_client_for(personas.analyst)
    kinds = {scope: {row["kind"] for row in listed(client, "/api/v1/alerts/", scope=scope)} for scope in
             ("national", "regional", "establishment")}  # fmt: skip
    assert kinds == {
        "national": {kind for kind, _ in national_keys()},
        "regional": {"regional_stockout"},
        "establishment": {"stockout"},
    }
    assert {row["kind"] for row in listed(client, "/api/v1/alerts/", national="true")} == kinds["national"]


def test_a_snoozed_alert_leaves_the_inbox_until_its_day(personas, world, api_client_for):
    client = api_client_for(world.regional_analyst)
    alert = Alert.objects.get(kind=AlertKind.STOCKOUT, establishment=personas.hospital_a)
    until = timezone.localdate() + dt.timedelta(days=10)
    # when
    response = client.post(
        f"/api/v1/alerts/{alert.pk}/snooze/", {"until": until.isoformat(), "reason": "Livraison le 10."}, format="json"
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["snoozed_until"] == until.isoformat() and body["snooze_reason"] == "Livraison le 10."
    assert body["events"][-1]["kind"] == "snoozed" and body["events"][-1]["comment"] == "Livraison le 10."
    inbox = {row["id"] for row in listed(client, "/api/v1/alerts/", inbox="true")}
    assert alert.pk not in inbox
    assert alert.pk not in {
        row["id"] for row in listed(api_client_for(personas.hospital_a_user), "/api/v1/alerts/", inbox="true")
    }
    assert alert.pk in {row["id"] for row in listed(client, "/api/v1/alerts/")}  # still visible, still active


def test_a_snooze_needs_a_reason_and_a_future_date(personas, world, api_client_for):
    client = api_client_for(world.regional_analyst)
    alert = Alert.objects.get(kind=AlertKind.STOCKOUT, establishment=personas.hospital_a)
    url = f"/api/v1/alerts/{alert.pk}/snooze/"
    past = client.post(url, {"until": "2020-01-01", "reason": "x"}, format="json")
    blank = client.post(
        url, {"until": (timezone.localdate() + dt.timedelta(days=3)).isoformat(), "reason": " "}, format="json"
    )
    far = client.post(
        url, {"until": (timezone.localdate() + dt.timedelta(days=400)).isoformat(), "reason": "x"}, format="json"
    )
    assert past.status_code == 400 and "until" in past.json()["error"]["fields"]
    assert blank.status_code == 400 and "reason" in blank.json()["error"]["fields"]
    assert far.status_code == 400 and "until" in far.json()["error"]["fields"]
    assert Alert.objects.get(pk=alert.pk).snoozed_until is None
