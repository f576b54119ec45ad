"""The home page, the overview and the alerts page count the same alerts with the same words: the
user's inbox (``alert_inbox_counts``), for a national and for a regional analyst."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from shortages.models import Alert
from tests.shortages.routing_world import build_routing_world

pytestmark = pytest.mark.django_db


def figure(page: str, testid: str) -> int:
    """The first number inside the element marked ``data-testid=testid`` (thousands separators removed)."""
    start = page.index(f'data-testid="{testid}"')
    text = re.sub(r"<[^>]+>", " ", page[page.index(">", start) + 1 : start + 400])
    return int(re.sub(r"\D", "", re.search(r"\d[\d\u00a0\u202f]*", text).group()))


def counts_on_the_three_pages(client, user) -> dict[str, int]:
    client.force_login(user)
    home = client.get(reverse("home")).content.decode()
    overview = client.get(reverse("shortages:overview")).content.decode()
    alerts = client.get(reverse("shortages:alert_list")).content.decode()
    levels = {level: figure(home, f"inbox-{level}") for level in ("critical", "high", "medium", "low")}
    assert "Ma boîte d'alertes" in home and "Alertes dans ma boîte" in overview and "dans ma boîte" in alerts
    return {
        "home": sum(levels.values()),
        "home_critical": levels["critical"],
        "overview": figure(overview, "inbox-total"),
        "overview_critical": int(re.search(r"dont (\d+) critiques", overview).group(1)),
        "alerts": figure(alerts, "alert-count"),
    }


@pytest.mark.parametrize("who", ["national", "regional"])
def test_home_overview_and_alerts_pages_count_the_same_inbox(client, personas, who):
    # given a scored world with position alerts, a roll-up and national alerts
    world = build_routing_world(personas)
    user = personas.analyst if who == "national" else world.regional_analyst
    # when the three pages are rendered
    counts = counts_on_the_three_pages(client, user)
    # then they agree with each other and with the inbox
    inbox = Alert.objects.inbox_of(user)
    assert counts["home"] == counts["overview"] == counts["alerts"] == inbox.count() > 0
    assert counts["home_critical"] == counts["overview_critical"] == inbox.filter(level="critical").count()
