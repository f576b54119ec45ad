"""Figures on pages are rounded, never cut: 0.89 month reads 0,9 and 97.7 % reads 98 %; the units after
a quantity agree with it as it is written ("1 unité", "1 500 unités")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from shortages.choices import RunStatus
from shortages.models import Alert, RiskScore, ScoringRun, Shortage
from shortages.templatetags.alert_text import alert_figure
from stock.templatetags.ui import months, pct, qty
from tests import factories


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.89, "0,9"), (1.25, "1,3"), (0.04, "0,0"), (3, "3,0"), (None, "—"), ("", "—")],
)
def test_months_of_stock_are_rounded_to_one_decimal(value, expected):
    assert months(value) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(0.977, 0, "98 %"), (0.125, 1, "12,5 %"), (0.0049, 0, "0 %"), (0.995, 0, "100 %"), (None, 0, "—")],
)
def test_shares_are_rounded_to_the_digits_asked(value, digits, expected):
    assert pct(value, digits) == expected


@pytest.mark.parametrize(("value", "expected"), [(12.7, "13"), (12.2, "12"), (0, "0"), (None, "—")])
def test_quantities_are_rounded_to_whole_units(value, expected):
    assert qty(value) == expected


def test_large_quantities_are_grouped_by_thousands():
    assert qty(1234567).replace("\u202f", " ").replace("\xa0", " ") == "1 234 567"


def test_a_list_of_words_is_joined_as_the_language_writes_a_list():
    from stock.templatetags.ui import words

    assert words(["Hôpital", "Centre de santé"]) == "Hôpital, Centre de santé"
    with translation.override("ar"):
        assert words(["مستشفى", "الرعاية"]) == "مستشفى، الرعاية"
    assert words([]) == "" and words(None) == ""


def test_the_model_horizon_is_counted_in_the_arabic_plural():
    from django.template import Context, Template

    template = Template(
        "{% load i18n %}{% blocktranslate with version=3 count months=n %}Modèle v{{ version }} — horizon de "
        "{{ months }} mois{% plural %}Modèle v{{ version }} — horizon de {{ months }} mois{% endblocktranslate %}"
    )
    with translation.override("ar"):
        assert template.render(Context({"n": 2})) == "النموذج v3 — أفق شهرين (2)"
        assert template.render(Context({"n": 3})) == "النموذج v3 — أفق 3 أشهر"
    assert template.render(Context({"n": 2})) == "Modèle v3 — horizon de 2 mois"


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("usable_stock", 1.0, "Stock utilisable : 1 unité."),
        ("usable_stock", 1612.0, "Stock utilisable : 1\u00a0612 unités."),
        ("expired_stock", 1.2, "1 unité périmée à retirer du stock."),
        ("expired_stock", 120.0, "120 unités périmées à retirer du stock."),
        ("expiry_at_risk", 0.6, "1 unité risque de périmer avant d'être consommée."),
        ("expiry_at_risk", 2.0, "2 unités risquent de périmer avant d'être consommées."),
    ],
)
def test_an_alert_figure_counts_its_units_in_the_singular_or_the_plural(metric, value, expected):
    assert alert_figure(Alert(value={metric: value})) == expected


@pytest.mark.django_db
def test_a_surplus_of_one_unit_reads_in_the_singular_on_the_shortage_page(client, personas):
    # given a national shortage, and two hospitals over their maximum of 3 months: by 1 unit and 1 500
    as_of = dt.date(2026, 11, 24)
    run = ScoringRun.objects.create(as_of=as_of, status=RunStatus.SUCCEEDED)
    medicine = factories.MedicineFactory()
    RiskScore.objects.create(run=run, medicine=medicine, as_of=as_of, stock_status="adequate", level="low")
    for establishment, usable_stock in ((personas.hospital_a, 301), (personas.hospital_b, 1800)):
        RiskScore.objects.create(
            run=run,
            medicine=medicine,
            establishment=establishment,
            region=establishment.region,
            as_of=as_of,
            usable_stock=usable_stock,
            amc=100,
            months_of_stock=usable_stock / 100,
            stock_status="overstocked",
            fingerprint=1,
        )
    shortage = Shortage.objects.create(
        medicine=medicine, cause="other", started_on="2026-11-01", scope="national", status="ongoing"
    )
    client.force_login(personas.analyst)
    # when
    page = client.get(reverse("shortages:shortage_detail", args=[shortage.pk])).content.decode()
    # then
    assert "1 unité en excédent (3,0 mois de stock)" in page
    assert "1\u00a0500 unités en excédent (18,0 mois de stock)" in page
