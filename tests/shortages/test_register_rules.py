"""The register refuses absurd dates and a second open shortage of one medicine and place, naming
the field, through the pages and the API alike; the action form's empty choices read in French."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from shortages.choices import AlertEventKind, AlertKind, AlertStatus
from shortages.models import Alert, AlertEvent, Shortage
from shortages.services.register import ANTICIPATED_START_DAYS_AHEAD
from stock.dates import latest_planned_date
from tests import factories

pytestmark = pytest.mark.django_db

TOO_OLD = "Date trop ancienne : au plus tôt le 01/01/2000."
STARTED_IN_THE_FUTURE = "Le début d'une rupture en cours ou terminée ne peut pas être dans le futur."


def today() -> dt.date:
    return timezone.localdate()


def too_far(last_day: dt.date) -> str:
    return f"Date trop lointaine : au plus tard le {last_day:%d/%m/%Y}."


def latest_expected_end() -> dt.date:
    """A planned end follows the platform's rule of planned dates."""
    return latest_planned_date(today())


@pytest.fixture
def medicine():
    return factories.MedicineFactory(code="MED-WALK-1")


def open_form(**overrides) -> dict:
    form = {
        "medicine": "MED-WALK-1",
        "status": "ongoing",
        "cause": "import",
        "scope": "national",
        "started_on": (today() - dt.timedelta(days=10)).isoformat(),
    }
    return form | overrides


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"started_on": "0001-01-01"}, "started_on", TOO_OLD),
        ({"started_on": "1999-12-31"}, "started_on", TOO_OLD),
        ({"started_on": "9999-12-31"}, "started_on", STARTED_IN_THE_FUTURE),
        ({"status": "ongoing", "started_on": "tomorrow"}, "started_on", STARTED_IN_THE_FUTURE),
        ({"status": "anticipated", "started_on": "9999-12-31"}, "started_on", "too far start"),
        ({"expected_end": "9999-12-31"}, "expected_end", "too far end"),
        ({"expected_end": "2000-01-01"}, "expected_end", "Cette date précède le début de la rupture."),
    ],
    ids=[
        "year-1",
        "before-2000",
        "ongoing-in-9999",
        "ongoing-tomorrow",
        "anticipated-in-9999",
        "end-9999",
        "end-first",
    ],
)
def test_the_open_form_refuses_an_absurd_date_naming_the_field(client, personas, medicine, overrides, field, error):
    # given
    if overrides.get("started_on") == "tomorrow":
        overrides["started_on"] = (today() + dt.timedelta(days=1)).isoformat()
    error = {
        "too far start": too_far(today() + dt.timedelta(days=ANTICIPATED_START_DAYS_AHEAD)),
        "too far end": too_far(latest_expected_end()),
    }.get(error, error)
    client.force_login(personas.analyst)
    # when
    response = client.post(reverse("shortages:shortage_create"), open_form(**overrides))
    # then
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [error]
    assert not Shortage.objects.exists()


def test_an_anticipated_shortage_may_start_within_a_year_and_end_within_the_bound(client, personas, medicine):
    client.force_login(personas.analyst)
    start = today() + dt.timedelta(days=ANTICIPATED_START_DAYS_AHEAD)
    response = client.post(
        reverse("shortages:shortage_create"),
        open_form(status="anticipated", started_on=start.isoformat(), expected_end=latest_expected_end().isoformat()),
    )
    assert response.status_code == 302
    assert Shortage.objects.get().started_on == start


def test_the_update_form_refuses_an_actual_end_in_the_future_or_before_the_start(client, personas, medicine):
    # given
    shortage = Shortage.objects.create(medicine=medicine, cause="import", started_on=today() - dt.timedelta(days=30))
    client.force_login(personas.analyst)
    url = reverse("shortages:shortage_update", args=[shortage.pk])
    update = {"status": "resolved", "cause": "import"}
    # when
    future = client.post(url, update | {"actual_end": (today() + dt.timedelta(days=1)).isoformat()})
    before_start = client.post(url, update | {"actual_end": (today() - dt.timedelta(days=31)).isoformat()})
    far_end = client.post(url, update | {"status": "ongoing", "expected_end": "9999-12-31"})
    # then
    assert future.status_code == 400
    assert future.context["update_form"].errors["actual_end"] == ["La date ne peut pas être dans le futur."]
    assert before_start.context["update_form"].errors["actual_end"] == ["Cette date précède le début de la rupture."]
    assert far_end.context["update_form"].errors["expected_end"] == [too_far(latest_expected_end())]
    shortage.refresh_from_db()
    assert (shortage.status, shortage.actual_end, shortage.expected_end) == ("anticipated", None, None)


