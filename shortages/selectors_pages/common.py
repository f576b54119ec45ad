"""Small pieces shared by the page selectors: the scoring date, month ranges, region risk levels."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import pgettext_lazy

from shortages.selectors import latest_score_day

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
