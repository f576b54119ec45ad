"""A stockout probability in words: which model gave it, and what such a probability has meant so far
(the latest stored backtest's reliability table, :mod:`shortages.selectors_pages.prediction`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from shortages.selectors_pages.prediction import Reliability, decimal_text
from stock.templatetags.ui import pct

register = template.Library()


def _whole_percent(share: float) -> str:
    return number_format(round(share * 100), 0)


def probability_meaning_text(reliability: Reliability | None, probability: Any, level: str | None) -> str:
    """ "Parmi les positions auxquelles le modèle donnait 30 à 40 %, 34 % ont connu une rupture." for
    the bin of ``probability``; empty without a stored backtest or a probability. A share under 10 %
    is written to the tenth ("0,4 %"): in whole percent, the lowest band read "0 % ont connu une
    rupture" where 0.36 % had."""
    if reliability is None or probability is None or probability == "":
        return ""
    row = reliability.bin_of(float(probability), level)
    if row is None:
        return ""
    band = {"low": _whole_percent(row.low), "high": _whole_percent(row.high)}
    if not row.positions or row.observed is None:
        return _("Aucune position n'a reçu de %(low)s à %(high)s %% du modèle lors du dernier bilan.") % band
    return _(
        "Parmi les positions auxquelles le modèle donnait %(low)s à %(high)s %%, %(observed)s ont connu une rupture."
    ) % {**band, "observed": pct(row.observed, 1 if 0 < row.observed < 0.1 else 0)}


def _no_version(version: Any) -> bool:
    """No model spoke: no version, or a JSON null read as text (SQLite's ``->>`` gives 'null')."""
    return version is None or version in ("", "null")


@register.simple_tag
def probability_meaning(reliability: Reliability | None, probability: Any, level: str | None, version: Any) -> str:
    """What a learned probability has meant so far (nothing where the formula answered: the stored
    backtest measures the model, not the formula)."""
    if _no_version(version):
        return ""
    return probability_meaning_text(reliability, probability, level)


@register.filter
def model_source(version: Any) -> str:
    """Which model gave a probability: "modèle appris v3", or "formule analytique" without a version."""
    if _no_version(version):
        return _("formule analytique")
    return _("modèle appris v%(version)s") % {"version": int(float(version))}


@register.filter
def points(value: Any) -> str:
    """Percentage points with their sign ("+12,3 points", "−4,1 points")."""
    if value is None or value == "":
        return "—"
    number = float(value)
    text = decimal_text(abs(number), 1)
    sign = "+" if number >= 0 else "−"
    return _("%(sign)s%(value)s points") % {"sign": sign, "value": text}


@register.filter
def share_text(share: Any) -> str:
    """A share of the positions to the tenth of a percent, where a share that is neither none nor all
    never reads as one of them: 13 positions of 26,090 are "moins de 0,1 %", not "0,0 %", and the
    others "plus de 99,9 %", not "100,0 %". An em dash when unknown."""
    if share is None or share == "":
        return "—"
    tenth = Decimal("0.001")
    shown = pct(share, 1)
    if share > 0 and shown == pct(0, 1):
        return _("moins de %(share)s") % {"share": pct(tenth, 1)}
    if share < 1 and shown == pct(1, 1):
        return _("plus de %(share)s") % {"share": pct(1 - tenth, 1)}
    return shown
