"""Establishment and region pages: stock status with months of stock, lots expiring soon or expired,
alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, FloatField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from shortages.choices import RunStatus
from shortages.disclosure_areas import MIN_ESTABLISHMENTS, regions_read_whole
from shortages.models import Alert, RiskScore
from shortages.models.scores import published_on
from shortages.selectors_pages.alerts import LEVEL_RANK
from shortages.selectors_pages.common import AT_RISK_STATUSES, add_months, day_counts, latest_as_of, region_level
from stock import scopes
from stock.models import Establishment, Region, StockLevel, StockLot

EXPIRY_WINDOW_MONTHS = 6
LIST_LIMIT = 50


def stock_rows(*, establishment: Establishment) -> QuerySet[StockLevel]:
    """The stock positions of one establishment with their usable and expired quantities
    (``StockLevelQuerySet.with_usable``) and the figures of their latest score annotated (``mos``,
    ``amc``, ``stock_status``, ``probability``, ``model_version``, ``as_of``): one query however many positions.

    ``usable_stock`` is the usable stock of docs/scoring.md, the one the row's months of stock divide:
    the stock on hand less the expired units (live) and less the units the latest score projects to
    expire unused (``expiring_unused``), never below 0. ``usable_quantity`` (on hand less expired, the
    API's figure) left those out, so a row could read 336 units for 211 a month and 0.8 month of stock.
    ``mos`` divides that usable stock, as it stands now, by the latest score's AMC (docs/scoring.md:
    S / AMC); it was the score's own months of stock, of the stock on the run's day, so a row that
    had received or issued since read 240 units for 95 a month and 1.7 months of stock. The status
    and P stay the latest score's (of its day, ``as_of``)."""
    latest = RiskScore.objects.filter(
        establishment_id=OuterRef("establishment_id"),
        medicine_id=OuterRef("medicine_id"),
        run__status=RunStatus.SUCCEEDED,
    )
    latest = latest.order_by("-as_of", "-id")
    rows = (
        StockLevel.objects.filter(establishment=establishment)
        .select_related("medicine")
        .with_usable()
        .annotate(
            amc=Subquery(latest.values("amc")[:1]),
            stock_status=Subquery(latest.values("stock_status")[:1]),
            probability=Subquery(latest.values("stockout_probability")[:1]),
            model_version=Subquery(latest.values("model_version")[:1]),
            as_of=Subquery(latest.values("as_of")[:1]),
            expiring_unused=Subquery(latest.values("expiring_unused")[:1]),
        )
        .annotate(
            usable_stock=Greatest(
                F("usable_quantity") - Coalesce(F("expiring_unused"), Value(0.0)),
                Value(0.0),
                output_field=FloatField(),
            )
        )
        .annotate(
            mos=Case(
                When(amc__gt=0, then=F("usable_stock") / F("amc")),
                default=None,
                output_field=FloatField(),
            )
        )
        .order_by(F("mos").asc(nulls_last=True), "medicine__inn", "medicine__strength")
    )
    return rows


def expiring_lots(*, lots: QuerySet[StockLot], today: dt.date | None = None) -> QuerySet[StockLot]:
    """Lots with stock left that expire within six months, expired ones left out (they are not
    stock: :func:`expired_lots`)."""
    today = today or timezone.localdate()
    limit = add_months(today.replace(day=1), EXPIRY_WINDOW_MONTHS + 1)
    return (
        lots.filter(quantity__gt=0, expiry_date__gt=today, expiry_date__lt=limit)
        .select_related("medicine", "establishment")
        .order_by("expiry_date", "lot_number")
    )


def expired_lots(*, lots: QuerySet[StockLot], today: dt.date | None = None) -> QuerySet[StockLot]:
    """Lots with stock left whose expiry date is on or before ``today``: expired stock to withdraw
    (the scoring's rule), oldest first."""
    today = today or timezone.localdate()
    return (
        lots.filter(quantity__gt=0, expiry_date__lte=today)
        .select_related("medicine", "establishment")
        .order_by("expiry_date", "lot_number")
    )


@dataclass
class EstablishmentPage:
    establishment: Establishment
    counts: dict[str, int]
    lots: list[StockLot]
    expired: list[StockLot]
    alerts: list[Alert]


def establishment_get(*, user: Any, establishment_id: int) -> Establishment:
    """One establishment whose stock ``user`` may read; raises ``Establishment.DoesNotExist`` otherwise."""
    return Establishment.objects.stock_visible_to(user).select_related("region", "province").get(pk=establishment_id)


