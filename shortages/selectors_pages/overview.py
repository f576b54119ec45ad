"""The national overview: key figures, regional risk, top risks and 12-month trends.

National aggregates are shared with every role that may open the overview (analysts and industry),
so the aggregates below read all positions; lists of rows go through ``visible_to``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from shortages.choices import RiskLevel, ShortageStatus
from shortages.disclosure import score_shown
from shortages.models import RiskScore, Shortage
from shortages.selectors_pages.alerts import InboxCounts, alert_inbox_counts
from shortages.selectors_pages.common import (
    EMPTY_WITHOUT_ISSUE,
    RECENT_DEMAND,
    STOCKED_OUT_BY_ITS_ROW,
    add_months,
    day_counts,
    demand_from,
    last_months,
    latest_as_of,
    month_label,
    region_level,
)
from shortages.selectors_pages.explain import factors_explain
from stock.models import ConsumptionMonth, Establishment, Region
from stock.templatetags.ui import place_name

TRENDS_CACHE_SECONDS = 15 * 60
LEVEL_ORDER = (RiskLevel.CRITICAL, RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW, RiskLevel.UNKNOWN)


@dataclass
class RegionRisk:
    code: str
    name: str
    positions: int
    at_risk: int
    stocked_out: int
    share_at_risk: float | None
    level: str
    pk: int


@dataclass
class Overview:
    as_of: dt.date | None
    medicines_by_level: dict[str, int]
    ongoing_shortages: int
    anticipated_shortages: int
    positions: int
    positions_stocked_out: int
    share_stocked_out: float | None
    establishments_reporting: int
    reported_month: dt.date
    establishments_active: int
    inbox: InboxCounts
    regions: list[RegionRisk]
    top_risks: list[RiskScore]
    months: list[dt.date]
    trend_stockout_share: list[float | None] = field(default_factory=list)
    trend_issued: list[int] = field(default_factory=list)
    trend_new_shortages: list[int] = field(default_factory=list)

    @property
    def month_labels(self) -> list[str]:
        return [month_label(month) for month in self.months]

    @property
    def trend_rows(self) -> list[tuple[str, float | None, int]]:
        return list(zip(self.month_labels, self.trend_stockout_share, self.trend_issued, strict=True))

    @property
    def shortage_rows(self) -> list[tuple[str, int]]:
        """The bars of the chart of shortages opened by month, as a table's rows."""
        return list(zip(self.month_labels, self.trend_new_shortages, strict=True))

    @property
    def medicines_at_risk(self) -> int:
        return self.medicines_by_level.get(RiskLevel.CRITICAL, 0) + self.medicines_by_level.get(RiskLevel.HIGH, 0)

    @property
    def share_reporting(self) -> float | None:
        return self.establishments_reporting / self.establishments_active if self.establishments_active else None


