"""Figures on pages are rounded, never cut: 0.89 month reads 0,9 and 97.7 % reads 98 %."""

from __future__ import annotations

import pytest
from django.utils import translation

from stock.templatetags.ui import months, pct, qty


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
