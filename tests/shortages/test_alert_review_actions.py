"""The alert page's actions as analysts use them (review of the alert workflow): a form in error
comes back with what the analyst typed and the field named; a page left open while another analyst
assigned the alert or put it to sleep does not overwrite that choice unseen; a regional analyst is
told why a national alert is not theirs; a national alert is assigned among those who may act on it.

Before: every error redirected to the alert with a bare message (the typed reason or comment lost,
the snooze's date errors naming no field), a stale assignment or snooze silently replaced the other
analyst's, a regional analyst read "Cette page n'est pas ouverte à votre rôle", and a national alert
could be assigned to a regional analyst who cannot act on it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from shortages.choices import AlertEventKind, AlertKind, AlertStatus
from shortages.models import Alert
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def regional(personas):
    user = factories.UserFactory(username="regional", first_name="Rachid", last_name="Régional", roles=["analyst"])
    personas.hospital_a.region.analysts.add(user)
    return user


def _national(**fields) -> Alert:
    return Alert.objects.create(
        kind=AlertKind.NATIONAL_RISK,
        medicine=factories.MedicineFactory(),
        level="high",
        value={"score": 71.0},
        **fields,
    )


def _position(personas) -> Alert:
    return Alert.objects.create(
        kind=AlertKind.STOCKOUT,
        medicine=factories.MedicineFactory(),
        establishment=personas.hospital_a,
        level="high",
        value={"usable_stock": 0.0},
    )


def test_a_snooze_refused_by_its_date_keeps_the_reason_and_names_the_date(client, personas):
    # given
    alert = _national()
    client.force_login(personas.analyst)
    too_far = timezone.localdate() + dt.timedelta(days=400)
    # when the analyst asks for more than the longest snooze
    with translation.override("fr"):
        response = client.post(
            reverse("shortages:alert_snooze", args=[alert.pk]),
            {"until": too_far.isoformat(), "reason": "Livraison annoncée par le grossiste"},
        )
    # then the page comes back with the reason typed and the error beside the date field
    html = response.content.decode()
    assert response.status_code == 400
    assert "Livraison annoncée par le grossiste</textarea>" in html
    assert 'id="snooze_until_error">Une alerte est mise en sommeil pour 90 jours au plus.' in html
    alert.refresh_from_db()
    assert alert.snoozed_until is None


def test_an_empty_comment_names_the_comment_field(client, personas):
    # given
    alert = _national()
    client.force_login(personas.analyst)
    # when
    response = client.post(reverse("shortages:alert_comment", args=[alert.pk]), {"comment": "   "})
    # then
    assert response.status_code == 400
    assert 'id="comment_comment_error"' in response.content.decode()
    assert not alert.events.filter(kind=AlertEventKind.COMMENTED).exists()


def _drawn_version(client, alert: Alert) -> str:
    """The version the alert's page posts with its forms, as drawn now."""
    html = client.get(reverse("shortages:alert_detail", args=[alert.pk])).content.decode()
    found = re.findall(r'name="version" value="([0-9a-f]+)"', html)
    assert found and set(found) == {alert.version}
    return found[0]


def test_a_stale_assignment_does_not_replace_another_analysts(client, personas):
    # given an alert the page shows unassigned, then another analyst takes it
    alert = _national()
    colleague = factories.UserFactory(username="collegue", first_name="Salma", last_name="Idrissi", roles=["analyst"])
    client.force_login(personas.analyst)
    drawn = _drawn_version(client, alert)
    Alert.objects.filter(pk=alert.pk).update(assignee=colleague)
    # when the page's form is posted
    with translation.override("fr"):
        response = client.post(
            reverse("shortages:alert_assign", args=[alert.pk]), {"assignee": personas.analyst.pk, "version": drawn}
        )
    # then it is refused naming who has it now, and the alert stays with them
    html = response.content.decode()
    assert response.status_code == 409
    assert "Cette alerte a changé depuis votre lecture" in html
    assert "Assignée à — désormais : Salma Idrissi." in html
    alert.refresh_from_db()
    assert alert.assignee == colleague
    # and the page drawn again may reassign it
    fresh = client.post(
        reverse("shortages:alert_assign", args=[alert.pk]),
        {"assignee": personas.analyst.pk, "version": _drawn_version(client, alert)},
    )
    alert.refresh_from_db()
    assert fresh.status_code == 302 and alert.assignee == personas.analyst


