"""Notifications and digests walked through as the analysts would: texts in the site's language
whoever started the run, one line per alert, and nothing about alerts the user no longer sees."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from shortages.choices import AlertEventKind, AlertKind
from shortages.models import Alert, AlertEvent, Notification
from shortages.services.notifications import notifications_create
from shortages.tasks import digests_dispatch
from tests.shortages.routing_world import build_routing_world
from tests.shortages.test_digests import escalate

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    return build_routing_world(personas)


def digest_of(email: str):
    sent = [message for message in mail.outbox if message.to == [email]]
    assert len(sent) == 1
    return sent[0]


def test_a_run_started_in_arabic_notifies_everyone_in_the_site_s_language(personas, world, eager_tasks):
    # given a run started by an analyst browsing in Arabic (an eager run from the API or a page)
    with translation.override("ar"):
        escalate(world)
    # then the stored notifications, read by every user, are in French
    notifications = list(Notification.objects.all())
    assert notifications
    assert all("Une alerte s'est aggravée." in n.body and "Niveau : Critique" in n.body for n in notifications)
    assert not [n for n in notifications if any("\u0600" <= char <= "\u06ff" for char in n.subject + n.body)]


def test_a_digest_sent_while_arabic_is_active_is_written_in_the_site_s_language(personas, world, eager_tasks):
    escalate(world)
    # when the digests go out where Arabic is the active language (an eager task in a request)
    with translation.override("ar"):
        digests_dispatch.apply().get()
    # then the digest says what its French page declares
    message = digest_of(personas.hospital_a_user.email)
    html = message.alternatives[0][0]
    assert "Veille des ruptures" in message.subject and "Résumé du" in message.body
    assert 'lang="fr"' in html and "Résumé du" in html


def test_an_alert_opened_then_escalated_is_one_line_of_the_digest(personas, world, eager_tasks):
    # given hospital A's pharmacist notified of its stockout alert's opening, then of its escalation,
    # both before the day's digest
    alert = Alert.objects.get(kind=AlertKind.STOCKOUT, establishment=personas.hospital_a)
    opened = AlertEvent.objects.create(alert=alert, kind=AlertEventKind.OPENED, to_value=alert.level)
    notifications_create(events=[opened])
    escalate(world)
    assert Notification.objects.filter(user=personas.hospital_a_user, alert=alert).count() == 2
    # when the digests go out
    digests_dispatch.apply().get()
    # then the alert is one line, news the pharmacist has not read: opened (at its current level)
    body = digest_of(personas.hospital_a_user.email).body
    lines = [line for line in body.splitlines() if line.startswith("- [") and "Hôpital A" in line]
    assert len(lines) == 1 and "Critique" in lines[0]
    assert "1 alerte ouverte, 0 alertes aggravées" in body
    # and both notifications are marked e-mailed
    assert not Notification.objects.filter(user=personas.hospital_a_user, emailed_at__isnull=True).exists()


def test_the_digest_leaves_out_the_alerts_a_user_no_longer_sees(personas, world, eager_tasks):
    # given hospital A's pharmacist notified of its alert's escalation, then moved off hospital A
    escalate(world)
    assert Notification.objects.filter(user=personas.hospital_a_user).exists()
    personas.hospital_a_user.establishments.clear()
    # when the digests go out
    digests_dispatch.apply().get()
    # then it is not e-mailed hospital A's alerts and figures; hospital B's pharmacist still is
    assert not [m for m in mail.outbox if m.to == [personas.hospital_a_user.email]]
    assert "Hôpital B" in digest_of(personas.hospital_b_user.email).body
