"""The home page, the overview and the alerts page count the same alerts with the same words: the
user's inbox (``alert_inbox_counts``), for a national and for a regional analyst; a region's page
counts its positions as the overview and the region list do, and its alerts as the alerts list does;
a medicine's page counts its alerts as the alerts list and the home page do."""

from __future__ import annotations

import html
import re

import pytest
from django.db.models import Q
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
        "overview_critical": int(re.search(r"dont (\d+) critiques?", overview).group(1)),
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


def element_text(page: str, testid: str) -> str:
    """The text of the element marked ``data-testid=testid`` (up to its next 600 characters), tags
    removed, thousands separators and non-breaking spaces read as spaces."""
    start = page.index(f'data-testid="{testid}"')
    text = html.unescape(re.sub(r"<[^>]+>", " ", page[page.index(">", start) + 1 : start + 600]))
    return re.sub(r"\s+", " ", text.replace("\u202f", "").replace("\u00a0", ""))


def element_link(page: str, testid: str) -> str:
    """The link of the element marked ``data-testid=testid``: its own ``href``, else the first inside it."""
    start = page.index(f'data-testid="{testid}"')
    tag = page[page.rindex("<", 0, start) : page.index(">", start)]
    found = re.search(r'href="([^"]+)"', tag) or re.search(r'href="([^"]+)"', page[start : start + 600])
    return html.unescape(found.group(1))


def listed(client, url: str) -> int:
    return figure(client.get(url).content.decode(), "alert-count")


def region_row(page: str, region_id: int) -> list[str]:
    """The cells of a region's row in the overview's or the region list's table."""
    href = f'href="{reverse("shortages:region_detail", args=[region_id])}"'
    row = next(row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if href in row)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


@pytest.mark.parametrize("who", ["national", "regional"])
def test_the_region_page_counts_what_the_overview_the_region_list_and_the_alerts_list_count(client, personas, who):
    # given the scored routing world, region 01 holding three of its four positions stocked out
    world = build_routing_world(personas)
    user = personas.analyst if who == "national" else world.regional_analyst
    region = personas.hospital_a.region
    client.force_login(user)
    # when the region page, the overview and the region list are rendered
    page = client.get(reverse("shortages:region_detail", args=[region.pk])).content.decode()
    overview = client.get(reverse("shortages:overview")).content.decode()
    regions = client.get(reverse("shortages:region_list")).content.decode()
    # then the region page's positions stocked out and at risk are the overview's and the list's row
    out, positions = map(
        int, re.search(r"(\d+) sur (\d+) positions suivies", element_text(page, "region-stocked-out")).groups()
    )
    at_risk, same = map(
        int, re.search(r"(\d+) sur (\d+) positions suivies", element_text(page, "region-at-risk")).groups()
    )
    share = element_text(page, "region-at-risk").split(" %")[0].strip()
    assert (positions, out, at_risk) == (same, 3, 3) and positions == 4
    _, overview_positions, overview_out, overview_share, _ = region_row(overview, region.pk)
    assert (int(overview_positions), int(overview_out)) == (positions, out) and overview_share == f"{share} %"
    _, _, _, list_positions, list_out, list_share, _ = region_row(regions, region.pk)
    assert (int(list_positions), int(list_out), list_share) == (positions, out, f"{share} %")
    # and its active alerts are those the alerts list gives for the region, with the same words
    alerts = Alert.objects.visible_to(user).active().filter(Q(region=region) | Q(establishment__region=region))
    text = element_text(page, "region-alerts")
    critical = alerts.filter(level="critical").count()
    assert "Alertes actives" in text and f"dont {critical} critique{'s' if critical > 1 else ''}" in text
    assert figure(page, "region-alerts") == listed(client, element_link(page, "region-alerts")) == alerts.count() > 0


def test_the_medicine_page_counts_what_the_home_page_and_the_alerts_list_count(client, personas):
    # given the scored routing world: one medicine with position alerts, a roll-up and a national alert
    world = build_routing_world(personas)
    client.force_login(personas.analyst)
    # when the home page and the medicine's page are rendered
    home = client.get(reverse("home")).content.decode()
    page = client.get(reverse("shortages:medicine_detail", args=[world.medicine.pk])).content.decode()
    # then the home page's establishment alerts of the medicine are the list's behind its link
    hotspot = figure(home, f"hotspot-{world.medicine.pk}")
    assert "Alertes actives des établissements" in home
    assert hotspot == listed(client, element_link(home, f"hotspot-{world.medicine.pk}"))
    # and the medicine page counts all its active alerts as the list does, the establishments' as home
    active = Alert.objects.visible_to(personas.analyst).active().filter(medicine=world.medicine)
    text = element_text(page, "medicine-alerts")
    total = int(re.search(r"(\d+) alertes actives", text).group(1))
    critical = int(re.search(r"dont (\d+) critiques?", text).group(1))
    signalled = int(re.search(r"(\d+) signalées? par les établissements", text).group(1))
    assert total == listed(client, element_link(page, "medicine-alerts")) == active.count()
    assert critical == active.filter(level="critical").count()
    assert signalled == hotspot == active.filter(establishment__isnull=False).count() < total