def test_a_stale_snooze_does_not_move_another_analysts_date(client, personas):
    # given an alert put to sleep by someone else after the page was drawn
    alert = _national()
    client.force_login(personas.analyst)
    drawn = _drawn_version(client, alert)
    theirs = timezone.localdate() + dt.timedelta(days=10)
    Alert.objects.filter(pk=alert.pk).update(snoozed_until=theirs, snooze_reason="Commande passée")
    # when
    with translation.override("fr"):
        response = client.post(
            reverse("shortages:alert_snooze", args=[alert.pk]),
            {"until": (timezone.localdate() + dt.timedelta(days=3)).isoformat(), "reason": "Relance", "version": drawn},
        )
    # then the page names the date and the reason now, and keeps what the analyst typed
    html = response.content.decode()
    assert response.status_code == 409
    assert f"En sommeil jusqu&#x27;au — désormais : {theirs:%d/%m/%Y} (Commande passée)." in html
    assert "Relance</textarea>" in html
    alert.refresh_from_db()
    assert alert.snoozed_until == theirs


@pytest.mark.parametrize("verb", ["acknowledge", "resolve"])
def test_a_page_drawn_before_another_analyst_acted_does_not_act_again(client, personas, verb):
    # given an alert taken in hand by another analyst after the page was drawn
    alert = _national()
    client.force_login(personas.analyst)
    drawn = _drawn_version(client, alert)
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.ACKNOWLEDGED)
    # when the page's form is posted
    with translation.override("fr"):
        response = client.post(reverse(f"shortages:alert_{verb}", args=[alert.pk]), {"comment": "Vu", "version": drawn})
    # then it is refused with the status it has now, and nothing is written
    assert response.status_code == 409
    assert "Statut — désormais : Prise en charge." in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert not alert.events.exclude(kind=AlertEventKind.OPENED).exists()


def test_acting_on_an_alert_resolved_meanwhile_says_so(client, personas):
    # given an alert resolved by another analyst after the page was drawn
    alert = _national()
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.RESOLVED, closed_at=timezone.now())
    client.force_login(personas.analyst)
    # when the stale page acknowledges it
    with translation.override("fr"):
        response = client.post(reverse("shortages:alert_acknowledge", args=[alert.pk]), {"comment": "Je prends"})
    # then the page says it is resolved, and nothing is written
    assert response.status_code == 400
    assert "Cette alerte est résolue" in response.content.decode()
    assert not alert.events.filter(kind=AlertEventKind.ACKNOWLEDGED).exists()


@pytest.mark.parametrize("verb", ["acknowledge", "comment", "resolve"])
def test_a_regional_analyst_is_told_why_a_national_alert_is_not_theirs(client, personas, regional, verb):
    # given a national alert, which a regional analyst reads
    alert = _national()
    client.force_login(regional)
    # when it posts an action on it
    with translation.override("fr"):
        response = client.post(reverse(f"shortages:alert_{verb}", args=[alert.pk]), {"comment": "Vu"})
    # then the refusal gives the reason, on the alert's page
    html = response.content.decode()
    assert response.status_code == 403
    assert "Les alertes nationales sont gérées par les analystes nationaux." in html
    assert "pas ouverte à votre rôle" not in html
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_a_national_alert_is_offered_to_national_analysts_only(client, personas, regional):
    # given a national alert and a position alert of the regional analyst's region
    national, position = _national(), _position(personas)
    client.force_login(personas.analyst)
    # when the national analyst opens each
    national_page = client.get(reverse("shortages:alert_detail", args=[national.pk])).content.decode()
    position_page = client.get(reverse("shortages:alert_detail", args=[position.pk])).content.decode()
    # then the regional analyst (who cannot act on a national alert) is offered for the position only,
    # by name as the pages write people
    assert f'value="{regional.pk}"' not in national_page
    assert f'<option value="{regional.pk}">Rachid Régional</option>' in position_page
    # and posting it anyway is refused on the field
    refused = client.post(reverse("shortages:alert_assign", args=[national.pk]), {"assignee": regional.pk})
    assert refused.status_code == 400 and 'id="assign_assignee_error"' in refused.content.decode()
    national.refresh_from_db()
    assert national.assignee is None


def test_an_extra_field_on_an_action_is_ignored_not_a_server_error(client, personas):
    # given (an "assignee" posted to the resolve action used to reach the service: 500)
    alert = _national()
    client.force_login(personas.analyst)
    # when
    response = client.post(
        reverse("shortages:alert_resolve", args=[alert.pk]), {"comment": "Réglé", "assignee": personas.analyst.pk}
    )
    # then
    alert.refresh_from_db()
    assert response.status_code == 302 and alert.status == AlertStatus.RESOLVED
    assert alert.assignee is None


def test_the_inbox_shows_until_when_an_alert_sleeps(client, personas):
    # given a snoozed alert, listed by status (the default inbox leaves it out)
    alert = _national(snoozed_until=timezone.localdate() + dt.timedelta(days=5), snooze_reason="Commande passée")
    client.force_login(personas.analyst)
    # when
    with translation.override("fr"):
        html = client.get(reverse("shortages:alert_list"), {"status": "open"}).content.decode()
    # then
    assert f"En sommeil jusqu'au {alert.snoozed_until:%d/%m/%Y}" in html
