"""The demo as a new user meets it: after the first scoring, the national analyst's inbox is short
enough to triage (at most 150 open alerts, each a national alert or a regional roll-up), the
regional analyst's holds its region only, and nobody was notified of the history's alerts."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from shortages.models import Alert, Notification

pytestmark = [pytest.mark.slow, pytest.mark.embedded]


def test_the_default_demo_gives_the_national_analyst_at_most_150_alerts_to_triage(db):
    # given the default demo, generated and scored once
    call_command("demo", stdout=StringIO())
    users = get_user_model().objects
    national, regional = users.get(username="demo.analyste"), users.get(username="demo.regional")
    # when
    inbox = Alert.objects.inbox_of(national)
    # then
    assert 0 < inbox.count() <= 150
    assert not inbox.positions().exists() and inbox.regional().exists()
    assert Alert.objects.positions().active().count() > 1000  # the position alerts exist, elsewhere
    regions = set(regional.analyst_regions.values_list("pk", flat=True))
    regional_inbox = Alert.objects.inbox_of(regional)
    assert regional_inbox.exists()
    assert set(regional_inbox.values_list("region_id", flat=True)) <= regions
    hospital = users.get(username="demo.hopital")
    assert set(Alert.objects.inbox_of(hospital).values_list("establishment_id", flat=True)) == set(
        hospital.establishments.values_list("pk", flat=True)
    )
    assert not Notification.objects.exists()
