"""A score's factors in plain words (``shortages/selectors_pages/explain.py``)."""

from __future__ import annotations

from django.utils import translation

from shortages.selectors_pages.explain import factors_explain


def _texts(figures: dict) -> dict[str, str]:
    contributions = {"concentration": 3.3, "history": 1.3}
    with translation.override("fr"):
        return {factor.key: factor.text for factor in factors_explain(contributions=contributions, figures=figures)}


def test_concentration_reads_as_an_index_and_a_count_of_suppliers():
    # when
    texts = _texts({"supplier_hhi": 0.2, "supplier_count": 6, "episodes": 1})
    # then: no "sur 1. 6" that reads like a decimal number
    assert texts["concentration"] == "6 fournisseurs ; indice de concentration (Herfindahl, de 0 à 1) : 0,20."
    assert texts["history"] == "1 épisode de rupture au cours des 24 derniers mois."


def test_a_single_supplier_and_several_episodes_agree_in_number():
    # when
    texts = _texts({"supplier_hhi": 1.0, "supplier_count": 1, "episodes": 3})
    # then
    assert texts["concentration"].startswith("1 fournisseur ; ")
    assert texts["history"].startswith("3 épisodes de rupture")


def test_concentration_without_a_supplier_count_is_a_sentence_of_its_own():
    # when
    texts = _texts({"supplier_hhi": 0.5})
    # then
    assert texts["concentration"] == "Indice de concentration (Herfindahl, de 0 à 1) : 0,50."
