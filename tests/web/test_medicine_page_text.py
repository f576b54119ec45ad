"""The medicine page's sentences: counts agree with their noun, punctuation comes from the
catalogue with the words, and each regional alert of the "Alertes nationales" list names its region
(in Arabic on an Arabic page) without a query per alert."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.templatetags import i18n
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shortages.choices import AlertKind, AlertStatus, RiskLevel
from shortages.models import Alert
from tests import factories

pytestmark = pytest.mark.django_db


def _text_of(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    end = page.index("</p>", start)
    return re.sub(r"<[^>]+>", "", page[page.index(">", start) + 1 : end])


@pytest.fixture
def medicine_with_alerts(personas):
    """One critical position alert and one regional roll-up, both active."""
    medicine = factories.MedicineFactory(inn="ISOSORBIDE")
    region = factories.RegionFactory(code="96", name_fr="Région test", name_ar="جهة الاختبار")
    establishment = personas.hospital_a
    Alert.objects.create(
        kind=AlertKind.STOCKOUT,
        medicine=medicine,
        establishment=establishment,
        region=establishment.region,
        level=RiskLevel.CRITICAL,
        status=AlertStatus.OPEN,
        message="Rupture constatée",
    )
    Alert.objects.create(
        kind=AlertKind.REGIONAL_STOCKOUT,
        medicine=medicine,
        region=region,
        level=RiskLevel.HIGH,
        status=AlertStatus.OPEN,
        message="Ruptures dans la région",
    )
    return medicine


def _medicine_page(client, user, medicine) -> str:
    client.force_login(user)
    return client.get(reverse("shortages:medicine_detail", args=[medicine.pk])).content.decode()


def test_one_critical_alert_and_one_signalled_read_in_the_singular(client, personas, medicine_with_alerts):
    text = _text_of(_medicine_page(client, personas.analyst, medicine_with_alerts), "medicine-alerts")
    assert text == "2 alertes actives, dont 1 critique ; 1 signalée par les établissements."


def test_the_alerts_sentence_and_its_punctuation_come_from_the_catalogue(
    client, personas, medicine_with_alerts, monkeypatch
):
    # given a catalogue that brackets every message it gives
    monkeypatch.setattr(
        i18n.translation, "ngettext", lambda singular, plural, n: f"[{singular if n == 1 else plural}]", raising=True
    )
    # when
    page = _medicine_page(client, personas.analyst, medicine_with_alerts)
    # then nothing of the sentence is outside a message (a comma or a semicolon would stay Latin)
    assert re.sub(r"\[[^\]]*\]", "", _text_of(page, "medicine-alerts")).strip() == ""


def test_the_ven_class_colon_is_inside_its_message(client, personas, medicine_with_alerts, monkeypatch):
    monkeypatch.setattr(i18n.translation, "gettext", lambda message: f"[{message}]")
    page = _medicine_page(client, personas.analyst, medicine_with_alerts)
    assert re.search(r"\[Classe VEN : [^\]]+\]", page)


def test_a_regional_alert_names_its_region(client, personas, medicine_with_alerts):
    page = _medicine_page(client, personas.analyst, medicine_with_alerts)
    assert re.search(r"Ruptures dans la région</a> · Région test", page)


def test_a_regional_alert_names_its_region_in_arabic_on_an_arabic_page(client, personas, medicine_with_alerts):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = _medicine_page(client, personas.analyst, medicine_with_alerts)
    assert "· جهة الاختبار" in page
    assert "Région test" not in page


def test_naming_the_regions_costs_no_query_per_alert(client, personas, medicine_with_alerts):
    # given the page measured with one regional alert
    client.force_login(personas.analyst)
    url = reverse("shortages:medicine_detail", args=[medicine_with_alerts.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    # when four more regions have a regional alert
    for code in ("91", "92", "93", "94"):
        Alert.objects.create(
            kind=AlertKind.REGIONAL_STOCKOUT,
            medicine=medicine_with_alerts,
            region=factories.RegionFactory(code=code),
            level=RiskLevel.HIGH,
            status=AlertStatus.OPEN,
            message="Ruptures dans la région",
        )
    with CaptureQueriesContext(connection) as five:
        page = client.get(url).content.decode()
    # then every region is named and the page asked the same number of queries
    assert all(f"· Région {code}" in page for code in ("91", "92", "93", "94"))
    assert len(five) == len(one)
