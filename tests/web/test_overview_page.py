"""The overview's key figures read as French sentences with formatted numbers."""

from __future__ import annotations

from django.urls import reverse

from tests.web.world import build_world


def test_reporting_establishments_figure_names_its_month(client, personas):
    # given
    build_world(personas, size=1)
    client.force_login(personas.analyst)
    # when
    response = client.get(reverse("shortages:overview"))
    # then: "pour octobre 2026", never "de octobre" (no elision before a vowel)
    html = response.content.decode()
    month = response.context["data"].reported_month
    assert "Établissements ayant transmis leurs données pour " in html
    assert "leurs données de " not in html
    assert f"{month.year}" in html


def test_key_figures_count_medicines_at_each_risk_level(client, personas):
    # given three medicines scored critical, high and medium (build_world cycles the levels)
    build_world(personas, size=1)
    client.force_login(personas.analyst)
    # when
    response = client.get(reverse("shortages:overview"))
    # then
    levels = response.context["data"].medicines_by_level
    assert (levels["critical"], levels["high"], levels["medium"]) == (1, 1, 1)
    assert "et 1 à risque moyen" in response.content.decode()
