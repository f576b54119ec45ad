"""The alerts inbox and one alert with its history; the shortage register and one shortage."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value, When

from shortages.choices import RunStatus
from shortages.models import Alert, AlertEvent, MitigationAction, RiskScore, Shortage
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


def alert_detail_get(*, user: Any, alert_id: int) -> Alert:
    """One alert with its events (and their actors); raises ``Alert.DoesNotExist`` when not visible."""
    return (
        Alert.objects.visible_to(user)
        .select_related("medicine", "establishment", "region", "assignee")
        .prefetch_related(Prefetch("events", queryset=AlertEvent.objects.select_related("actor", "run")))
        .get(pk=alert_id)
    )


def assignable_users() -> QuerySet:
    """Users an alert may be assigned to: analysts."""
    return get_user_model().objects.filter(groups__name=roles.ANALYST, is_active=True).order_by("username")


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
