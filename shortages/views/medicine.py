"""The medicine page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shortages import charts
from shortages.selectors_pages.medicine import medicine_page_get
from shortages.selectors_pages.prediction import reliability_latest
from stock.models import Medicine
from stock.page_access import role_required
from stock.templatetags.ui import unit_label


@role_required("analyst", "industry", "establishment")
def medicine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Stock, consumption, suppliers, the risk score explained, alerts, shortages and alternatives."""
    try:
        page = medicine_page_get(user=request.user, medicine_id=pk)
    except Medicine.DoesNotExist as error:
        raise Http404 from error
    consumption_chart = charts.line_chart(
        page.month_labels,
        [charts.Series(_("Quantités délivrées"), page.consumption)],
        title=_("Consommation nationale déclarée par mois"),
        y_unit=unit_label(page.medicine.dispensing_unit, plural=True),
    )
    history_chart = (
        charts.line_chart(
            [f"{s.as_of:%d/%m}" for s in page.history],
            [
                charts.Series(
                    _("Score de risque"), [s.score for s in page.history], colour=charts.LEVEL_COLOURS["critical"]
                )
            ],
            title=_("Évolution du score de risque national"),
        )
        if sum(day.score is not None for day in page.history) > 1  # scores withheld by the disclosure rule: none
        else None
    )
    return render(
        request,
        "shortages/medicine_detail.html",
        {
            "page": page,
            "medicine": page.medicine,
            "consumption_chart": consumption_chart,
            "history_chart": history_chart,
            "reliability": reliability_latest() if page.positions else None,
        },
    )
