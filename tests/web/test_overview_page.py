"""The overview's key figures read as French sentences with formatted numbers."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

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


def test_the_map_legend_says_what_it_measures_with_the_measured_ranges(client, personas):
    # given
    build_world(personas, size=1)
    client.force_login(personas.analyst)
    # when
    with translation.override("fr"):
        html = client.get(reverse("shortages:overview")).content.decode()
    # then: the legend names the measure and gives each step's range, no risk level colours
    legend = html[html.index('<ul class="legend"') :]
    legend = legend[: legend.index("</ul>")]
    assert "part des positions en rupture ou sous le seuil d’urgence" in legend
    assert "33,3 %" in legend and "Aucune position suivie" in legend
    assert "Critique" not in legend and "Moyen" not in legend
    assert "OpenStreetMap contributors" not in html and "les contributeurs d’OpenStreetMap" in html


def test_top_risks_say_their_main_reason_in_words(client, personas):
    # given national scores whose largest factor is the public stock cover (0.8 month)
    build_world(personas, size=1)
    client.force_login(personas.analyst)
    # when
    with translation.override("fr"):
        html = client.get(reverse("shortages:overview")).content.decode()
    # then
    top = html[html.index('data-testid="top-risks"') :]
    top = top[: top.index("</tbody>")]
    assert top.count('data-testid="main-reason"') == 3
    assert "Le stock public couvre 0,8 mois de consommation au niveau national." in top
    assert "stock_cover" not in top


def test_every_trend_chart_has_its_figures_in_a_table_beside_it(client, personas):
    # given
    world = build_world(personas, size=1)
    client.force_login(personas.analyst)

    # when the overview and a medicine page are read
    pages = [
        client.get(reverse("shortages:overview")).content.decode(),
        client.get(reverse("shortages:medicine_detail", args=[world.medicines[0].pk])).content.decode(),
    ]

    # then each chart is followed by a data table (WCAG 1.1.1: the bars and lines in words too)
    for html in pages:
        charts = html.split('<svg class="chart"')[1:]
        assert charts
        for after in charts:
            assert "<details><summary>Données</summary>" in after.split("</section>")[0]