def test_the_form_from_an_alert_refuses_an_absurd_start(client, personas, medicine):
    # given
    alert = Alert.objects.create(
        kind=AlertKind.NATIONAL_RISK, medicine=medicine, level="critical", status=AlertStatus.OPEN, value={"score": 71}
    )
    AlertEvent.objects.create(alert=alert, kind=AlertEventKind.OPENED, to_value="critical")
    client.force_login(personas.analyst)
    # when
    response = client.post(
        reverse("shortages:shortage_from_alert", args=[alert.pk]),
        {"status": "ongoing", "cause": "import", "started_on": "0001-01-01"},
    )
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["started_on"] == [TOO_OLD]
    assert not Shortage.objects.exists()


def test_a_second_open_shortage_of_the_same_medicine_and_scope_is_refused_naming_the_first(client, personas, medicine):
    # given
    first = Shortage.objects.create(
        medicine=medicine, status="ongoing", cause="import", started_on=dt.date(2026, 3, 2), created_by=personas.analyst
    )
    client.force_login(personas.analyst)
    # when
    response = client.post(reverse("shortages:shortage_create"), open_form(status="anticipated"))
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["medicine"] == [
        f"Une rupture de ce médicament est déjà ouverte sur la même portée : n° {first.pk} (En cours, depuis le 02/03/2026)."
    ]
    assert Shortage.objects.count() == 1


def test_open_shortages_elsewhere_or_closed_ones_do_not_block(client, personas, medicine):
    # given a regional shortage, one of another establishment, and a resolved national one
    region = personas.hospital_a.region
    Shortage.objects.create(medicine=medicine, cause="import", scope="regional", region=region, started_on=today())
    Shortage.objects.create(
        medicine=medicine,
        cause="import",
        scope="establishment",
        establishment=personas.hospital_b,
        region=personas.hospital_b.region,
        started_on=today(),
    )
    Shortage.objects.create(
        medicine=medicine, status="resolved", cause="import", started_on=dt.date(2025, 1, 1), actual_end=today()
    )
    client.force_login(personas.analyst)
    # when
    national = client.post(reverse("shortages:shortage_create"), open_form())
    same_region = client.post(reverse("shortages:shortage_create"), open_form(scope="regional", region=region.pk))
    other_establishment = client.post(
        reverse("shortages:shortage_create"), open_form(scope="establishment", establishment=personas.hospital_a.code)
    )
    # then
    assert national.status_code == 302
    assert same_region.status_code == 400
    assert "medicine" in same_region.context["form"].errors
    assert other_establishment.status_code == 302, other_establishment.context["form"].errors
    assert Shortage.objects.filter(status__in=["anticipated", "ongoing"]).count() == 4


def test_the_api_obeys_the_same_rules(personas, api_client_for, medicine):
    # given
    client = api_client_for(personas.analyst)
    body = {"medicine": medicine.pk, "cause": "api", "scope": "national", "started_on": today().isoformat()}
    # when
    absurd = client.post("/api/v1/shortages/", body | {"started_on": "0001-01-01"}, format="json")
    first = client.post("/api/v1/shortages/", body, format="json")
    second = client.post("/api/v1/shortages/", body, format="json")
    # then
    assert absurd.status_code == 400
    assert absurd.json()["error"]["fields"]["started_on"] == [TOO_OLD]
    assert first.status_code == 201, first.content
    assert second.status_code == 400
    assert f"n° {first.json()['id']} " in second.json()["error"]["fields"]["medicine"][0]


def test_reopening_a_resolved_shortage_beside_an_open_one_is_refused(personas, api_client_for, medicine):
    # given
    resolved = Shortage.objects.create(
        medicine=medicine, status="resolved", cause="import", started_on=dt.date(2025, 1, 1), actual_end=today()
    )
    Shortage.objects.create(medicine=medicine, status="ongoing", cause="import", started_on=today())
    # when
    response = api_client_for(personas.analyst).patch(
        f"/api/v1/shortages/{resolved.pk}/", {"status": "ongoing", "actual_end": None}, format="json"
    )
    # then
    assert response.status_code == 400
    assert "medicine" in response.json()["error"]["fields"]


def test_the_action_form_offers_french_empty_choices(client, personas, medicine):
    # given
    medicine.alternatives.add(factories.MedicineFactory())
    shortage = Shortage.objects.create(medicine=medicine, cause="import", started_on=today())
    client.force_login(personas.analyst)
    # when
    html = client.get(reverse("shortages:shortage_detail", args=[shortage.pk])).content.decode()
    # then
    assert "---------" not in html
    assert '<option value="" selected>Aucun</option>' in html
    assert '<option value="" selected>Aucune</option>' in html


def test_a_description_of_a_document_s_length_is_refused_naming_the_field(client, personas, api_client_for, medicine):
    # given a description of 200,000 characters (the review's was accepted whole)
    huge = "x" * 200_000
    body = {"medicine": medicine.pk, "cause": "api", "scope": "national", "started_on": today().isoformat()}
    # when an analyst sends it through the API
    answer = api_client_for(personas.analyst).post("/api/v1/shortages/", body | {"description": huge}, format="json")
    # then it is refused on that field, and nothing is written
    assert answer.status_code == 400
    assert "description" in answer.json()["error"]["fields"]
    assert not Shortage.objects.exists()
