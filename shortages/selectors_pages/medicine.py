"""The medicine page: national and regional stock, consumption, suppliers and their declarations,
the risk score explained, alerts, shortages and alternatives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, IntegerField, Prefetch, Q, Sum, Value
from django.utils import timezone

from partners.choices import DeclarationStatus
from partners.models import ProductSupplier, SupplyDeclaration, SupplyLine
from shortages.choices import POSITION_ALERT_KINDS, AlertKind, RunStatus
from shortages.disclosure import score_shown
from shortages.disclosure_areas import (
    FEW_ESTABLISHMENTS,
    MIN_ESTABLISHMENTS,
    establishments_read,
    regions_read_whole,
    withheld_areas,
)
from shortages.models import Alert, RiskScore, Shortage
from shortages.selectors_pages.common import (
    AT_RISK_STATUSES,
    STOCKED_OUT_MONTH,
    demand_from,
    last_months,
    month_label,
)
from shortages.selectors_pages.explain import Factor, factors_explain
from stock import roles
from stock.models import ConsumptionMonth, Medicine
from stock.templatetags.ui import localized_place_name

HISTORY_DAYS = 366
DECLARATION_MONTHS = 3
POSITION_LIMIT = 10


@dataclass
class AlertCount:
    kind: str
    level: str
    count: int

    @property
    def kind_label(self) -> str:
        return str(AlertKind(self.kind).label) if self.kind in AlertKind.values else self.kind


@dataclass
class RegionalStock:
    """A region's figures of the medicine; under the rule of small areas
    (:mod:`shortages.disclosure_areas`) a row ``withheld`` (its reason) keeps its name and count
    of positions, its figures are None."""

    code: str
    name: str
    positions: int
    stock: float | None
    amc: float | None
    stocked_out: int | None
    at_risk: int | None
    withheld: str = ""

    @property
    def months_of_stock(self) -> float | None:
        return self.stock / self.amc if self.amc else None

    @property
    def few_establishments(self) -> bool:
        return self.withheld == FEW_ESTABLISHMENTS


def regional_stock_shown(*, user: Any, rows: list[dict[str, Any]]) -> list[RegionalStock]:
    """The regional rows of a medicine (``region_id``, ``region__code``, the names, ``n`` positions,
    ``readable`` of them the user reads, ``stock``, ``amc``, ``out``, ``at_risk``) as ``user`` may
    read them: the figures of a region resting on fewer than three establishments, and of the
    regions that would give them by difference, withheld from whoever does not read every position
    of the region."""
    whole = regions_read_whole(user)
    read_whole = {
        row["region_id"] for row in rows if whole is None or row["region_id"] in whole or row["readable"] >= row["n"]
    }
    withheld = withheld_areas(
        {row["region_id"]: row["n"] for row in rows}, read_whole=lambda region_id: region_id in read_whole
    )
    regions = []
    for row in rows:
        reason = withheld.get(row["region_id"], "")
        regions.append(
            RegionalStock(
                code=row["region__code"],
                name=localized_place_name(row["region__name_fr"], row["region__name_ar"]),
                positions=row["n"],
                stock=None if reason else row["stock"] or 0.0,
                amc=None if reason else row["amc"] or 0.0,
                stocked_out=None if reason else row["out"],
                at_risk=None if reason else row["at_risk"],
                withheld=reason,
            )
        )
    return regions


@dataclass
class MedicinePage:
    medicine: Medicine
    score: RiskScore | None
    factors: list[Factor]
    history: list[RiskScore]
    regions: list[RegionalStock]
    months: list[dt.date]
    consumption: list[int]
    stockout_positions: list[int]
    suppliers: list[ProductSupplier]
    declarations: list[SupplyDeclaration]
    alerts: list[Alert]
    alert_summary: list[AlertCount]
    shortages: list[Shortage]
    alternatives: list[tuple[Medicine, RiskScore | None]]
    positions: list[RiskScore]
    show_positions: bool
    # Industry declarations are for analysts and declarants only; an establishment user's positions
    # are their own establishments'.
    show_declarations: bool = False
    own_positions: bool = False

    @property
    def month_labels(self) -> list[str]:
        return [month_label(month) for month in self.months]

    @property
    def min_establishments(self) -> int:
        """The fewest establishments a region's figures rest on to be shown to everyone."""
        return MIN_ESTABLISHMENTS

    @property
    def active_alerts(self) -> int:
        """The medicine's active alerts the user sees (the alerts list's count for the medicine)."""
        return sum(row.count for row in self.alert_summary)

    @property
    def active_critical_alerts(self) -> int:
        return sum(row.count for row in self.alert_summary if row.level == "critical")

    @property
    def establishment_alerts(self) -> int:
        """Of them, the establishments' own (the home page's "most signalled medicines" count)."""
        return sum(row.count for row in self.alert_summary if row.kind in POSITION_ALERT_KINDS)

    @property
    def consumption_rows(self) -> list[tuple[str, int, int]]:
        return list(zip(self.month_labels, self.consumption, self.stockout_positions, strict=True))


