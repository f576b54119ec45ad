"""Disclosure of industry figures: what a company declares (stock, sales, expected deliveries,
disruptions) is confidential, and a national figure built from few declarations is one company's.

The rule (docs/partners.md), for everyone but analysts, in the API, the pages and the exports:
an industry figure of a medicine is shown only when at least ``MIN_COMPANIES`` companies declared it
and no single one holds more than ``MAX_TOP_SHARE`` of the declared sales or stock. Otherwise every
figure drawn from declarations is withheld (``None``), with the factors they feed and those
factors' points, and ``industry_withheld`` says so. The largest company's share, the rule's own
input, is never shown outside analysts. Analysts see everything. The regional figures of a national
score follow the rule of small areas (:mod:`shortages.disclosure_areas`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from shortages.choices import AlertKind
from shortages.disclosure_areas import reads_country_whole, regional_figures_shown
from stock import roles

MIN_COMPANIES = 3
MAX_TOP_SHARE = 0.75
#: Figures of a national score drawn from the declarations.
INDUSTRY_FIGURES = (
    "declared_companies",
    "industry_stock",
    "industry_sales",
    "industry_mos",
    "safety_stock_required",
    "safety_stock_gap",
    "companies_in_breach",
    "safety_stock_met",
    "disrupted_companies",
    "disrupted_sales_share",
    "deliveries_due",
    "supplier_hhi",
    "api_origin_hhi",
)
#: Score factors computed from those figures: their values and points are withheld with them.
INDUSTRY_FACTORS = ("industry_cover", "disruption", "concentration")
#: Analysts only, whatever the rule says.
ANALYST_ONLY_FIGURES = ("industry_top_share",)
#: Alerts raised from the declarations: their figure is for analysts only.
INDUSTRY_ALERT_KINDS = (AlertKind.SAFETY_STOCK, AlertKind.DISRUPTION)
#: Alerts whose figure is for analysts only: those above, and the national risk, whose figure is the
#: national score (it sums the industry points, see :func:`score_shown`).
ANALYST_FIGURE_ALERT_KINDS = (*INDUSTRY_ALERT_KINDS, AlertKind.NATIONAL_RISK)


def industry_disclosed(figures: Mapping[str, Any] | None) -> bool:
    """True when the industry figures of a national score may be shown to a non-analyst: at least
    three declaring companies and none above 75 % (unknown share: not shown)."""
    figures = figures or {}
    companies, top_share = figures.get("declared_companies"), figures.get("industry_top_share")
    if companies is None or companies < MIN_COMPANIES:
        return False
    return top_share is not None and top_share <= MAX_TOP_SHARE


def national_score_shown(
    *, user: Any, figures: Mapping[str, Any] | None, contributions: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The figures and contributions of a national score as ``user`` may read them."""
    figures, contributions = dict(figures or {}), dict(contributions or {})
    if roles.is_analyst(user):
        return figures, contributions
    withheld = not industry_disclosed(figures)
    for name in ANALYST_ONLY_FIGURES:
        figures.pop(name, None)
    if withheld:
        figures.update(dict.fromkeys((name for name in INDUSTRY_FIGURES if name in figures), None))
        factors = dict(figures.get("factors") or {})
        factors.update(dict.fromkeys((name for name in INDUSTRY_FACTORS if name in factors), None))
        figures["factors"] = factors
        contributions.update(dict.fromkeys((name for name in INDUSTRY_FACTORS if name in contributions), None))
    figures["industry_withheld"] = withheld
    return figures, contributions


def score_shown(*, user: Any, score: Any) -> Any:
    """``score`` as ``user`` may read it: a national score under the rule is an unsaved copy with its
    industry figures, factors and points withheld, and its pipeline without declared deliveries;
    its regional figures follow the rule of small areas (:mod:`shortages.disclosure_areas`) for
    everyone but national analysts."""
    if score is None or score.establishment_id is not None or reads_country_whole(user):
        return score
    shown = copy.copy(score)
    figures = regional_figures_shown(user=user, figures=score.figures or {})
    if roles.is_analyst(user):
        shown.figures = figures
        return shown
    shown.figures, shown.contributions = national_score_shown(
        user=user, figures=figures, contributions=score.contributions
    )
    if shown.figures["industry_withheld"]:
        shown.pipeline = (score.figures or {}).get("public_in_transit")
        # The score sums the factors' points: with the others shown, the score less their sum would
        # give the withheld industry points exactly (one company's cover). Its level, a band of 25
        # points, stays.
        shown.score = None
    return shown


def scores_listed(user: Any) -> bool:
    """True when a list of medicines (page or export) may give ``user`` their national scores. A
    list's rows do not carry the figures that :func:`score_shown` weighs medicine by medicine, so
    outside analysts it gives each medicine's level only (a band of 25 points)."""
    return roles.is_analyst(user)


def alert_figure_withheld(*, user: Any, alert: Any) -> bool:
    """True when the figure of ``alert`` (its ``value``, the sentence and the message that quote it)
    is hidden from ``user``: an alert raised from declarations (safety stock, disruption) or on the
    national score names its medicine and level to whoever sees national alerts, its figure to
    analysts only (no user known,
    as in a shared notification text: hidden)."""
    return alert.kind in ANALYST_FIGURE_ALERT_KINDS and not (user is not None and roles.is_analyst(user))


def alert_message_shown(*, user: Any, alert: Any) -> str:
    """The alert's message as ``user`` may read it (the kind's label alone when its figure is hidden)."""
    if alert_figure_withheld(user=user, alert=alert):
        return str(AlertKind(alert.kind).label)
    return alert.message
