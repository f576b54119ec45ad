"""Small pieces shared by the page selectors: the scoring date, the day's position counts (and how
many of them the learned model spoke for), month ranges, region risk levels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from shortages.models import PositionSums, RiskScore
from shortages.scoring.stockouts import DEMAND_LOOKBACK_MONTHS
from shortages.selectors import latest_score_day
from stock.models import ConsumptionMonth

# Share of a region's positions stocked out or below the emergency point -> map level.
REGION_LEVEL_THRESHOLDS = ((0.25, "critical"), (0.15, "high"), (0.05, "medium"))
AT_RISK_STATUSES = ("stocked_out", "below_emergency")
# Month abbreviations of the charts' axes (French); Arabic spells its month names in full.
MONTH_LABELS = (
    pgettext_lazy("mois abrégé", "janv."),
    pgettext_lazy("mois abrégé", "févr."),
    pgettext_lazy("mois abrégé", "mars"),
    pgettext_lazy("mois abrégé", "avr."),
    pgettext_lazy("mois abrégé", "mai"),
    pgettext_lazy("mois abrégé", "juin"),
    pgettext_lazy("mois abrégé", "juil."),
    pgettext_lazy("mois abrégé", "août"),
    pgettext_lazy("mois abrégé", "sept."),
    pgettext_lazy("mois abrégé", "oct."),
    pgettext_lazy("mois abrégé", "nov."),
    pgettext_lazy("mois abrégé", "déc."),
)


def latest_as_of() -> dt.date | None:
    """The day of the most recent published national scores (from a succeeded run; one query), or
    None before any scoring. Scores of a run still in progress are never shown."""
    return latest_score_day()


def day_counts(as_of: dt.date | None) -> tuple[QuerySet, dict[str, Any]]:
    """What to count a day's positions on, and how: ``n`` positions, ``out`` stocked out and
    ``at_risk`` stocked out or below the emergency point (:data:`AT_RISK_STATUSES`), as aggregates
    over the returned rows, which can be filtered on ``region_id`` and grouped by ``region_id`` or
    ``medicine_id`` first. One query.

    The rows are the day's stored sums (:class:`PositionSums`, a few rows per medicine and region,
    written by each publication in its transaction) when the day has them: counting the
    day's 0.7 million positions by region took 160-260 ms a page nationally, summing its sums a few
    milliseconds
    (docs/performance.md, tenth round). A day without them (positions written outside a scoring
    run) is counted on its positions, by the same rules."""
    if as_of is not None and PositionSums.objects.filter(as_of=as_of).exists():
        return PositionSums.objects.filter(as_of=as_of), {
            "n": Coalesce(Sum("positions"), 0),
            "out": Coalesce(Sum("stocked_out"), 0),
            "at_risk": Coalesce(Sum(F("stocked_out") + F("below_emergency")), 0),
        }
    return RiskScore.objects.positions().published_on(as_of), {
        "n": Count("id"),
        "out": Count("id", filter=Q(stock_status="stocked_out")),
        "at_risk": Count("id", filter=Q(stock_status__in=AT_RISK_STATUSES)),
    }


@dataclass(frozen=True)
class ModelReach:
    """Where the P of the positions that hold on a day comes from: ``learned`` of the ``positions``
    from a learned model (``model_version`` set), the others from the analytical formula."""

    as_of: dt.date
    positions: int
    learned: int

    @property
    def formula(self) -> int:
        return self.positions - self.learned

    @property
    def learned_share(self) -> float | None:
        return self.learned / self.positions if self.positions else None

    @property
    def formula_share(self) -> float | None:
        return self.formula / self.positions if self.positions else None


def model_reach(as_of: dt.date | None) -> ModelReach | None:
    """How many of the positions that hold on ``as_of`` have their P from a learned model; None
    without a day. Summed on the day's stored sums (:class:`PositionSums`: a few rows per medicine
    and region, where the positions are 0.7 million nationally), one query; a day without them
    (:func:`day_counts`) is counted on its positions by the same rule, a second query."""
    if as_of is None:
        return None
    totals = PositionSums.objects.filter(as_of=as_of).aggregate(positions=Sum("positions"), learned=Sum("learned"))
    if totals["positions"] is None:
        totals = (
            RiskScore.objects.positions()
            .published_on(as_of)
            .aggregate(positions=Count("id"), learned=Count("id", filter=Q(model_version__isnull=False)))
        )
    return ModelReach(as_of=as_of, positions=totals["positions"], learned=totals["learned"])


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def last_months(count: int = 12, *, today: dt.date | None = None) -> list[dt.date]:
    """The first days of the ``count`` complete months before the current one, oldest first (the
    current month is still being reported, so it would always look like a drop)."""
    current = first_of_month(today or timezone.localdate())
    return [add_months(current, offset) for offset in range(-count, 0)]


def month_label(month: dt.date) -> str:
    return f"{MONTH_LABELS[month.month - 1]} {month:%y}"


def region_level(share_at_risk: float | None) -> str:
    """The map level of a region from the share of its positions stocked out or below emergency."""
    if share_at_risk is None:
        return "unknown"
    for threshold, level in REGION_LEVEL_THRESHOLDS:
        if share_at_risk >= threshold:
            return level
    return "low"


def demand_from(months: list[dt.date]) -> Case:
    """For a ``ConsumptionMonth`` row of one of ``months``, the first month whose issues still count
    as demand for it: ``DEMAND_LOOKBACK_MONTHS`` calendar months before (docs/scoring.md, "What a
    stockout is"). Annotate it as ``demand_from`` before filtering on :data:`STOCKED_OUT_MONTH`."""
    return Case(
        *(When(month=month, then=Value(add_months(month, -DEMAND_LOOKBACK_MONTHS))) for month in months),
        output_field=DateField(),
    )


#: The rule's cases that a month's own row decides: reported, and stockout days recorded or a
#: closing count of 0 in a month that issued something (its own issues are the demand).
STOCKED_OUT_BY_ITS_ROW = Q(reported=True) & (Q(stockout_days__gt=0) | Q(closing_balance__lte=0, issued__gt=0))
#: The rule's other case, before its demand is looked up: reported, empty at the close, nothing issued
#: and no stockout day typed in. Such a month is stocked out when the position issued something in one
#: of the ``DEMAND_LOOKBACK_MONTHS`` reported months before (:data:`RECENT_DEMAND`), else it is a
#: dormant line. A partial index of ``ConsumptionMonth`` holds exactly these rows.
EMPTY_WITHOUT_ISSUE = Q(reported=True, stockout_days=0, closing_balance__lte=0, issued=0)
#: On a ``ConsumptionMonth`` annotated with ``demand_from`` (:func:`demand_from`): units were issued
#: in a reported month of the same position from ``demand_from`` to the month itself.
RECENT_DEMAND = Exists(
    ConsumptionMonth.objects.filter(
        establishment_id=OuterRef("establishment_id"),
        medicine_id=OuterRef("medicine_id"),
        reported=True,
        issued__gt=0,
        month__gte=OuterRef("demand_from"),
        month__lte=OuterRef("month"),
    )
)
#: A position-month stocked out by the one rule of :mod:`shortages.scoring.stockouts`, in SQL, on a
#: ``ConsumptionMonth`` annotated with ``demand_from``: reported, and stockout days recorded or a
#: closing count of 0 while units were issued in a reported month from ``demand_from`` to the month
#: itself. Counting only the months with stockout days recorded left out most stockouts of monthly
#: LMIS data (a closing of 0 with no stockout day typed in): 11 of 14 in a month of the demo on the
#: medicine page. The medicine page counts one medicine's months with it; the overview counts the
#: whole country's in two parts (:data:`STOCKED_OUT_BY_ITS_ROW` in its scan of the year,
#: :data:`EMPTY_WITHOUT_ISSUE` with :data:`RECENT_DEMAND` through the partial index), because in one
#: statement the correlated lookup turned PostgreSQL's parallel scan of 8 million rows into a walk of
#: the month index of 18-21 s.
STOCKED_OUT_MONTH = STOCKED_OUT_BY_ITS_ROW | (EMPTY_WITHOUT_ISSUE & RECENT_DEMAND)
