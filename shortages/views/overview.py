"""The national overview page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from shortages import charts
from shortages.selectors_pages.overview import overview_get
from stock import roles, scopes
from stock.page_access import role_required
from stock.templatetags.ui import pct


@role_required(roles.ANALYST, roles.INDUSTRY)
def overview(request: HttpRequest) -> HttpResponse:
    """Key figures, the regional risk map, the top risks and the trends of the last 12 months."""
    data = overview_get(user=request.user)
    can_open_regions = roles.is_analyst(request.user)
    # A regional analyst opens the pages of its own regions only (the others answer 404).
    open_region_ids = (
        [r.pk for r in data.regions]
        if scopes.is_national_analyst(request.user)
        else sorted(scopes.analyst_area(request.user).all_region_ids)
    )
    shares = {r.code: r.share_at_risk for r in data.regions}
    classes = charts.share_classes(shares.values())
    risk_map = charts.region_map(
        shares,
        names={r.code: r.name for r in data.regions},
        classes=classes,
        urls={r.code: reverse("shortages:region_detail", args=[r.pk]) for r in data.regions if r.pk in open_region_ids}
        if can_open_regions
        else None,
        title=_("Carte des régions colorées selon la part des positions en rupture ou sous le seuil d'urgence"),
        describe=_share_in_words,
    )
    stockout_chart = charts.line_chart(
        data.month_labels,
        [
            charts.Series(
                _("Positions en rupture (%)"),
                [None if v is None else 100 * v for v in data.trend_stockout_share],
            )
        ],
        title=_("Part des positions en rupture, par mois, parmi celles qui ont déclaré le mois"),
        y_unit="%",
    )
    shortages_chart = charts.bar_chart(
        data.month_labels,
        data.trend_new_shortages,
        title=_("Ruptures ouvertes par mois"),
    )
    return render(
        request,
        "shortages/overview.html",
        {
            "data": data,
            "risk_map": risk_map,
            "stockout_chart": stockout_chart,
            "shortages_chart": shortages_chart,
            "can_open_regions": can_open_regions,
            "open_region_ids": open_region_ids if can_open_regions else [],
            "map_classes": classes,
        },
    )


def _share_in_words(share: float | None) -> str:
    if share is None:
        return _("aucune position suivie")
    return _("%(share)s des positions en rupture ou sous le seuil d'urgence") % {"share": pct(share, 1)}
