"""The alerts inbox and one alert with its history; the shortage register and one shortage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When

from shortages.choices import AlertKind, RunStatus
from shortages.models import Alert, AlertEvent, MitigationAction, RiskScore, Shortage
from shortages.scoring.alerts import ROLLUP_PROBABILITY_COLUMN, ROLLUP_STATUSES
from shortages.selectors import scores_published
from stock import roles
from stock.models import Medicine

LEVEL_RANK = Case(
    When(level="critical", then=Value(0)),
    When(level="high", then=Value(1)),
    When(level="medium", then=Value(2)),
    When(level="low", then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


def alert_inbox(*, user: Any) -> QuerySet[Alert]:
    """The alerts ``user`` may see, most severe and newest first, with what the list shows joined."""
    return (
        Alert.objects.visible_to(user)
        .select_related("medicine", "establishment", "region", "assignee")
        .annotate(level_rank=LEVEL_RANK)
        .order_by("level_rank", "-opened_at", "-id")
    )


@dataclass
class InboxCounts:
    """The alerts of a user's inbox by level: the figures the home page, the overview and the alerts
    page show, from this one selector."""

    by_level: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_level.values())


def alert_inbox_counts(*, user: Any) -> InboxCounts:
    """How many alerts the inbox of ``user`` holds (``Alert.objects.inbox_of``), by level (one query)."""
    rows = Alert.objects.inbox_of(user).order_by().values("level").annotate(count=Count("id"))
    counts = dict.fromkeys(("critical", "high", "medium", "low", "unknown"), 0)
    counts.update({row["level"]: row["count"] for row in rows})
    return InboxCounts(by_level=counts)


def alert_detail_get(*, user: Any, alert_id: int) -> Alert:
    """One alert with its events (and their actors); raises ``Alert.DoesNotExist`` when not visible."""
    return (
        Alert.objects.visible_to(user)
        .select_related("medicine", "establishment", "region", "assignee")
        .prefetch_related(Prefetch("events", queryset=AlertEvent.objects.select_related("actor", "run")))
        .get(pk=alert_id)
    )


def alert_is_managed_by(*, user: Any, alert: Alert) -> bool:
    """Whether ``user`` may act on ``alert`` (``Alert.objects.managed_by``)."""
    return Alert.objects.managed_by(user).filter(pk=alert.pk).exists()


def assignable_users(*, alert: Alert | None = None) -> QuerySet:
    """Users an alert may be assigned to: analysts (who may act on ``alert``, when given: those who
    see it, and national analysts only for a national alert, which a regional analyst reads but does
    not manage, ``Alert.objects.managed_by``)."""
    analysts = get_user_model().objects.filter(groups__name=roles.ANALYST, is_active=True).order_by("username")
    if alert is None:
        return analysts
    if alert.is_national:
        return analysts.filter(analyst_regions__isnull=True, analyst_provinces__isnull=True).distinct()
    region_id = alert.region_id or (alert.establishment.region_id if alert.establishment else None)
    province_id = alert.establishment.province_id if alert.establishment else None
    # The rule of ``Alert.objects.visible_to`` seen from the analysts' side.
    covering = Q(analyst_regions__isnull=True, analyst_provinces__isnull=True) | Q(analyst_regions=region_id)
    if province_id is not None:
        covering |= Q(analyst_provinces=province_id)
    if alert.is_regional:  # a province analyst follows its region's roll-ups
        covering |= Q(analyst_provinces__region=region_id)
    return analysts.filter(covering).distinct()


@dataclass
class RollupPosition:
    """One position behind a regional roll-up, with its active position alert when it has one."""

    score: RiskScore
    alert_id: int | None


def rollup_positions(*, user: Any, alert: Alert) -> list[RollupPosition]:
    """The positions of the roll-up's medicine and region that it counts on the latest published day
    (stocked out or below the emergency point, or, when a cut is set, a learned P at or over it: the
    rule of ``shortages.scoring.alerts.rollup_counted``), among those ``user`` may see, most severe
    first, each with its active position alert (two queries)."""
    counted = Q(stock_status__in=ROLLUP_STATUSES)
    if settings.ALERT_ROLLUP_PROBABILITY_CUT is not None:
        # A P the formula gave (no ``model_version``) is not a chance and does not count.
        counted |= Q(**{f"{ROLLUP_PROBABILITY_COLUMN}__gte": settings.ALERT_ROLLUP_PROBABILITY_CUT}) & Q(
            model_version__isnull=False
        )
    scores = list(
        scores_published(user=user)
        .positions()
        .filter(counted, medicine_id=alert.medicine_id, region_id=alert.region_id)
        .select_related("establishment__province")
        .order_by(F("months_of_stock").asc(nulls_first=True), "establishment__name")
    )
    alerts = dict(
        Alert.objects.visible_to(user)
        .active()
        .positions()
        .filter(
            medicine_id=alert.medicine_id,
            establishment_id__in=[score.establishment_id for score in scores],
            kind__in=[AlertKind.STOCKOUT, AlertKind.BELOW_EMERGENCY, AlertKind.HIGH_PROBABILITY],
        )
        .annotate(level_rank=LEVEL_RANK)
        .order_by("establishment_id", "-level_rank")
        .values_list("establishment_id", "pk")
    )
    return [RollupPosition(score=score, alert_id=alerts.get(score.establishment_id)) for score in scores]


def shortage_register(*, user: Any) -> QuerySet[Shortage]:
    """The shortages ``user`` may see, newest first, with their action counts."""
    return (
        Shortage.objects.visible_to(user)
        .select_related("medicine", "region", "establishment")
        .annotate(action_count=Count("actions"))
        .order_by("-started_on", "-id")
    )


def shortage_detail_get(*, user: Any, shortage_id: int) -> Shortage:
    """One shortage with its mitigation actions; raises ``Shortage.DoesNotExist`` when not visible."""
    actions = MitigationAction.objects.select_related(
        "owner", "owner_organization", "alternative", "from_establishment", "to_establishment"
    )
    return (
        Shortage.objects.visible_to(user)
        .select_related("medicine", "region", "establishment", "source_alert", "created_by")
        .prefetch_related(Prefetch("actions", queryset=actions), "medicine__alternatives")
        .get(pk=shortage_id)
    )


def medicine_catalogue(*, user: Any) -> QuerySet:
    """Medicines with the figures of their latest national score annotated (``risk_score``,
    ``risk_level``, ``national_mos``, ``scored_on``), riskiest first."""
    latest = (
        RiskScore.objects.national()
        .filter(medicine_id=OuterRef("pk"), run__status=RunStatus.SUCCEEDED)
        .order_by("-as_of")
    )
    return (
        Medicine.objects.visible_to(user)
        .annotate(
            risk_score=Subquery(latest.values("score")[:1]),
            risk_level=Subquery(latest.values("level")[:1]),
            national_mos=Subquery(latest.values("months_of_stock")[:1]),
            scored_on=Subquery(latest.values("as_of")[:1]),
        )
        .order_by(F("risk_score").desc(nulls_last=True), "inn", "strength")
    )
