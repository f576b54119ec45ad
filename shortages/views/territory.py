"""Establishment and region pages, with CSV/XLSX exports of their tables."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from shortages.selectors_pages import territory
from shortages.selectors_pages.filters import StockPageFilterSet
from stock import roles
from stock.exports import EXPORT_LINKS, export_format, table_response
from stock.models import Establishment, Region
from stock.page_access import role_required

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000


@role_required(roles.ANALYST, roles.ESTABLISHMENT)
def establishment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Stock status with months of stock, lots expiring soon and alerts of one establishment."""
    try:
        establishment = territory.establishment_get(user=request.user, establishment_id=pk)
    except Establishment.DoesNotExist as error:
        raise Http404 from error
    filterset = StockPageFilterSet(request.GET, queryset=territory.stock_rows(establishment=establishment))
    rows = filterset.qs
    fmt = export_format(request)
    if fmt:
        return table_response(
            fmt=fmt,
            filename=f"stock-{establishment.code}",
            headers=[
                "code",
                "medicament",
                "dosage",
                "forme",
                "stock_utilisable",
                "stock_perime",
                "en_transit",
                "cmm",
                "mois_de_stock",
                "etat",
            ],  # fmt: skip
            rows=(
                (
                    r.medicine.code,
                    r.medicine.inn,
                    r.medicine.strength,
                    r.medicine.dosage_form,
                    r.usable_quantity,
                    r.expired_quantity,
                    r.in_transit,
                    r.amc,
                    r.mos,
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
        },
    )


@role_required(roles.ANALYST)
def region_list(request: HttpRequest) -> HttpResponse:
    """The 12 regions and their positions at risk."""
    return render(request, "shortages/region_list.html", {"regions": territory.region_list_get()})


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
            headers=["code", "etablissement", "categorie", "province", "positions", "en_rupture", "a_risque"],
            rows=(
                (
                    e.code,
                    e.name,
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