def _consumption_aggregates(*, reported_month: dt.date, months: list[dt.date]) -> tuple[int, dict]:
    """Establishments that reported ``reported_month`` and per-month totals over ``months`` (three
    queries). These scan the consumption summaries of a whole year, so they are cached for
    ``TRENDS_CACHE_SECONDS``: they change with monthly reports, not from one minute to the next.
    A month's share stocked out counts its reported position-months stocked out by the one rule
    (:data:`~shortages.selectors_pages.common.STOCKED_OUT_MONTH`, in two queries) over its reported
    position-months; until 2026-12 it counted only the months with stockout days typed in, over
    every row."""
    key = f"overview:consumption:v3:{reported_month:%Y-%m}:{months[0]:%Y-%m}:{months[-1]:%Y-%m}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    reporting = (
        ConsumptionMonth.objects.filter(month=reported_month, reported=True)
        .values("establishment_id")
        .distinct()
        .count()
    )
    year = ConsumptionMonth.objects.filter(month__gte=months[0], month__lte=months[-1])
    monthly = {
        row["month"]: row
        for row in year.values("month")
        .annotate(
            n=Count("id", filter=Q(reported=True)), out=Count("id", filter=STOCKED_OUT_BY_ITS_ROW), units=Sum("issued")
        )
        .order_by()
    }
    # The months empty without an issue of their own, stocked out when the 3 months before issued
    # something: looked up apart (a partial index holds them), see STOCKED_OUT_MONTH.
    after_demand = (
        year.filter(EMPTY_WITHOUT_ISSUE)
        .annotate(demand_from=demand_from(months))
        .filter(RECENT_DEMAND)
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in after_demand:
        monthly[row["month"]]["out"] += row["n"]
    cache.set(key, (reporting, monthly), TRENDS_CACHE_SECONDS)
    return reporting, monthly


def overview_get(*, user: Any, top: int = 10, today: dt.date | None = None) -> Overview:
    """Everything the national overview shows, in a fixed number of queries (eleven)."""
    today = today or timezone.localdate()
    as_of = latest_as_of()
    national = RiskScore.objects.national().filter(as_of=as_of)
    by_level = dict(national.values_list("level").annotate(n=Count("id")).order_by())
    medicines_by_level = {str(level): by_level.get(level, 0) for level in LEVEL_ORDER}

    shortages = Shortage.objects.visible_to(user).aggregate(
        ongoing=Count("id", filter=Q(status=ShortageStatus.ONGOING)),
        anticipated=Count("id", filter=Q(status=ShortageStatus.ANTICIPATED)),
    )
    reported_month = add_months(today.replace(day=1), -1)
    months = last_months(12, today=today)
    reporting, monthly = _consumption_aggregates(reported_month=reported_month, months=months)
    active = Establishment.objects.filter(is_active=True).count()
    inbox = alert_inbox_counts(user=user)

    rows, counts = day_counts(as_of)
    per_region = {
        row["region_id"]: row for row in rows.exclude(region_id=None).values("region_id").annotate(**counts).order_by()
    }
    # Every position score carries its establishment's region, so the national totals are the sums of
    # the regional counts: one read of the day's counts instead of two.
    totals = {
        "total": sum(row["n"] for row in per_region.values()),
        "out": sum(row["out"] for row in per_region.values()),
    }
    regions = []
    for region in Region.objects.order_by("code"):
        row = per_region.get(region.pk, {"n": 0, "at_risk": 0, "out": 0})
        share = row["at_risk"] / row["n"] if row["n"] else None
        regions.append(
            RegionRisk(
                region.code,
                place_name(region),
                row["n"],
                row["at_risk"],
                row["out"],
                share,
                region_level(share),
                region.pk,
            )
        )

    top_risks = [
        _with_main_reason(score_shown(user=user, score=score))
        for score in RiskScore.objects.visible_to(user)
        .national()
        .filter(as_of=as_of, score__isnull=False)
        .select_related("medicine")
        .order_by("-score", "medicine__inn")[:top]
    ]

    opened = dict(
        Shortage.objects.visible_to(user)
        .filter(started_on__gte=months[0])
        .annotate(m=TruncMonth("started_on"))
        .values_list("m")
        .annotate(n=Count("id"))
        .order_by()
    )
    opened = {(key.date() if isinstance(key, dt.datetime) else key): n for key, n in opened.items()}
    return Overview(
        as_of=as_of,
        medicines_by_level=medicines_by_level,
        ongoing_shortages=shortages["ongoing"],
        anticipated_shortages=shortages["anticipated"],
        positions=totals["total"],
        positions_stocked_out=totals["out"],
        share_stocked_out=totals["out"] / totals["total"] if totals["total"] else None,
        establishments_reporting=reporting,
        reported_month=reported_month,
        establishments_active=active,
        inbox=inbox,
        regions=regions,
        top_risks=top_risks,
        months=months,
        trend_stockout_share=[
            (monthly[m]["out"] / monthly[m]["n"]) if m in monthly and monthly[m]["n"] else None for m in months
        ],
        trend_issued=[int(monthly[m]["units"] or 0) if m in monthly else 0 for m in months],
        trend_new_shortages=[opened.get(m, 0) for m in months],
    )


def _with_main_reason(score: RiskScore) -> RiskScore:
    """``score`` with ``main_reason``: the sentence of the factor that added the most points (the
    industry factors are already withheld from whoever may not read them)."""
    factors = factors_explain(
        contributions=score.contributions, figures=score.figures, ven_class=score.medicine.ven_class
    )
    score.main_reason = factors[0].text if factors and factors[0].points > 0 else ""
    return score
