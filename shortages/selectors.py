"""Composed reads of the shortages app, for the API and the pages.

Published scores are those of the latest succeeded run: national rows are only ever written by a
succeeded run, and position rows are read for the day of that run.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import SupplyDeclaration
from shortages.choices import (
    ACTIVE_ALERT_STATUSES,
    AlertKind,
    RunStatus,
    ShortageCause,
    ShortageScope,
    ShortageStatus,
)
from shortages.models import Alert, RiskScore, ScoringRun, Shortage
from stock.models import Establishment
from stock.selectors import RowsExtension, stock_level_rows


def latest_run() -> ScoringRun | None:
    """The succeeded run of the most recent day up to today (a back-filled past day never hides
    today's scores, nor does a run of a day to come: none can be started, but a database may hold
    one from before that rule)."""
    return (
        ScoringRun.objects.filter(status=RunStatus.SUCCEEDED, as_of__lte=timezone.localdate())
        .order_by("-as_of", "-finished_at", "-id")
        .first()
    )


def published_as_of() -> dt.date | None:
    """The day of the latest published scores."""
    run = latest_run()
    return run.as_of if run else None


def scores_published(*, user, as_of: dt.date | None = None) -> QuerySet[RiskScore]:
    """Scores ``user`` may read for ``as_of`` (default: the latest published day)."""
    day = as_of or published_as_of()
    return RiskScore.objects.visible_to(user).published_on(day).select_related("medicine", "establishment", "region")


def medicine_national_score(*, user, medicine_id: int) -> RiskScore | None:
    """The latest published national score of a medicine, with ``figures`` and ``contributions``."""
    return scores_published(user=user).national().filter(medicine_id=medicine_id).first()


def medicine_score_history(*, user, medicine_id: int, limit: int = 24) -> QuerySet[RiskScore]:
    """National scores of a medicine over time (latest first), for trend charts."""
    return (
        RiskScore.objects.visible_to(user)
        .national()
        .filter(medicine_id=medicine_id, run__status=RunStatus.SUCCEEDED)
        .order_by("-as_of")[:limit]
    )


def position_figures(*, user, establishment_id: int, medicine_id: int) -> RiskScore | None:
    """The latest published figures of one position, or None when not visible or not scored."""
    return scores_published(user=user).filter(establishment_id=establishment_id, medicine_id=medicine_id).first()


def establishment_scores(*, user, establishment_id: int) -> QuerySet[RiskScore]:
    """The latest published scores of one establishment's positions, riskiest first."""
    return scores_published(user=user).filter(establishment_id=establishment_id).order_by("-score", "medicine__inn")


def top_risks(*, user, limit: int = 20, region_id: int | None = None) -> QuerySet[RiskScore]:
    """Riskiest medicines nationally (or positions of a region when ``region_id`` is given)."""
    scores = scores_published(user=user).exclude(score__isnull=True)
    scores = scores.positions().filter(region_id=region_id) if region_id else scores.national()
    return scores.order_by("-score")[:limit]


def counts_by_level(*, user, national: bool = True) -> dict[str, int]:
    """How many published scores fall in each risk level (national or positions)."""
    scores = scores_published(user=user)
    scores = scores.national() if national else scores.positions()
    rows = scores.order_by().values("level").annotate(count=Count("id"))
    return {row["level"]: row["count"] for row in rows}


def alerts_list(*, user, active_only: bool = False) -> QuerySet[Alert]:
    """Alerts ``user`` may see, with what a list shows, newest first."""
    alerts = Alert.objects.visible_to(user).select_related("medicine", "establishment", "region", "assignee")
    return alerts.active() if active_only else alerts


def alert_counts(*, user) -> dict[str, int]:
    """Active alerts of ``user``'s scope by level."""
    rows = Alert.objects.visible_to(user).active().order_by().values("level").annotate(count=Count("id"))
    return {row["level"]: row["count"] for row in rows}


def shortage_alternatives(*, user, shortage: Shortage) -> list[dict]:
    """Therapeutic alternatives of the shortage's medicine with their latest national score."""
    alternatives = list(shortage.medicine.alternatives.all())  # uses a prefetch when the caller made one
    if not alternatives:
        return []
    scores = {
        score.medicine_id: score
        for score in scores_published(user=user).national().filter(medicine__in=[m.pk for m in alternatives])
    }
    return [
        {
            "medicine": medicine,
            "score": scores[medicine.pk].score if medicine.pk in scores else None,
            "level": scores[medicine.pk].level if medicine.pk in scores else "unknown",
            "months_of_stock": scores[medicine.pk].months_of_stock if medicine.pk in scores else None,
        }
        for medicine in alternatives
    ]


