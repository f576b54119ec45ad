# ruff: noqa: F811  (the fixtures of tests.web.test_model_pages, imported, are named as parameters)
"""Review of where P and the forecast are shown: what a probability has meant reads a band of enough
position-months and the band of P as the page shows it; the learned explanation's figures add up as
the page writes them and explain only the P stored; a formula's P is explained by the formula's own
terms; a roll-up's positions name the model of their P."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from shortages.models import RiskScore
from shortages.selectors_pages.position import (
    Contribution,
    Explanation,
    formula_explanation_of,
    position_explanation_get,
)
from shortages.selectors_pages.prediction import MIN_BAND_POSITIONS, Reliability, ReliabilityBin
from shortages.services import scores
from shortages.templatetags.prediction_text import probability_meaning_text
from tests.web.test_model_pages import AS_OF, _page, _store_backtest, _text, _world, scored, trained  # noqa: F401

pytestmark = pytest.mark.django_db


def _bins(positions: list[int], observed: list[float | None]) -> Reliability:
    rows = [
        ReliabilityBin(
            low=tenth / 10,
            high=(tenth + 1) / 10,
            positions=count,
            mean_probability=None if count == 0 else tenth / 10 + 0.05,
            observed=share,
        )
        for tenth, (count, share) in enumerate(zip(positions, observed, strict=True))
    ]
    return Reliability(by_level={"primary": rows})


# The demo's first backtest, population C: the tenth 60-70 % held 5 position-months, 4 stocked out
DEMO = _bins(
    [26848, 1630, 855, 321, 106, 27, 5, 0, 0, 0],
    [0.0036, 0.110, 0.198, 0.268, 0.330, 0.370, 0.8, None, None, None],
)


def test_a_thin_tenth_is_widened_with_its_fuller_neighbour():
    # when a position is given 62 %
    band = DEMO.bin_of(0.62, "primary")
    # then the tenth of 5 position-months is read with the tenth below it (27), not alone
    assert (band.low, band.high, band.positions) == (0.5, 0.7, 32)
    assert band.observed == pytest.approx((27 * 0.370 + 5 * 0.8) / 32)
    with translation.override("fr"):
        assert probability_meaning_text(DEMO, 0.62, "primary") == (
            "Parmi les positions auxquelles le modèle donnait 50 à 70 %, 44 % ont connu une rupture."
        )
    # and a tenth of enough position-months is read alone
    assert DEMO.bin_of(0.55, "primary").positions == 27 >= MIN_BAND_POSITIONS
    assert (DEMO.bin_of(0.35, "primary").low, DEMO.bin_of(0.35, "primary").high) == (0.3, 0.4)


def test_the_band_is_the_one_of_the_probability_as_shown():
    # given P = 0.3996, which every page shows "40 %"
    with translation.override("fr"):
        text = probability_meaning_text(DEMO, 0.3996, "primary")
        # then its meaning reads the band 40-50 %, not "30 à 40 %" beside a "40 %"
        assert text.startswith("Parmi les positions auxquelles le modèle donnait 40 à 50 %")
        assert probability_meaning_text(DEMO, 0.3949, "primary").startswith(
            "Parmi les positions auxquelles le modèle donnait 30 à 40 %"
        )


def _explanation(base: float, points: list[float], probability: float) -> Explanation:
    items = [Contribution(name=f"f{i}", label=f"f{i}", points=value, value="") for i, value in enumerate(points)]
    return Explanation(
        model_version=1,
        base_rate=base,
        probability=probability,
        contributions=items,
        other_points=100 * (probability - base) - sum(points),
    )


@pytest.mark.parametrize(
    ("base", "points", "probability"),
    [
        (0.025, [-1.24, -0.64, -0.34, -0.24], 0.00069),  # a low P: the rounded figures drifted by 0.2
        (0.02546, [17.46, 11.34, 4.96, 4.34], 0.56303),
        (0.1, [0.05, -0.05, 0.15, -0.15], 0.1),
    ],
)
def test_the_figures_shown_add_up_to_the_probability_shown(base, points, probability):
    explanation = _explanation(base, points, probability)

    def tenths(value: float) -> float:
        return round(abs(value) + 1e-12, 1) * (1 if value >= 0 else -1)

    shown = tenths(100 * base) + sum(tenths(value) for value in points) + explanation.other_points_shown
    assert shown == pytest.approx(tenths(100 * probability), abs=1e-9)
    # and the rest shown stays within the rounding of the figures listed
    assert abs(explanation.other_points_shown - explanation.other_points) <= 0.05 * (len(points) + 2) + 1e-9


def _signed(text: str) -> float:
    sign = -1 if text.startswith("−") else 1
    return sign * float(text.lstrip("+−").replace(",", "."))


def test_the_position_page_figures_add_up_as_written(client, personas, scored):
    # given a position the learned model spoke for
    sites, medicines, row = scored
    # when hospital A's user reads why
    text = _text(_page(client, personas.hospital_a_user, "shortages:position_detail", [sites[0].pk, medicines[1].pk]))
    # then base rate + the four points + the rest = P, as the page writes each (to the tenth)
    found = re.search(r"part de (\d+,\d) %.*jusqu'à (\d+,\d) %", text)
    assert found, text
    base, probability = (float(value.replace(",", ".")) for value in found.groups())
    points = [_signed(value) for value in re.findall(r"([+−]\d+,\d) points", text)]
    assert len(points) == 5  # four contributions and the rest
    assert base + sum(points) == pytest.approx(probability, abs=1e-9)


def test_an_explanation_that_no_longer_gives_the_stored_probability_says_which_it_explains(client, personas, scored):
    # given the stored P of a position moved away from what its history gives again
    sites, medicines, _ = scored
    score = RiskScore.objects.get(establishment=sites[0], medicine=medicines[1], as_of=AS_OF)
    again = score.stockout_probability
    moved = again + 0.05 if again < 0.9 else again - 0.05
    RiskScore.objects.filter(pk=score.pk).update(stockout_probability=moved)
    score.refresh_from_db()
    score.as_of = AS_OF
    explanation = position_explanation_get(score=score, level="hospital")
    assert explanation.differs and explanation.probability == pytest.approx(again, abs=1e-9)
    # when the position is read
    text = _text(_page(client, personas.hospital_a_user, "shortages:position_detail", [sites[0].pk, medicines[1].pk]))
    # then the page says the points explain the P read again, not the stored one it shows above
    with translation.override("fr"):
        from stock.templatetags.ui import pct

        now, stored = pct(again, 1), pct(moved, 1)
    assert f"l'historique de cette position donne {now} au lieu des {stored}" in text
    assert f"jusqu'à {now}" in text
    # and an explanation that gives the stored P back says nothing of the kind
    RiskScore.objects.filter(pk=score.pk).update(stockout_probability=again)
    text = _text(_page(client, personas.hospital_a_user, "shortages:position_detail", [sites[0].pk, medicines[1].pk]))
    assert "au lieu des" not in text


def test_the_forecast_names_the_model_that_made_it(client, personas, scored):
    sites, medicines, row = scored
    text = _text(_page(client, personas.hospital_a_user, "shortages:position_detail", [sites[0].pk, medicines[1].pk]))
    assert f"Prévision du modèle appris v{row.version}" in text


def test_the_band_says_how_many_position_months_it_rests_on(client, personas, scored):
    sites, medicines, _ = scored
    text = _text(_page(client, personas.hospital_a_user, "shortages:position_detail", [sites[0].pk, medicines[1].pk]))
    # the stored backtest's tenths hold 100 to 109 position-months (tests.web.test_model_pages)
    assert re.search(r"\(sur 10\d positions-mois du dernier bilan\)", text), text


# The formula's P --------------------------------------------------------------------------------


@pytest.fixture
def formula_world(personas):
    """The synthetic world scored without any model: the formula answers for every position; a
    backtest of the learned model is stored all the same."""
    sites, medicines = _world(personas)
    _store_backtest()
    scores.scoring_run_execute(as_of=AS_OF)
    return sites, medicines


def _qty(value: float) -> str:
    from stock.templatetags.ui import qty

    with translation.override("fr"):
        return qty(value)


def test_a_formula_probability_is_explained_by_the_formulas_own_terms(client, personas, formula_world):
    # given a position the formula spoke for, with demand
    sites, medicines = formula_world
    score = (
        RiskScore.objects.filter(establishment=sites[0], as_of=AS_OF, amc__gt=0, sigma__gt=0)
        .order_by("medicine_id")
        .first()
    )
    assert score is not None and score.figures.get("model_version") is None
    # when its page is read
    response = _page(client, personas.hospital_a_user, "shortages:position_detail", [sites[0].pk, score.medicine_id])
    text = _text(response)
    # then the formula's terms are listed with the stored figures
    assert "Stock utilisable" in text and "En cours d'acheminement vers l'établissement" in text
    horizon = f"{score.horizon_months:g}".replace(".", ",")
    assert f"Consommation attendue sur {horizon} mois {_qty(score.amc * score.horizon_months)}" in text
    assert f"(écart type) {_qty(score.sigma * score.horizon_months**0.5)}" in text
    # and the verdict gives the page's P, from the margin it names
    margin = score.usable_stock + score.pipeline - score.amc * score.horizon_months
    word = "Il manque" if margin < 0 else "Il reste"
    with translation.override("fr"):
        from stock.templatetags.ui import pct

        assert f"{word} {_qty(abs(margin))} unité" in text
        assert f"la formule donne {pct(score.stockout_probability)}." in text
    # and what such a figure means: a ranking, not a measured chance
    assert "n'est pas une chance mesurée" in text
    assert "Parmi les positions" not in text


def test_the_formula_terms_give_back_the_stored_probability_or_nothing(formula_world):
    sites, _ = formula_world
    rows = list(RiskScore.objects.filter(establishment__in=sites, as_of=AS_OF, stockout_probability__isnull=False))
    assert rows
    for score in rows:
        terms = formula_explanation_of(score)
        assert terms is not None and terms.probability == score.stockout_probability
    # a stored P the stored terms do not give (another rule stored it) is not explained by them
    score = rows[0]
    score.stockout_probability = 0.5 if score.stockout_probability < 0.25 or score.stockout_probability > 0.75 else 0.0
    assert formula_explanation_of(score) is None
    # and a learned P is never explained by the formula
    rows[1].figures = {**rows[1].figures, "model_version": 3}
    assert formula_explanation_of(rows[1]) is None


@pytest.mark.parametrize(
    ("amc", "sigma", "stock", "probability", "expected"),
    [
        (0.0, 0.0, 10.0, 0.0, "Aucune consommation récente : la formule donne 0 %."),
        (10.0, 0.0, 5.0, 1.0, "Il manque 15 unités pour couvrir la consommation attendue, qui n'a pas varié"),
        (10.0, 0.0, 30.0, 0.0, "Il reste 10 unités au-delà de la consommation attendue, qui n'a pas varié"),
    ],
)
def test_the_formulas_edge_cases_read_in_words(
    client, personas, formula_world, amc, sigma, stock, probability, expected
):
    # given a formula-spoken position rewritten to an edge of the formula
    sites, medicines = formula_world
    score = RiskScore.objects.filter(establishment=sites[0], as_of=AS_OF).order_by("medicine_id").first()
    RiskScore.objects.filter(pk=score.pk).update(
        amc=amc, sigma=sigma, usable_stock=stock, pipeline=0.0, horizon_months=2.0, stockout_probability=probability
    )
    # when / then
    text = _text(_page(client, personas.hospital_a_user, "shortages:position_detail", [sites[0].pk, score.medicine_id]))
    assert expected in text


def test_the_stock_table_says_a_formula_probability_is_a_ranking(client, personas, formula_world):
    sites, _ = formula_world
    text = _text(_page(client, personas.hospital_a_user, "shortages:establishment_detail", [sites[0].pk]))
    assert "formule analytique" in text
    assert "Classe les positions, sans être une chance mesurée" in text
    assert "Parmi les positions" not in text


# A regional roll-up's positions ------------------------------------------------------------------


def test_a_rollups_positions_name_the_model_of_their_probability(personas, scored):
    # given the positions a roll-up lists (the learned model spoke for them)
    sites, medicines, row = scored
    score = RiskScore.objects.select_related("establishment", "establishment__province").get(
        establishment=sites[0], medicine=medicines[0], as_of=AS_OF
    )

    class Row:
        alert_id = None

    listed = Row()
    listed.score = score
    # when the table is written
    with translation.override("fr"):
        content = render_to_string(
            "shortages/inc/rollup_positions.html", {"rollup_positions": [listed], "rollup_probability_cut": 0.5}
        )
    # then its P names its model and links to the position's explanation
    assert f"modèle appris v{row.version}" in content
    assert reverse("shortages:position_detail", args=[sites[0].pk, medicines[0].pk]) in content
