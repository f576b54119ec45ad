"""What each role sees first on its home page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from partners.choices import DeclarationStatus
from partners.models import Company, SupplyDeclaration
from partners.selectors.declarations import declaration_deadline, previous_month
from shortages.choices import ActionStatus, ShortageStatus
from shortages.models import Alert, MitigationAction, Shortage
from shortages.selectors_pages.alerts import InboxCounts, alert_inbox, alert_inbox_counts
from stock.models import Establishment

LIST_LIMIT = 10


@dataclass
class AnalystHome:
    inbox: InboxCounts
    unassigned: list[Alert]
    hotspots: list[dict[str, Any]]
    mine: list[Alert]
    shortages: list[Shortage]
    overdue_actions: list[MitigationAction]


def analyst_home_get(*, user: Any, today: dt.date | None = None) -> AnalystHome:
    """The alerts of the user's inbox by level (:func:`alert_inbox_counts`) and the most severe of
    them still open without an assignee, the medicines with the most establishment alerts, the
    user's own alerts, ongoing shortages and overdue mitigation actions (six queries)."""
    today = today or timezone.localdate()
    active = Alert.objects.visible_to(user).active()
    inbox = Alert.objects.inbox_of(user, today)
    return AnalystHome(
        inbox=alert_inbox_counts(user=user),
        unassigned=list(
            alert_inbox(user=user).filter(status="open", assignee__isnull=True, pk__in=inbox.values("pk"))[:LIST_LIMIT]
        ),
        hotspots=list(
            active.filter(establishment__isnull=False)
            .values("medicine_id", "medicine__inn", "medicine__strength", "medicine__dosage_form", "medicine__code")
            .annotate(
                alerts=Count("id"),
                critical=Count("id", filter=Q(level="critical")),
                establishments=Count("establishment_id", distinct=True),
            )
            .order_by("-critical", "-alerts", "medicine__inn")[:LIST_LIMIT]
        ),
        mine=list(alert_inbox(user=user).filter(assignee=user, status__in=["open", "acknowledged"])[:LIST_LIMIT]),
        shortages=list(
            Shortage.objects.visible_to(user)
            .filter(status__in=[ShortageStatus.ONGOING, ShortageStatus.ANTICIPATED])
            .select_related("medicine")
            .order_by("-started_on")[:LIST_LIMIT]
        ),
        overdue_actions=list(
            MitigationAction.objects.visible_to(user)
            .filter(due_date__lt=today, status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS])
            .select_related("shortage__medicine", "owner")
            .order_by("due_date")[:LIST_LIMIT]
        ),
    )


@dataclass
class IndustryHome:
    month: dt.date
    deadline: dt.date
    companies: list[Company]
    declarations: list[SupplyDeclaration]
    alerts: list[Alert]

    @property
    def missing(self) -> list[Company]:
        return [company for company in self.companies if not company.declared]


def industry_home_get(*, user: Any, today: dt.date | None = None) -> IndustryHome:
    """The companies the user declares for and whether last month is declared, their latest
    declarations, and national alerts on the medicines they supply (three queries)."""
    today = today or timezone.localdate()
    month = previous_month(today)
    declared = SupplyDeclaration.objects.filter(company=OuterRef("pk"), month=month).exclude(
        status=DeclarationStatus.DRAFT
    )
    covered = Company.objects.covered_by(user)
    companies = list(
        Company.objects.filter(pk__in=covered.values("pk"))
        .select_related("organization")
        .annotate(declared=Exists(declared))
        .order_by("organization__name")
    )
    declarations = list(
        SupplyDeclaration.objects.visible_to(user)
        .current()
        .select_related("company__organization", "medicine")
        .order_by("-month", "-created_at")[:LIST_LIMIT]
    )
    supplied = Q(medicine__products__suppliers__company__in=covered.values("pk"))
    alerts = list(
        alert_inbox(user=user).filter(Q(status__in=["open", "acknowledged"]) & supplied).distinct()[:LIST_LIMIT]
    )
    return IndustryHome(
        month=month,
        deadline=declaration_deadline(month),
        companies=companies,
        declarations=declarations,
        alerts=alerts,
    )


def establishment_home_get(*, user: Any) -> list[Establishment]:
    """The establishments whose stock the user reads, with their active alert counts (one query)."""
    return list(
        Establishment.objects.stock_visible_to(user)
        .select_related("region")
        .annotate(active_alerts=Count("alerts", filter=Q(alerts__status__in=["open", "acknowledged"])))
        .order_by("name")
    )