def reallocation_suggestions(*, user, shortage: Shortage, limit: int = 20) -> list[dict]:
    """Establishments of the shortage's region (all regions for a national one) holding the medicine
    above their maximum level: ``surplus`` = usable stock - maximum months x AMC (units)."""
    from django.conf import settings

    scores = scores_published(user=user).positions().filter(medicine=shortage.medicine, stock_status="overstocked")
    if shortage.region_id:
        scores = scores.filter(region_id=shortage.region_id)
    if shortage.establishment_id:
        scores = scores.exclude(establishment_id=shortage.establishment_id)
    suggestions = []
    for score in scores.order_by("-months_of_stock")[: limit * 2]:
        maximum = settings.STOCK_LEVELS[score.establishment.level]["maximum"]
        surplus = score.usable_stock - maximum * (score.amc or 0)
        if surplus > 0:
            suggestions.append(
                {
                    "establishment": score.establishment,
                    "region": score.region,
                    "months_of_stock": score.months_of_stock,
                    "surplus": round(surplus),
                }
            )
    return sorted(suggestions, key=lambda item: -item["surplus"])[:limit]


def shortage_proposals(*, user) -> dict[str, list]:
    """What could enter the register: active national alerts (national risk, disruption, safety
    stock) and accepted current declarations of a disruption, without an open shortage; both as
    ``user`` may read them (``visible_to``: no declaration for an establishment user, those of the
    companies it covers for an industry user)."""
    open_medicines = Shortage.objects.filter(status__in=["anticipated", "ongoing"]).values("medicine_id")
    alerts = (
        Alert.objects.visible_to(user)
        .filter(
            status__in=ACTIVE_ALERT_STATUSES,
            establishment__isnull=True,
            kind__in=[AlertKind.NATIONAL_RISK, AlertKind.DISRUPTION, AlertKind.SAFETY_STOCK],
        )
        .exclude(medicine_id__in=open_medicines)
        .select_related("medicine")
    )
    declarations = (
        SupplyDeclaration.objects.visible_to(user)
        .current()
        .accepted()
        .filter(disruption=True)
        .exclude(Q(medicine_id__in=open_medicines) | Q(shortages__isnull=False))
        .select_related("medicine", "company__organization")
    )
    return {"alerts": list(alerts[:100]), "declarations": list(declarations[:100])}


def establishments_in_region(*, region_id: int) -> QuerySet[Establishment]:
    """Active establishments of a region (for reallocation forms)."""
    return Establishment.objects.filter(region_id=region_id, is_active=True)


def latest_score_day() -> dt.date | None:
    """The most recent day with published national scores."""
    return RiskScore.objects.national().filter(run__status=RunStatus.SUCCEEDED).aggregate(day=Max("as_of"))["day"]


def open_shortages_of(*, user, medicine_id: int) -> list[Shortage]:
    """The anticipated or ongoing shortages of a medicine that ``user`` may see, national first."""
    return list(
        Shortage.objects.visible_to(user)
        .filter(medicine_id=medicine_id, status__in=["anticipated", "ongoing"])
        .select_related("region", "establishment")
        .order_by("scope", "-started_on")
    )


def shortage_proposed_by_alert(*, alert: Alert) -> dict:
    """The shortage an alert proposes, for the analyst to edit before it enters the register: the
    alert's scope (national, or its region for a roll-up), today as start, the declared cause and
    dates of an accepted disruption (else "other"), and what raised the alert in words."""
    from shortages.templatetags.alert_text import alert_figure_text

    proposal = {
        "medicine": alert.medicine,
        "scope": ShortageScope.REGIONAL if alert.region_id else ShortageScope.NATIONAL,
        "region": alert.region if alert.region_id else None,
        "status": ShortageStatus.ANTICIPATED,
        "cause": ShortageCause.OTHER,
        "started_on": timezone.localdate(),
        "expected_end": None,
        # An analyst's draft (only analysts keep the register): the figure may be kept or cut.
        "description": _alert_in_words(alert, alert_figure_text(alert)),
        "source_declaration": None,
    }
    if alert.kind == AlertKind.DISRUPTION:
        declaration = (
            SupplyDeclaration.objects.current().accepted().filter(medicine=alert.medicine, disruption=True).first()
        )
        if declaration is not None:
            proposal["source_declaration"] = declaration
            proposal["cause"] = declaration.disruption_cause or ShortageCause.OTHER
            proposal["expected_end"] = declaration.disruption_end
    return proposal


