"""Notification fatigue: one digest e-mail per user and day (the alerts of their inbox opened or
escalated since the last one) instead of one e-mail per alert; opt-out per alert kind; snooze."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from shortages.choices import AlertKind
from shortages.models import Alert, AlertOptOut, Digest, Notification
from shortages.services import scores
from shortages.tasks import digests_dispatch
from stock.models import Medicine
from tests.shortages.conftest import AS_OF
from tests.shortages.routing_world import build_routing_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    return build_routing_world(personas)


def escalate(world) -> None:
    """The medicine becomes vital: every stockout alert and the roll-up escalate on the next run."""
    Medicine.objects.filter(pk=world.medicine.pk).update(ven_class="V")
    scores.scoring_run_execute(as_of=AS_OF)


def digest_mails() -> dict[str, list]:
    """The digest e-mails sent, by recipient."""
    sent: dict[str, list] = {}
    for message in mail.outbox:
        if "Veille des ruptures" in message.subject:
            sent.setdefault(message.to[0], []).append(message)
    return sent


def test_the_first_run_over_a_new_history_sends_no_digest(personas, world, eager_tasks):
    # given only the first run (it opened every alert of the history)
    assert Alert.objects.count() > 5
    # when the day's digests go out
    sent = digests_dispatch.apply().get()
    # then nobody was notified, nothing is e-mailed
    assert sent == 0 and not Notification.objects.exists() and not mail.outbox


def test_each_user_gets_one_digest_a_day_with_the_news_of_their_inbox(personas, world, eager_tasks):
    # given escalations after the first run
    escalate(world)
    # when the digests go out, twice the same day
    first = digests_dispatch.apply().get()
    second = digests_dispatch.apply().get()
    # then one e-mail per user with news, none the second time
    sent = digest_mails()
    expected = {
        user.email
        for user in (
            personas.analyst,  # the roll-up escalated
            world.regional_analyst,
            world.province_analyst,
            personas.hospital_a_user,
            personas.hospital_b_user,
        )
    }
    assert set(sent) == expected and all(len(messages) == 1 for messages in sent.values())
    assert first == len(expected) and second == 0
    assert Digest.objects.filter(day=timezone.localdate()).count() == len(expected)
    # and each digest lists the alerts of its user's inbox only
    hospital_a = sent[personas.hospital_a_user.email][0]
    assert "Hôpital A" in hospital_a.body and "Hôpital B" not in hospital_a.body
    assert "1 alerte aggravée" in hospital_a.body and hospital_a.alternatives[0][1] == "text/html"
    regional = sent[world.regional_analyst.email][0].body
    assert all(name in regional for name in ("Hôpital A", "Hôpital C", "Hôpital D", "Ruptures dans la région"))
    national = sent[personas.analyst.email][0].body
    assert "Ruptures dans la région" in national and "Hôpital A" not in national
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_news_of_the_next_day_go_in_the_next_day_s_digest(personas, world, eager_tasks):
    escalate(world)
    digests_dispatch.apply().get()
    mail.outbox.clear()
    # given a new stockout at centre E the next day (its province's analyst hears of it)
    from stock.models import StockLevel

    StockLevel.objects.filter(establishment=world.health_centre).update(quantity=0)
    scores.scoring_run_execute(as_of=AS_OF)
    # when
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    digests_dispatch.apply(kwargs={"day": tomorrow.isoformat()}).get()
    # then
    sent = digest_mails()
    assert world.province_analyst.email in sent and "Centre E" in sent[world.province_analyst.email][0].body
    assert personas.hospital_a_user.email not in sent


def test_a_user_opts_out_of_a_kind_on_the_preferences_page(client, personas, world, eager_tasks):
    # given hospital A's pharmacist unticks "Rupture de stock"
    client.force_login(personas.hospital_a_user)
    page = client.get(reverse("shortages:alert_preferences")).content.decode()
    assert 'value="stockout"' in page and "checked" in page
    kept = [kind for kind in AlertKind.values if kind != AlertKind.STOCKOUT]
    response = client.post(reverse("shortages:alert_preferences"), {"kinds": kept})
    assert response.status_code == 302
    assert list(AlertOptOut.objects.filter(user=personas.hospital_a_user).values_list("kind", flat=True)) == [
        "stockout"
    ]
    # when its stockout alert escalates
    escalate(world)
    digests_dispatch.apply().get()
    # then it hears nothing of it; hospital B's pharmacist still does
    assert not Notification.objects.filter(user=personas.hospital_a_user).exists()
    assert personas.hospital_a_user.email not in digest_mails()
    assert personas.hospital_b_user.email in digest_mails()
    # and ticking it again brings it back
    client.post(reverse("shortages:alert_preferences"), {"kinds": AlertKind.values})
    assert not AlertOptOut.objects.filter(user=personas.hospital_a_user).exists()


def test_a_snoozed_alert_waits_for_its_day_to_be_digested(client, personas, world, eager_tasks):
    # given escalations not yet e-mailed, and the regional analyst snoozing hospital A's alert
    escalate(world)
    alert = Alert.objects.get(kind=AlertKind.STOCKOUT, establishment=personas.hospital_a)
    until = timezone.localdate() + dt.timedelta(days=5)
    client.force_login(world.regional_analyst)
    response = client.post(
        reverse("shortages:alert_snooze", args=[alert.pk]), {"until": until.isoformat(), "reason": "Livraison prévue."}
    )
    assert response.status_code == 302
    detail = client.get(reverse("shortages:alert_detail", args=[alert.pk])).content.decode()
    assert "Livraison prévue." in detail and 'data-testid="alert-snoozed"' in detail
    # when today's digests go out
    digests_dispatch.apply().get()
    # then hospital A's pharmacist has nothing (its only news sleeps); hospital B's has its own
    assert personas.hospital_a_user.email not in digest_mails()
    assert personas.hospital_b_user.email in digest_mails()
    # when the snooze ends
    digests_dispatch.apply(kwargs={"day": until.isoformat()}).get()
    # then the alert is in that day's digest
    assert "Hôpital A" in digest_mails()[personas.hospital_a_user.email][0].body


def test_a_snooze_form_without_a_reason_names_the_field(client, personas, world):
    alert = Alert.objects.get(kind=AlertKind.STOCKOUT, establishment=personas.hospital_a)
    client.force_login(world.regional_analyst)
    response = client.post(
        reverse("shortages:alert_snooze", args=[alert.pk]),
        {"until": (timezone.localdate() + dt.timedelta(days=3)).isoformat(), "reason": ""},
        follow=True,
    )
    assert "Raison" in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).snoozed_until is None