def establishment_page_get(
    *, user: Any, establishment: Establishment, today: dt.date | None = None
) -> EstablishmentPage:
    """Status counts, expiring lots and active alerts of an establishment (the stock table is
    paginated separately from :func:`stock_rows`)."""
    as_of = latest_as_of()
    counts = dict(
        RiskScore.objects.published_on(as_of)
        .filter(establishment=establishment)
        .values_list("stock_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    own_lots = StockLot.objects.filter(establishment=establishment)
    lots = list(expiring_lots(lots=own_lots, today=today)[:LIST_LIMIT])
    expired = list(expired_lots(lots=own_lots, today=today)[:LIST_LIMIT])
    alerts = list(
        Alert.objects.visible_to(user)
        .active()
        .filter(establishment=establishment)
        .select_related("medicine")
        .order_by("-opened_at")[:LIST_LIMIT]
    )
    return EstablishmentPage(establishment=establishment, counts=counts, lots=lots, expired=expired, alerts=alerts)


@dataclass
class RegionSummary:
    region: Region
    positions: int
    stocked_out: int
    at_risk: int
    establishments: int

    @property
    def share_at_risk(self) -> float | None:
        return self.at_risk / self.positions if self.positions else None

    @property
    def level(self) -> str:
        return region_level(self.share_at_risk)


def region_list_get() -> list[RegionSummary]:
    """The 12 regions with their positions at risk on the latest scoring date (four queries)."""
    as_of = latest_as_of()
    rows, counts = day_counts(as_of)
    per_region = {row["region_id"]: row for row in rows.values("region_id").annotate(**counts).order_by()}
    regions = Region.objects.annotate(n_establishments=Count("establishments")).order_by("code")
    empty = {"n": 0, "out": 0, "at_risk": 0}
    return [
        RegionSummary(
            region=region,
            positions=per_region.get(region.pk, empty)["n"],
            stocked_out=per_region.get(region.pk, empty)["out"],
            at_risk=per_region.get(region.pk, empty)["at_risk"],
            establishments=region.n_establishments,
        )
        for region in regions
    ]


@dataclass
class RegionPage:
    region: Region
    as_of: dt.date | None
    medicines: list[dict[str, Any]]
    lots: list[StockLot]
    expired: list[StockLot]
    alerts: list[Alert]
    summary: RegionSummary
    alerts_by_level: dict[str, int]
    min_establishments: int = MIN_ESTABLISHMENTS

    @property
    def share_stocked_out(self) -> float | None:
        return self.summary.stocked_out / self.summary.positions if self.summary.positions else None

    @property
    def active_alerts(self) -> int:
        return sum(self.alerts_by_level.values())


def regions_open_to(user: Any) -> QuerySet[Region]:
    """Regions whose page ``user`` may open: all for a national analyst; for a regional analyst its
    regions and the regions of its provinces (the page then lists only what it may see)."""
    if scopes.is_national_analyst(user):
        return Region.objects.all()
    return Region.objects.filter(pk__in=scopes.analyst_area(user).all_region_ids)


def region_establishments(*, user: Any, region: Region, as_of: dt.date | None) -> QuerySet[Establishment]:
    """The establishments of a region whose stock ``user`` reads, with their positions stocked out
    and at risk on ``as_of``, most at risk first."""
    on_date = published_on(as_of, "risk_scores__")
    return (
        Establishment.objects.stock_visible_to(user)
        .filter(region=region)
        .select_related("province")
        .annotate(
            positions=Count("risk_scores", filter=on_date),
            stocked_out=Count("risk_scores", filter=on_date & Q(risk_scores__stock_status="stocked_out")),
            at_risk=Count("risk_scores", filter=on_date & Q(risk_scores__stock_status__in=AT_RISK_STATUSES)),
        )
        # Followed establishments first: one without any scored position has nothing to show yet.
        .order_by("-at_risk", "-stocked_out", "-positions", "name")
    )


def region_page_get(*, user: Any, region_id: int, today: dt.date | None = None) -> RegionPage:
    """The region's positions stocked out and at risk (the overview's counts), its active alerts by
    level (the alerts list's ``?region=``), the medicines most at risk in it, its expiring and
    expired lots and its alerts, among what ``user`` may see; raises ``Region.DoesNotExist`` (also
    for a region outside a regional analyst's). For analysts only (it names establishments)."""
    region = regions_open_to(user).annotate(n_establishments=Count("establishments")).get(pk=region_id)
    as_of = latest_as_of()
    # The counts of the overview's and the region list's row of this region, by the same rules.
    rows, counts = day_counts(as_of)
    in_region = rows.filter(region_id=region.pk)
    totals = in_region.aggregate(**counts)
    summary = RegionSummary(
        region=region,
        positions=totals["n"],
        stocked_out=totals["out"],
        at_risk=totals["at_risk"],
        establishments=region.n_establishments,
    )
    region_alerts = Alert.objects.visible_to(user).active().filter(Q(region=region) | Q(establishment__region=region))
    alerts_by_level = dict.fromkeys(("critical", "high", "medium", "low"), 0)
    alerts_by_level.update(dict(region_alerts.order_by().values_list("level").annotate(n=Count("id"))))
    medicines = [
        {**row, "positions": row.pop("n"), "stocked_out": row.pop("out"), "withheld": False}
        for row in in_region.values("medicine_id", "medicine__inn", "medicine__strength", "medicine__dosage_form")
        .annotate(**counts)
        .filter(at_risk__gt=0)
        .order_by("-at_risk", "-out", "medicine__inn")[:20]
    ]
    # The rule of small areas (docs/partners.md, "Disclosure of regional figures"): a medicine's
    # figures in the region rest on its positions there, one per establishment. An analyst linked to
    # some of the region's provinces opens the page without reading the region whole, so a row
    # resting on fewer than MIN_ESTABLISHMENTS establishments keeps its name and count of positions
    # and its figures are withheld. (The day's sums do not say whose positions they are, so such a
    # row is withheld even when the analyst reads them all: the safe side.)
    read_whole = regions_read_whole(user)
    if read_whole is not None and region.pk not in read_whole:
        for row in medicines:
            if row["positions"] < MIN_ESTABLISHMENTS:
                row.update(stocked_out=None, at_risk=None, withheld=True)
    region_lots = StockLot.objects.visible_to(user).filter(establishment__region=region)
    lots = list(expiring_lots(lots=region_lots, today=today)[:LIST_LIMIT])
    expired = list(expired_lots(lots=region_lots, today=today)[:LIST_LIMIT])
    alerts = list(
        region_alerts.select_related("medicine", "establishment")
        .annotate(level_rank=LEVEL_RANK)
        .order_by("level_rank", "-opened_at")[:LIST_LIMIT]
    )
    return RegionPage(
        region=region,
        as_of=as_of,
        medicines=medicines,
        lots=lots,
        expired=expired,
        alerts=alerts,
        summary=summary,
        alerts_by_level=alerts_by_level,
    )