def medicine_page_get(*, user: Any, medicine_id: int, today: dt.date | None = None) -> MedicinePage:
    """The medicine page in a fixed number of queries; raises ``Medicine.DoesNotExist`` when the
    medicine is unknown. Lists of rows are scoped with ``visible_to``; regional figures are
    aggregates of every position, shared with every role under the rule of small areas
    (:mod:`shortages.disclosure_areas`: a region resting on fewer than three establishments, or
    giving one by difference, shows its name and count of positions only, to whoever does not
    read the region whole)."""
    today = today or timezone.localdate()
    medicine = Medicine.objects.visible_to(user).get(pk=medicine_id)
    history = list(
        RiskScore.objects.visible_to(user)
        .national()
        .filter(
            medicine=medicine,
            as_of__gte=today - dt.timedelta(days=HISTORY_DAYS),
            run__status=RunStatus.SUCCEEDED,
        )
        .order_by("as_of")
    )
    # Industry figures of the national score follow the disclosure rule (shortages.disclosure), and
    # so does each day's score of the history (withheld on the days the rule withholds them).
    history = [score_shown(user=user, score=day) for day in history]
    score = history[-1] if history else None
    as_of = score.as_of if score else None

    # Aggregates of every position, shown under the rule of small areas (shortages.disclosure_areas),
    # with how many of them the user reads (a restricted user's own establishments, cached).
    readable = establishments_read(user)
    regions = regional_stock_shown(
        user=user,
        rows=list(
            RiskScore.objects.positions()
            .published_on(as_of)
            .filter(medicine=medicine, region__isnull=False)
            .values("region_id", "region__code", "region__name_fr", "region__name_ar")
            .annotate(
                n=Count("id"),
                readable=Count("id", filter=Q(establishment_id__in=sorted(readable)))
                if readable
                else Value(0, output_field=IntegerField()),
                stock=Sum("usable_stock"),
                amc=Sum("amc"),
                out=Count("id", filter=Q(stock_status="stocked_out")),
                at_risk=Count("id", filter=Q(stock_status__in=AT_RISK_STATUSES)),
            )
            .order_by("region__code")
        ),
    )

    months = last_months(12, today=today)
    monthly = {
        row["month"]: row
        for row in ConsumptionMonth.objects.filter(medicine=medicine, month__gte=months[0], month__lte=months[-1])
        .annotate(demand_from=demand_from(months))
        .values("month")
        .annotate(out=Count("id", filter=STOCKED_OUT_MONTH), units=Sum("issued"))
        .order_by()
    }

    suppliers = list(
        ProductSupplier.objects.visible_to(user)
        .filter(product__medicine=medicine)
        .select_related("company__organization", "product")
        .order_by("company__organization__name", "product__brand", "role")
    )
    show_declarations = roles.is_analyst(user) or roles.is_industry(user)
    # A draft is the declarant's unfinished work, not a figure to read beside the others.
    declarations = (
        list(
            SupplyDeclaration.objects.visible_to(user)
            .current()
            .exclude(status=DeclarationStatus.DRAFT)
            .filter(medicine=medicine, month__gte=months[-DECLARATION_MONTHS])
            .select_related("company__organization")
            .prefetch_related(Prefetch("supply_lines", queryset=SupplyLine.objects.order_by("expected_on")))
            .order_by("-month", "company__organization__name")[:50]
        )
        if show_declarations
        else []
    )
    active_alerts = Alert.objects.visible_to(user).active().filter(medicine=medicine)
    alert_summary = [
        AlertCount(kind=row["kind"], level=row["level"], count=row["n"])
        for row in active_alerts.values("kind", "level").annotate(n=Count("id")).order_by("kind", "level")
    ]
    alerts = list(active_alerts.filter(establishment__isnull=True).select_related("region").order_by("-opened_at")[:10])
    shortages = list(
        Shortage.objects.visible_to(user)
        .filter(medicine=medicine)
        .select_related("region", "establishment")
        .annotate(action_count=Count("actions"))
        .order_by("-started_on")[:20]
    )
    alternative_list = list(medicine.alternatives.order_by("inn", "strength"))
    alternative_scores = (
        {
            s.medicine_id: s
            for s in RiskScore.objects.national().filter(medicine__in=[a.pk for a in alternative_list], as_of=as_of)
        }
        if alternative_list and as_of
        else {}
    )
    show_positions = roles.is_analyst(user) or roles.is_establishment(user)
    positions = (
        list(
            RiskScore.objects.visible_to(user)
            .positions()
            .published_on(as_of)
            .filter(medicine=medicine)
            .select_related("establishment")
            .order_by(F("months_of_stock").asc(nulls_last=True), "establishment__name")[:POSITION_LIMIT]
        )
        if show_positions and as_of
        else []
    )
    return MedicinePage(
        medicine=medicine,
        score=score,
        factors=factors_explain(
            contributions=score.contributions if score else None,
            figures=score.figures if score else None,
            ven_class=medicine.ven_class,
        ),
        history=history,
        regions=regions,
        months=months,
        consumption=[int(monthly[m]["units"] or 0) if m in monthly else 0 for m in months],
        stockout_positions=[monthly[m]["out"] if m in monthly else 0 for m in months],
        suppliers=suppliers,
        declarations=declarations,
        alerts=alerts,
        alert_summary=alert_summary,
        shortages=shortages,
        alternatives=[(alt, alternative_scores.get(alt.pk)) for alt in alternative_list],
        positions=positions,
        show_positions=show_positions,
        show_declarations=show_declarations,
        own_positions=show_positions and not roles.is_analyst(user),
    )
