"""Establishment and region pages, with CSV/XLSX exports of their tables."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _l

from shortages.selectors_pages import territory
from shortages.selectors_pages.filters import StockPageFilterSet
from shortages.selectors_pages.prediction import reliability_latest
from stock import roles, scopes
from stock.exports import EXPORT_LINKS, Column, export_format, table_response
from stock.filtering import filters_refused
from stock.models import Establishment, Region
from stock.page_access import role_required
from stock.templatetags.ui import level_label, unit_label

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
STOCK_COLUMNS = (
    Column(_l("Code médicament")),
    Column(_l("DCI")),
    Column(_l("Dosage")),
    Column(_l("Forme")),
    Column(_l("Unité")),
    Column(_l("Stock utilisable"), "int", unit=_l("unités")),
    Column(_l("Stock périmé"), "int", unit=_l("unités")),
    Column(_l("En transit"), "int", unit=_l("unités")),
    Column(_l("Consommation mensuelle moyenne"), "decimal", unit=_l("unités par mois")),
    Column(_l("Mois de stock"), "decimal", 1, unit=_l("mois")),
    Column(_l("État")),
    Column(_l("Code état")),
)


@role_required(roles.ANALYST, roles.ESTABLISHMENT)
def establishment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Stock status with months of stock, lots expiring soon and alerts of one establishment."""
    try:
        establishment = territory.establishment_get(user=request.user, establishment_id=pk)
    except Establishment.DoesNotExist as error:
        raise Http404 from error
    filterset = StockPageFilterSet(request.GET, queryset=territory.stock_rows(establishment=establishment))
    rows = filterset.qs
    refused = filters_refused(filterset)
    fmt = None if refused else export_format(request)
    if fmt:
        return table_response(
            fmt=fmt,
            filename=f"stock-{establishment.code}",
            columns=STOCK_COLUMNS,
            rows=(
                (
                    r.medicine.code,
                    r.medicine.inn,
                    r.medicine.strength,
                    r.medicine.dosage_form,
                    unit_label(r.medicine.dispensing_unit),
                    r.usable_stock,
                    r.expired_quantity,
                    r.in_transit,
                    r.amc,
                    r.mos,
                    level_label(r.stock_status) if r.stock_status else "",
                    r.stock_status,
                )
                for r in rows[:EXPORT_LIMIT].iterator(chunk_size=2000)
            ),
        )
    page = territory.establishment_page_get(user=request.user, establishment=establishment)
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "shortages/establishment_detail.html",
        {
            "page": page,
            "establishment": establishment,
            "page_obj": page_obj,
            "filter": filterset,
            "export_formats": EXPORT_LINKS,
            "reliability": reliability_latest(),
        },
        status=400 if refused else 200,
    )


@role_required(roles.ANALYST)
def region_list(request: HttpRequest) -> HttpResponse:
    """The 12 regions and their positions at risk (a regional analyst opens its own regions' pages)."""
    regions = territory.region_list_get()
    if scopes.is_national_analyst(request.user):
        open_region_ids = {summary.region.pk for summary in regions}
    else:
        open_region_ids = scopes.analyst_area(request.user).all_region_ids
    return render(request, "shortages/region_list.html", {"regions": regions, "open_region_ids": open_region_ids})


@role_required(roles.ANALYST)
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One region: its establishments by positions at risk, medicines at risk, expiring lots, alerts."""
    try:
        page = territory.region_page_get(user=request.user, region_id=pk)
    except Region.DoesNotExist as error:
        raise Http404 from error
    establishments = territory.region_establishments(user=request.user, region=page.region, as_of=page.as_of)
    fmt = export_format(request)
    if fmt:
        return table_response(
            fmt=fmt,
            filename=f"region-{page.region.code}-etablissements",
            columns=(
                Column(_l("Code")),
                Column(_l("Établissement")),
                Column(_l("Catégorie")),
                Column(_l("Code catégorie")),
                Column(_l("Province")),
                Column(_l("Positions suivies"), "int"),
                Column(_l("En rupture"), "int", unit=_l("positions")),
                Column(_l("À risque"), "int", unit=_l("positions")),
            ),
            rows=(
                (
                    e.code,
                    e.name,
                    e.get_category_display(),
                    e.category,
                    e.province.name_fr if e.province else "",
                    e.positions,
                    e.stocked_out,
                    e.at_risk,
                )
                for e in establishments[:EXPORT_LIMIT]
            ),
        )
    page_obj = Paginator(establishments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "shortages/region_detail.html", {"page": page, "page_obj": page_obj})
