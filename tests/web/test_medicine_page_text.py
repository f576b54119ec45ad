"""The medicine page's sentences: counts agree with their noun, punctuation comes from the
catalogue with the words, and each regional alert of the "Alertes nationales" list names its region
(in Arabic on an Arabic page) without a query per alert."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.templatetags import i18n
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from shortages.choices import AlertKind, AlertStatus, RiskLevel, RunStatus
from shortages.models import Alert, RiskScore, ScoringRun
from stock.templatetags.ui import unit_after
from tests import factories

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 24)


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


# The VEN class in words, and units that agree with their quantity --------------------------------


def test_the_medicine_list_names_the_ven_class_in_words(client, personas):
    # given a vital, an essential and a non-essential medicine
    for ven_class, inn in (("V", "ADRENALINE"), ("E", "AMOXICILLINE"), ("N", "VITAMINE C")):
        factories.MedicineFactory(inn=inn, ven_class=ven_class)
    client.force_login(personas.analyst)
    # when
    with translation.override("fr"):
        page = client.get(reverse("shortages:medicine_list")).content.decode()
    # then each row names its class as the medicine page does, never by its letter
    cells = re.findall(r"<td>([^<]*)</td>", page)
    assert {"Vital", "Essentiel", "Non essentiel"} <= set(cells)
    assert not {"V", "E", "N"} & set(cells)
    assert '<th scope="col">Classe VEN</th>' in page


def _scored_medicine(*, usable_stock: float, amc: float, pipeline: float):
    run = ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.SUCCEEDED)
    medicine = factories.MedicineFactory(inn="CEFTRIAXONE")
    RiskScore.objects.create(
        run=run,
        medicine=medicine,
        as_of=AS_OF,
        stock=usable_stock,
        usable_stock=usable_stock,
        amc=amc,
        pipeline=pipeline,
        months_of_stock=1.0,
        stock_status="adequate",
        score=40,
        level="medium",
    )
    return medicine


def _kpi_hints(page: str) -> list[tuple[str, str]]:
    """(value, hint) of each key figure that has a hint."""
    return re.findall(
        r'<p class="kpi__value">([^<]*)</p>\s*<p class="kpi__label">[^<]*</p>\s*<p class="kpi__hint">([^<]*)</p>', page
    )


def test_the_medicine_page_writes_units_in_the_plural_after_large_quantities(client, personas):
    # given a national score of 1 612 usable units, 1 unit a month, 0.4 unit expected
    medicine = _scored_medicine(usable_stock=1612, amc=1.0, pipeline=0.4)
    # when
    with translation.override("fr"):
        page = _medicine_page(client, personas.analyst, medicine)
    # then each unit agrees with its quantity as written
    assert _kpi_hints(page) == [("1\u00a0612", "unités"), ("1", "unité"), ("0", "unités")]
    # and the consumption chart's axis is captioned in the plural, over quantities
    assert '<text x="4" y="12" text-anchor="start">unités</text>' in page


def test_a_position_page_writes_its_units_as_its_quantities_take_them(client, personas):
    # given hospital A's position with 1 usable unit and 250 units a month
    medicine = _scored_medicine(usable_stock=1000, amc=1000, pipeline=0)
    RiskScore.objects.create(
        run=ScoringRun.objects.get(),
        medicine=medicine,
        establishment=personas.hospital_a,
        region=personas.hospital_a.region,
        as_of=AS_OF,
        stock=1,
        usable_stock=1,
        amc=250,
        months_of_stock=0.004,
        stock_status="below_emergency",
        fingerprint=1,
    )
    client.force_login(personas.hospital_a_user)
    # when
    with translation.override("fr"):
        page = client.get(reverse("shortages:position_detail", args=[personas.hospital_a.pk, medicine.pk]))
    # then
    units = [(value, hint) for value, hint in _kpi_hints(page.content.decode()) if hint.startswith("unit")]
    assert units == [("1", "unité"), ("250", "unités")]


@pytest.mark.parametrize(
    ("quantity", "expected"), [(None, "unité"), (0.4, "unités"), (1, "unité"), (1.4, "unité"), (1.5, "unités")]
)
def test_the_unit_agrees_with_the_quantity_as_it_is_rounded(quantity, expected):
    with translation.override("fr"):
        assert unit_after(quantity, "unité") == expected
    # a unit the pages do not know is shown as stored, whatever the quantity
    assert unit_after(12, "flacon") == "flacon"