def _alert_in_words(alert: Alert, figure: str) -> str:
    kind = alert.get_kind_display()
    if figure:
        return _("Alerte « %(kind)s » : %(figure)s") % {"kind": kind, "figure": figure}
    return _("Alerte « %(kind)s ».") % {"kind": kind}


SCORE_COLUMNS = ("months_of_stock", "stock_status", "stockout_probability", "model_version", "score", "level")


def published_scores_extension(vendor: str) -> RowsExtension:
    """The columns ``score_*`` of each stock level's published figures, for
    ``stock.selectors.stock_level_rows``: ``RiskScore.objects.published_on`` the day of
    :func:`latest_run` (up to today), written out in the rows' own query (the API reads them for every page of
    stock levels; the ORM's two queries cost more to build than to run). ``score_as_of`` is that
    day, ``score_stock_status`` None where the position has no row that day.
    ``tests/shortages/test_stock_levels_expand.py`` holds them to the ORM's definitions."""
    scores, runs = RiskScore._meta.db_table, ScoringRun._meta.db_table
    day = (
        f"LEFT JOIN (SELECT as_of FROM {runs} WHERE status = %s AND as_of <= %s "  # noqa: S608
        "ORDER BY as_of DESC, finished_at DESC, id DESC LIMIT 1) d ON 1 = 1"
    )
    holds = "s.as_of <= d.as_of AND (s.valid_until IS NULL OR s.valid_until > d.as_of)"
    position = "s.establishment_id = sl.establishment_id AND s.medicine_id = sl.medicine_id"
    values = ", ".join(f"s.{column}" for column in SCORE_COLUMNS)
    if vendor == "postgresql":
        # A LATERAL look-up by the position's index; LIMIT 1 keeps it one. A row is published when
        # its run is not among the runs that did not succeed, listed once per query (the failed runs
        # of the retention period and those under way: a handful): joined with the runs instead,
        # PostgreSQL hashed the succeeded ones again for each position (2.1 ms against 1.2 ms for a
        # page of 100 rows with 67 runs, docs/performance.md), and their number only grows.
        published = (
            f"LEFT JOIN LATERAL (SELECT {values} FROM {scores} s WHERE {position} AND {holds} "  # noqa: S608
            f"AND s.run_id IS NOT NULL AND s.run_id <> ALL(ARRAY(SELECT id FROM {runs} WHERE status <> %s)) "
            "ORDER BY s.as_of DESC LIMIT 1) s ON 1 = 1"
        )
    else:
        published = (
            f"LEFT JOIN (SELECT s.establishment_id, s.medicine_id, s.as_of, s.valid_until, {values} "  # noqa: S608
            f"FROM {scores} s JOIN {runs} run ON run.id = s.run_id AND run.status = %s) s ON {position} AND {holds}"
        )
    return RowsExtension(
        name="published_scores",
        columns=("d.as_of", *(f"s.{column}" for column in SCORE_COLUMNS)),
        names=("score_as_of", *(f"score_{column}" for column in SCORE_COLUMNS)),
        sources=f"{day} {published}",
        params=(RunStatus.SUCCEEDED.value, timezone.localdate(), RunStatus.SUCCEEDED.value),
    )


def stock_level_rows_with_scores(ids: list[int]) -> list[dict]:
    """``stock.selectors.stock_level_rows`` of ``ids``, each with ``latest_score``: its published
    figures (``as_of``, months of stock, stock status, stockout probability and the learned model that
    gave it, score, level), None when
    the position has no row on the published day. One query."""
    rows = stock_level_rows(ids, extension=published_scores_extension(connection.vendor))
    for row in rows:
        day = row.pop("score_as_of")
        figures = {column: row.pop(f"score_{column}") for column in SCORE_COLUMNS}
        if figures["stock_status"] is None:
            row["latest_score"] = None
            continue
        if isinstance(day, str):  # SQLite gives dates as text
            day = dt.date.fromisoformat(day)
        row["latest_score"] = figures | {"as_of": day}
    return rows
