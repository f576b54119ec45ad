"""Two clients changing the same alert, shortage or mitigation action: a change sent with the version
its client read (the API's ``If-Match``, a page's hidden ``version``) is refused when the object
changed since, naming what changed; the check is the services', under the row's lock, so the pages
and the API make the same one.

Before: the API had no check at all (two clients overwrote each other's assignment, snooze or
shortage dates silently), the alert page checked only the assignee and the snooze date, in the view
before the service's lock, and the shortage page none."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from shortages.choices import AlertEventKind, AlertKind, AlertStatus
from shortages.models import Alert, AlertEvent, MitigationAction, Shortage
from shortages.services import alerts as alert_services
from shortages.services.concurrency import VersionConflict
from tests import factories

pytestmark = pytest.mark.django_db


def _alert(personas) -> Alert:
    return Alert.objects.create(
        kind=AlertKind.STOCKOUT,
        medicine=factories.MedicineFactory(),
        establishment=personas.hospital_a,
        level="high",
        value={"usable_stock": 0.0},
    )


@pytest.fixture
def colleague():
    return factories.UserFactory(username="salma", first_name="Salma", last_name="Idrissi", roles=["analyst"])


@pytest.fixture
def shortage():
    return Shortage.objects.create(
        medicine=factories.MedicineFactory(),
        cause="import",
        started_on=dt.date(2026, 6, 1),
        expected_end=dt.date(2026, 9, 30),
    )


def _quoted(version: str) -> str:
    return f'"{version}"'


# The API: an alert's version, If-Match, 412


def test_an_alert_carries_its_version_in_lists_and_as_the_etag_of_its_answer(personas, api_client_for):
    # given
    alert = _alert(personas)
    client = api_client_for(personas.analyst)
    # when
    listed = client.get("/api/v1/alerts/").json()["results"]
    detail = client.get(f"/api/v1/alerts/{alert.pk}/")
    # then
    assert [row["version"] for row in listed] == [alert.version]
    assert detail.json()["version"] == alert.version
    assert detail["ETag"] == _quoted(alert.version)


def test_an_assignment_sent_with_the_version_read_before_another_is_refused_naming_it(
    personas, api_client_for, colleague
):
    # given two clients that read the alert unassigned; the colleague's assigns it first
    alert = _alert(personas)
    mine, theirs = api_client_for(personas.analyst), api_client_for(colleague)
    read = mine.get(f"/api/v1/alerts/{alert.pk}/")["ETag"]
    assert (
        theirs.post(
            f"/api/v1/alerts/{alert.pk}/assign/", {"assignee": "salma"}, format="json", HTTP_IF_MATCH=read
        ).status_code
        == 200
    )
    # when the other client assigns it with the version it read
    with translation.override("fr"):
        refused = mine.post(
            f"/api/v1/alerts/{alert.pk}/assign/", {"assignee": "analyst"}, format="json", HTTP_IF_MATCH=read
        )
    # then 412, in the error shape, naming the assignee it has now; nothing is written
    assert refused.status_code == 412
    error = refused.json()["error"]
    assert error["code"] == "precondition_failed"
    assert error["message"] == "Cette alerte a changé depuis votre lecture : relisez-la avant de la modifier."
    assert error["fields"] == {"assignee": ["Assignée à — désormais : Salma Idrissi."]}
    alert.refresh_from_db()
    assert alert.assignee == colleague
    assert alert.events.filter(kind=AlertEventKind.ASSIGNED).count() == 1
    # when it reads the alert again and sends its new version
    fresh = mine.get(f"/api/v1/alerts/{alert.pk}/")["ETag"]
    done = mine.post(f"/api/v1/alerts/{alert.pk}/assign/", {"assignee": "analyst"}, format="json", HTTP_IF_MATCH=fresh)
    # then it is written, and the answer carries the version after the change
    assert done.status_code == 200 and done.json()["assignee"] == "analyst"
    alert.refresh_from_db()
    assert done["ETag"] == _quoted(alert.version) != fresh


def _in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


# What another client did meanwhile, by the field it changed.
MEANWHILE = {
    "status": lambda alert, user: alert_services.alert_acknowledge(alert_id=alert.pk, user=user),
    "snoozed_until": lambda alert, user: alert_services.alert_snooze(
        alert_id=alert.pk, user=user, until=dt.date.fromisoformat(_in_days(3)), reason="Relance"
    ),
    "level": lambda alert, user: Alert.objects.filter(pk=alert.pk).update(level="critical"),  # a run escalated it
}


@pytest.mark.parametrize(
    ("verb", "body", "field"),
    [
        ("acknowledge", {}, "status"),
        ("resolve", {"comment": "livré"}, "status"),
        ("snooze", {"until": _in_days(5), "reason": "Commande passée"}, "snoozed_until"),
        ("comment", {"comment": "relancé"}, "level"),
    ],
)
def test_every_action_on_an_alert_checks_the_version_sent(personas, api_client_for, verb, body, field):
    # given a client's version, then a change the client did not see
    alert = _alert(personas)
    client = api_client_for(personas.analyst)
    read = client.get(f"/api/v1/alerts/{alert.pk}/")["ETag"]
    MEANWHILE[field](alert, personas.analyst)
    events = alert.events.count()
    # when
    response = client.post(f"/api/v1/alerts/{alert.pk}/{verb}/", body, format="json", HTTP_IF_MATCH=read)
    # then
    assert response.status_code == 412
    assert list(response.json()["error"]["fields"]) == [field]
    assert alert.events.count() == events


def test_a_comment_or_a_runs_figures_leave_the_version_as_it_was(personas, api_client_for, colleague):
    # given a version read, then a colleague's comment and a run that updates the figure and counts a clear run
    alert = _alert(personas)
    client = api_client_for(personas.analyst)
    read = client.get(f"/api/v1/alerts/{alert.pk}/")["ETag"]
    alert_services.alert_comment(alert_id=alert.pk, user=colleague, comment="Je regarde")
    Alert.objects.filter(pk=alert.pk).update(value={"usable_stock": 3.0}, clear_runs=1)
    # when
    response = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json", HTTP_IF_MATCH=read)
    # then nothing an analyst chose was overwritten: the version holds
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"


def test_without_if_match_a_client_writes_as_before(personas, api_client_for, colleague):
    # given a colleague's assignment the client never read
    alert = _alert(personas)
    alert_services.alert_assign(alert_id=alert.pk, user=colleague, assignee=colleague)
    client = api_client_for(personas.analyst)
    # when an integration written before versions existed assigns it, or sends "*"
    plain = client.post(f"/api/v1/alerts/{alert.pk}/assign/", {"assignee": "analyst"}, format="json")
    starred = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json", HTTP_IF_MATCH="*")
    # then both are written (the check is the client's choice: docs/alerts.md)
    assert plain.status_code == 200 and plain.json()["assignee"] == "analyst"
    assert starred.status_code == 200 and starred.json()["status"] == "acknowledged"


@pytest.mark.parametrize("header", ["{version}", 'W/"{version}"', '"{version}", "{version}"', ""])
def test_an_if_match_that_is_not_one_strong_tag_is_refused_on_the_header(personas, api_client_for, header):
    # given
    alert = _alert(personas)
    client = api_client_for(personas.analyst)
    # when the version is sent unquoted, weakened by a proxy, twice, or empty
    response = client.post(
        f"/api/v1/alerts/{alert.pk}/acknowledge/",
        {},
        format="json",
        HTTP_IF_MATCH=header.format(version=alert.version),
    )
    # then 400 on If-Match, and nothing is written unchecked
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["If-Match"]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_a_version_of_another_alert_or_made_up_matches_nothing(personas, api_client_for):
    # given
    alert, other = _alert(personas), _alert(personas)
    client = api_client_for(personas.analyst)
    # when
    borrowed = client.post(
        f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json", HTTP_IF_MATCH=_quoted(other.version)
    )
    made_up = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json", HTTP_IF_MATCH='"2026-06-01"')
    # then neither is the alert's version
    assert borrowed.status_code == made_up.status_code == 412
    assert made_up.json()["error"]["fields"] == {}
    assert "Version inconnue" in made_up.json()["error"]["message"]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_the_service_refuses_a_stale_version_whoever_calls_it(personas, colleague):
    # given
    alert = _alert(personas)
    read = alert.version
    alert_services.alert_snooze(
        alert_id=alert.pk, user=colleague, until=timezone.localdate() + dt.timedelta(days=4), reason="Livraison"
    )
    # when / then
    with pytest.raises(VersionConflict) as refused:
        alert_services.alert_resolve(alert_id=alert.pk, user=personas.analyst, version=read)
    assert list(refused.value.changes) == ["snoozed_until"]
    assert not AlertEvent.objects.filter(alert=alert, kind=AlertEventKind.RESOLVED).exists()


# The API: shortages and mitigation actions


def test_a_shortage_update_sent_with_an_old_version_is_refused_naming_the_fields_changed(
    personas, api_client_for, shortage
):
    # given two clients that read the shortage; the first moves its expected end and describes it
    client = api_client_for(personas.analyst)
    read = client.get(f"/api/v1/shortages/{shortage.pk}/")
    assert read.json()["version"] == shortage.version and read["ETag"] == _quoted(shortage.version)
    first = client.patch(
        f"/api/v1/shortages/{shortage.pk}/",
        {"expected_end": "2026-12-31", "description": "Fournisseur en retard"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert first.status_code == 200
    # when the second sends the version it read
    with translation.override("fr"):
        refused = client.patch(
            f"/api/v1/shortages/{shortage.pk}/", {"status": "ongoing"}, format="json", HTTP_IF_MATCH=read["ETag"]
        )
    # then
    assert refused.status_code == 412
    assert refused.json()["error"]["fields"] == {
        "expected_end": ["Fin prévue — désormais : 31/12/2026."],
        "description": ["Description — désormais : Fournisseur en retard."],
    }
    shortage.refresh_from_db()
    assert shortage.status == "anticipated" and shortage.expected_end == dt.date(2026, 12, 31)
    # and the version after the first change lets it through
    assert first["ETag"] == _quoted(shortage.version)
    done = client.patch(
        f"/api/v1/shortages/{shortage.pk}/", {"status": "ongoing"}, format="json", HTTP_IF_MATCH=first["ETag"]
    )
    assert done.status_code == 200 and done.json()["status"] == "ongoing"


def test_a_mitigation_action_update_sent_with_an_old_version_is_refused(personas, api_client_for, shortage):
    # given an action whose status another client changed after this one read it
    action = MitigationAction.objects.create(shortage=shortage, kind="exceptional_import")
    client = api_client_for(personas.analyst)
    read = client.get(f"/api/v1/shortage-actions/{action.pk}/")["ETag"]
    assert (
        client.patch(f"/api/v1/shortage-actions/{action.pk}/", {"status": "cancelled"}, format="json").status_code
        == 200
    )
    # when
    refused = client.patch(
        f"/api/v1/shortage-actions/{action.pk}/", {"status": "done"}, format="json", HTTP_IF_MATCH=read
    )
    # then
    assert refused.status_code == 412
    assert list(refused.json()["error"]["fields"]) == ["status"]
    action.refresh_from_db()
    assert action.status == "cancelled"


def test_the_schema_documents_versions_if_match_and_412(client, personas):
    # given
    client.force_login(personas.analyst)
    # when
    schema = client.get("/api/schema/?format=json").json()
    # then
    operations = [
        schema["paths"]["/api/v1/alerts/{id}/assign/"]["post"],
        schema["paths"]["/api/v1/shortages/{id}/"]["patch"],
        schema["paths"]["/api/v1/shortage-actions/{id}/"]["put"],
    ]
    for operation in operations:
        assert "If-Match" in {parameter["name"] for parameter in operation["parameters"]}
        assert operation["responses"]["412"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
        assert "ETag" in operation["responses"]["200"]["headers"]
    for component in ("Alert", "AlertDetail", "Shortage", "MitigationAction"):
        assert schema["components"]["schemas"][component]["properties"]["version"]["readOnly"] is True


# The pages


def _drawn(html: str) -> list[str]:
    return re.findall(r'name="version" value="([0-9a-f]+)"', html)


def test_the_shortage_page_refuses_an_update_drawn_before_another_analysts(client, personas, shortage, colleague):
    # given the page drawn, then a colleague's update
    client.force_login(personas.analyst)
    page = client.get(reverse("shortages:shortage_detail", args=[shortage.pk])).content.decode()
    drawn = _drawn(page)
    assert drawn == [shortage.version]
    client_of_colleague = Client()
    client_of_colleague.force_login(colleague)
    colleague_page = client_of_colleague.get(reverse("shortages:shortage_detail", args=[shortage.pk])).content.decode()
    assert (
        client_of_colleague.post(
            reverse("shortages:shortage_update", args=[shortage.pk]),
            {"status": "ongoing", "cause": "import", "started_on": "2026-06-01", "version": _drawn(colleague_page)[0]},
        ).status_code
        == 302
    )
    # when the first page's form is posted
    with translation.override("fr"):
        response = client.post(
            reverse("shortages:shortage_update", args=[shortage.pk]),
            {
                "status": "anticipated",
                "cause": "import",
                "started_on": "2026-06-01",
                "expected_end": "2026-09-30",
                "description": "Reprise annoncée",
                "version": drawn[0],
            },
        )
    # then refused, what changed named, what the analyst typed kept; the colleague's update stands
    html = response.content.decode()
    assert response.status_code == 409
    assert "Cette rupture a changé depuis votre lecture" in html
    assert "Statut — désormais : En cours." in html
    assert "Reprise annoncée</textarea>" in html
    shortage.refresh_from_db()
    assert shortage.status == "ongoing" and shortage.description == ""
    # and the page drawn again carries the version the shortage has now
    assert _drawn(html) == [shortage.version]


def test_the_shortage_page_refuses_an_action_status_drawn_before_another_analysts(client, personas, shortage):
    # given
    action = MitigationAction.objects.create(shortage=shortage, kind="exceptional_import")
    client.force_login(personas.analyst)
    page = client.get(reverse("shortages:shortage_detail", args=[shortage.pk])).content.decode()
    version = action.version
    assert f'name="version" value="{version}"' in page
    MitigationAction.objects.filter(pk=action.pk).update(status="cancelled")
    # when
    with translation.override("fr"):
        response = client.post(
            reverse("shortages:action_status", args=[shortage.pk, action.pk]), {"status": "done", "version": version}
        )
    # then
    assert response.status_code == 409
    assert "Cette action a changé depuis votre lecture" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "cancelled"


# Two analysts at once, on PostgreSQL


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_of_analysts_who_read_the_same_version_at_once_one_assigns_the_alert(role_groups, personas, api_client_for):
    # given six analysts' clients that read the same version of an unassigned alert
    alert = _alert(personas)
    analysts = [factories.UserFactory(username=f"analyst{n}", roles=["analyst"]) for n in range(6)]
    clients = [api_client_for(user) for user in analysts]
    read = clients[0].get(f"/api/v1/alerts/{alert.pk}/")["ETag"]
    start = threading.Barrier(len(clients))
    answers: dict[str, int] = {}

    def assign(client, user):
        start.wait()
        try:
            answers[user.username] = client.post(
                f"/api/v1/alerts/{alert.pk}/assign/", {"assignee": user.username}, format="json", HTTP_IF_MATCH=read
            ).status_code
        finally:
            connection.close()

    # when each assigns it to itself at the same moment
    threads = [threading.Thread(target=assign, args=pair) for pair in zip(clients, analysts, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one is written, the others are told it changed
    assert sorted(answers.values()) == [200] + [412] * 5
    alert.refresh_from_db()
    winner = next(name for name, status in answers.items() if status == 200)
    assert alert.assignee.username == winner
    assert alert.events.filter(kind=AlertEventKind.ASSIGNED).count() == 1
