"""Alert lifecycle: synchronisation with a run's conditions, and what analysts do with an alert.

One active alert per (kind, medicine, establishment, region or national) is enforced by the
database. A run opens what newly holds, raises or lowers the level of what still holds, and counts
the clear runs of what no longer holds: the alert closes after ``ALERT_CLEAR_RUNS`` consecutive
clear runs. Every change is an :class:`AlertEvent`. Analysts act on the alerts they manage
(``Alert.objects.managed_by``): their scope's, national alerts being left to national analysts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bulk import copy_out
from bulk.arrays import int8_array
from bulk.updates import rows_update
from shortages.choices import ACTIVE_ALERT_STATUSES, LEVEL_RANK, AlertEventKind, AlertKind, AlertStatus
from shortages.models import Alert, AlertEvent, ScoringRun
from shortages.services.concurrency import version_require
from shortages.services.notifications import notifications_create
from stock import roles
from stock.audit import audit_write

# An alert's key: its kind and medicine, and its establishment (position alerts) or its region
# (regional roll-ups); 0 stands for "none" (national alerts have neither).
KEY = ["kind", "medicine_id", "establishment_key", "region_key"]
# Counts a regional roll-up keeps beside its share (see shortages.scoring.alerts.rollup_conditions).
VALUE_EXTRAS = ("positions", "at_risk", "companies_in_breach", "declared_companies")
# Alerts whose counts move without their level: kept current at every run (a few rows).
COUNTED_KINDS = (AlertKind.REGIONAL_STOCKOUT, AlertKind.SAFETY_STOCK)


@dataclass
class SyncOutcome:
    """What a synchronisation changed."""

    opened: int = 0
    escalated: int = 0
    deescalated: int = 0
    closed: int = 0
    notification_ids: list[int] = field(default_factory=list)


# The words of each metric an alert is raised on, and how its figure is written (rounded as the
# pages round, stock.templatetags.ui: whole units, months to a tenth, shares in percent).
METRIC_WORDS = {
    "usable_stock": (gettext_lazy("stock utilisable : %(value)s"), "units"),
    "months_of_stock": (gettext_lazy("mois de stock : %(value)s"), "months"),
    "stockout_probability": (gettext_lazy("probabilité de rupture : %(value)s"), "share"),
    "expiry_at_risk": (gettext_lazy("unités à risque de péremption : %(value)s"), "units"),
    "expired_stock": (gettext_lazy("unités périmées : %(value)s"), "units"),
    "share_at_risk": (gettext_lazy("part des positions à risque : %(value)s"), "share"),
    "score": (gettext_lazy("score de risque : %(value)s sur 100"), "units"),
    "industry_mos": (gettext_lazy("mois de ventes en stock déclarés : %(value)s"), "months"),
    "companies_in_breach": (gettext_lazy("entreprises sous l'obligation : %(value)s"), "units"),
    "disrupted_sales_share": (gettext_lazy("part des ventes perturbées : %(value)s"), "share"),
}


def _message_of(row: dict) -> str:
    """The stored message of a condition's ``row``: a safety-stock alert names the companies in
    breach before the industry's months (these alone read as met when one company of several is short)."""
    message = _message(row["kind"], row["metric"], row["value"])
    breach = row.get("companies_in_breach")
    if row["kind"] == AlertKind.SAFETY_STOCK and breach is not None and not pd.isna(breach):
        words, _style = METRIC_WORDS["companies_in_breach"]
        label = str(AlertKind(row["kind"]).label)
        figure = str(words) % {"value": f"{int(breach)}"}
        message = f"{label} — {figure} ; " + message.removeprefix(f"{label} — ")
    return message


def _message(kind: str, metric: str, value) -> str:
    """The alert's stored message: its kind, then the figure that raised it in words (``Rupture de
    stock — stock utilisable : 0``), never a field name (a metric without words here leaves the kind
    alone). Figures are written as the pages write them in both languages: rounded half up, thousands
    grouped by a no-break space, decimal comma. They are formatted here rather than
    by the pages' filters, and only the metric's own words are translated: the first run of a month
    writes 100,000 messages, and ``number_format`` costs 18 µs a number."""
    label = AlertKind(kind).label
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return str(label)
    if metric not in METRIC_WORDS or not np.isfinite(float(value)):
        return str(label)
    words, style = METRIC_WORDS[metric]
    exact = Decimal(str(float(value)))
    if style == "units":
        figure = f"{int(exact.quantize(Decimal(1), ROUND_HALF_UP)):,}".replace(",", "\u00a0")
    elif style == "months":
        figure = str(exact.quantize(Decimal("0.1"), ROUND_HALF_UP)).replace(".", ",")
    else:
        figure = f"{(exact * 100).quantize(Decimal(1), ROUND_HALF_UP)} %"
    template = str(words)
    return f"{label} — {template % {'value': figure}}"


def _value(row) -> dict:
    value = row["value"]
    values = {row["metric"]: None if pd.isna(value) else float(value)}
    for name in VALUE_EXTRAS:
        extra = row.get(name)
        if extra is not None and not pd.isna(extra):
            values[name] = int(extra)
    return values


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the key columns of :data:`KEY` (establishment or region, 0 for none)."""
    establishment = frame["establishment_id"]
    region = frame["region_id"].where(establishment.isna())
    return frame.assign(
        establishment_key=establishment.fillna(0).astype("int64"),
        region_key=region.fillna(0).astype("int64"),
        medicine_id=frame["medicine_id"].astype("int64"),
    )


@dataclass(frozen=True)
class SyncScope:
    """What a run evaluated again when it did not evaluate everything (an incremental run): the
    positions of ``positions`` (``establishment_id``, ``medicine_id``) and the regional roll-ups of
    ``regions`` (``medicine_id``, ``region_id``); national alerts always. The active alerts of
    other positions and regions are left as they are: their conditions were not evaluated, so
    they neither open, change nor count a clear run."""

    positions: pd.DataFrame
    regions: pd.DataFrame

    def covers(self, active: pd.DataFrame) -> np.ndarray:
        """Which rows of ``active`` (keyed by :func:`_keyed`) are in the scope."""
        position = active["establishment_key"].to_numpy() != 0
        regional = ~position & (active["region_key"].to_numpy() != 0)
        positions = pd.MultiIndex.from_frame(self.positions[["establishment_id", "medicine_id"]].astype("int64"))
        regions = pd.MultiIndex.from_frame(self.regions[["medicine_id", "region_id"]].astype("int64"))
        in_positions = pd.MultiIndex.from_arrays([active["establishment_key"], active["medicine_id"]]).isin(positions)
        in_regions = pd.MultiIndex.from_arrays([active["medicine_id"], active["region_key"]]).isin(regions)
        return np.where(position, in_positions, np.where(regional, in_regions, True))


ACTIVE_COLUMNS = ["id", "kind", "medicine_id", "establishment_id", "region_id", "level", "clear_runs"]
ACTIVE_NAMES = ["alert_id", "kind", "medicine_id", "establishment_id", "region_id", "current_level", "clear_runs"]


def _active_alerts(scope: SyncScope | None) -> pd.DataFrame:
    """The active alerts, or with ``scope`` the regional and national ones and those of the scope's
    positions (on PostgreSQL the positions' alerts are looked up by the server for the scope's keys,
    instead of sending every position alert here).

    The lookup goes key by key through the index of the constraint ``alert_one_active_per_position``
    (:class:`shortages.models.Alert`; ``OFFSET 0`` keeps the subquery from being flattened into a join): left to itself, the planner
    hashes the 100,000 active alerts of a national day for 7,000 keys, 50-135 ms against 17 ms
    (docs/performance.md, sixteenth round)."""
    active = Alert.objects.filter(status__in=ACTIVE_ALERT_STATUSES).order_by()
    if scope is None or connection.vendor != "postgresql":
        # through COPY on PostgreSQL: a national run reads about 100,000 of them
        return copy_out.queryset_frame(active.values_list(*ACTIVE_COLUMNS), ACTIVE_NAMES)
    rows = list(active.filter(establishment__isnull=True).values_list(*ACTIVE_COLUMNS))
    positions = active.filter(establishment__isnull=False).values_list(*ACTIVE_COLUMNS)
    sql, params = positions.query.sql_with_params()
    keys = scope.positions
    with connection.cursor() as cursor:
        lookup = (
            f"SELECT * FROM ({sql}) AS position_alert"  # noqa: S608 - the ORM's own SQL, its values as parameters
            " WHERE position_alert.establishment_id = keys.e AND position_alert.medicine_id = keys.m OFFSET 0"
        )
        keyed = "unnest(%s::bigint[], %s::bigint[]) AS keys(e, m)"
        cursor.execute(
            f"SELECT alert.* FROM {keyed} CROSS JOIN LATERAL ({lookup}) AS alert",  # noqa: S608 - built above
            [int8_array(keys["establishment_id"]), int8_array(keys["medicine_id"]), *params],
        )
        rows += cursor.fetchall()
    return pd.DataFrame.from_records(rows, columns=ACTIVE_NAMES)


def keys_to_evaluate(*, since: dt.datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The positions (``establishment_id``, ``medicine_id``) and the regional roll-ups
    (``medicine_id``, ``region_id``) whose alerts a run that evaluates only what changed must evaluate
    again all the same, for its outcome to be that of evaluating everything: those of the active
    alerts counting clear runs (their condition did not hold at the last evaluation: one more clear
    run, or their close), and those of the alerts that stopped being active since ``since`` (the
    start of the latest run that evaluated every alert: resolved by an analyst, or closed by a run),
    whose condition may hold and open them again. One query."""
    rows = Alert.objects.filter(
        Q(status__in=ACTIVE_ALERT_STATUSES, clear_runs__gt=0)
        | (~Q(status__in=ACTIVE_ALERT_STATUSES) & Q(updated_at__gte=since)),
        medicine__isnull=False,
    ).values_list("medicine_id", "establishment_id", "region_id")
    frame = pd.DataFrame.from_records(list(rows), columns=["medicine_id", "establishment_id", "region_id"])
    positions = frame.loc[frame["establishment_id"].notna(), ["establishment_id", "medicine_id"]]
    regions = frame.loc[frame["establishment_id"].isna() & frame["region_id"].notna(), ["medicine_id", "region_id"]]
    return (
        positions.astype("int64").drop_duplicates().reset_index(drop=True),
        regions.astype("int64").drop_duplicates().reset_index(drop=True),
    )


@transaction.atomic
def alerts_sync(
    *, run: ScoringRun, conditions: pd.DataFrame, notify: bool = True, scope: SyncScope | None = None
) -> SyncOutcome:
    """Bring the active alerts in line with ``conditions`` (see :mod:`shortages.scoring.alerts`),
    those of ``scope`` only when given (the conditions are then those of the scope).

    Set-based: one query reads the active alerts (two with a scope, on PostgreSQL), bulk writes apply
    the changes; events carry the run.
    An escalation ends a snooze. Returns counts and the in-app notifications created for openings
    and escalations (none when ``notify`` is False: the first run over a new history).
    """
    outcome = SyncOutcome()
    now = timezone.now()
    if "region_id" not in conditions:
        conditions = conditions.assign(region_id=np.nan)
    wanted = _keyed(conditions).drop_duplicates(KEY)
    if scope is not None:
        wanted = wanted.loc[scope.covers(wanted)]
    active = _keyed(_active_alerts(scope))
    if scope is not None:
        active = active.loc[scope.covers(active)]
    active = active.drop(columns=["establishment_id", "region_id"])
    merged = wanted.merge(active, on=KEY, how="outer", indicator=True)
    events: list[AlertEvent] = []

    new = merged.loc[merged["_merge"] == "left_only"]
    created = Alert.objects.bulk_create(
        [
            Alert(
                kind=row["kind"],
                medicine_id=int(row["medicine_id"]),
                establishment_id=int(row["establishment_id"]) if not pd.isna(row["establishment_id"]) else None,
                region_id=int(row["region_id"]) if not pd.isna(row["region_id"]) else None,
                level=row["level"],
                message=_message_of(row),
                value=_value(row),
            )
            for row in new.to_dict("records")
        ],
        batch_size=1000,
    )
    events += [AlertEvent(alert=alert, kind=AlertEventKind.OPENED, run=run, to_value=alert.level) for alert in created]
    outcome.opened = len(created)

    held = merged.loc[merged["_merge"] == "both"]
    changed = held.loc[held["level"] != held["current_level"]]
    woken: list[int] = []
    if len(changed):
        updates = []
        for row in changed.to_dict("records"):
            rising = LEVEL_RANK[row["level"]] > LEVEL_RANK[row["current_level"]]
            alert = Alert(pk=int(row["alert_id"]), level=row["level"], value=_value(row), clear_runs=0, updated_at=now)
            alert.message = _message_of(row)
            updates.append(alert)
            if rising:
                woken.append(alert.pk)
            events.append(
                AlertEvent(
                    alert_id=alert.pk,
                    kind=AlertEventKind.ESCALATED if rising else AlertEventKind.DEESCALATED,
                    run=run,
                    from_value=row["current_level"],
                    to_value=row["level"],
                )
            )
            outcome.escalated += rising
            outcome.deescalated += not rising
        rows_update(Alert, updates, ["level", "value", "message", "clear_runs", "updated_at"])
        Alert.objects.filter(pk__in=woken, snoozed_until__isnull=False).update(snoozed_until=None, snooze_reason="")
    recovered = held.loc[(held["level"] == held["current_level"]) & (held["clear_runs"] > 0), "alert_id"]
    Alert.objects.filter(pk__in=recovered.astype("int64").tolist()).update(clear_runs=0)
    # A roll-up's or a safety stock's counts move without its level: keep them current (a few rows;
    # position alerts, by the thousand, keep the figure of their last change of level).
    counts = held.loc[(held["level"] == held["current_level"]) & held["kind"].isin(COUNTED_KINDS)]
    rows_update(
        Alert,
        [
            Alert(pk=int(row["alert_id"]), value=_value(row), message=_message_of(row))
            for row in counts.to_dict("records")
        ],
        ["value", "message"],
    )

    clear = merged.loc[merged["_merge"] == "right_only"]
    closing = clear.loc[clear["clear_runs"] + 1 >= settings.ALERT_CLEAR_RUNS]
    counting = clear.loc[clear["clear_runs"] + 1 < settings.ALERT_CLEAR_RUNS, "alert_id"]
    Alert.objects.filter(pk__in=counting.astype("int64").tolist()).update(clear_runs=F("clear_runs") + 1)
    closing_ids = closing["alert_id"].astype("int64").tolist()
    Alert.objects.filter(pk__in=closing_ids).update(
        status=AlertStatus.CLOSED, clear_runs=F("clear_runs") + 1, closed_at=now, updated_at=now
    )
    events += [
        AlertEvent(alert_id=alert_id, kind=AlertEventKind.CLOSED, run=run, from_value=level, to_value="")
        for alert_id, level in zip(closing_ids, closing["current_level"], strict=True)
    ]
    outcome.closed = len(closing_ids)
    AlertEvent.objects.bulk_create(events, batch_size=1000)
    if notify:
        news = [event for event in events if event.kind in (AlertEventKind.OPENED, AlertEventKind.ESCALATED)]
        outcome.notification_ids = notifications_create(events=news)
    return outcome


def _require_manager(alert_id: int, user) -> None:
    """``user`` manages the alert: an analyst who sees it, and a national analyst for a national
    alert. Raises ``Alert.DoesNotExist`` when the alert is not visible, ``PermissionDenied`` else."""
    if not roles.is_analyst(user):
        raise PermissionDenied(_("Seuls les analystes gèrent les alertes."))
    if not Alert.objects.visible_to(user).filter(pk=alert_id).exists():
        raise Alert.DoesNotExist(f"alert {alert_id} is not visible to {user}")
    if not Alert.objects.managed_by(user).filter(pk=alert_id).exists():
        raise PermissionDenied(_("Les alertes nationales sont gérées par les analystes nationaux."))


def _alert_unchanged(alert: Alert, version: str | None) -> None:
    """The alert is still the one its analyst read (``version``: ``Alert.version``), when given."""
    version_require(
        row=alert,
        seen=version,
        message=_("Cette alerte a changé depuis votre lecture : relisez-la avant de la modifier."),
    )


def _locked_active(alert_id: int, user, version: str | None) -> Alert:
    """The alert, locked, when ``user`` manages it, it is unchanged since ``version`` and active.
    The version is compared first: a client that read the alert open and finds it resolved is told
    what changed, as for any other change."""
    _require_manager(alert_id, user)
    alert = Alert.objects.select_for_update().get(pk=alert_id)
    _alert_unchanged(alert, version)
    if alert.status not in ACTIVE_ALERT_STATUSES:
        raise ValidationError(
            {
                "status": [
                    _("Cette alerte est %(status)s : seules les alertes ouvertes ou prises en charge changent.")
                    % {"status": alert.get_status_display().lower()}
                ]
            }
        )
    return alert


@transaction.atomic
def alert_acknowledge(*, alert_id: int, user, comment: str = "", version: str | None = None) -> Alert:
    """An analyst takes the alert in hand (open -> acknowledged); refused with ``VersionConflict``
    when the alert changed since ``version``, the one the analyst read (if given), as every action here."""
    alert = _locked_active(alert_id, user, version)
    if alert.status == AlertStatus.ACKNOWLEDGED:
        raise ValidationError({"status": [_("Cette alerte est déjà prise en charge.")]})
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEventKind.ACKNOWLEDGED,
        actor=user,
        from_value=alert.status,
        to_value="acknowledged",
        comment=comment,
    )
    audit_write(
        actor=user,
        action="acknowledge",
        obj=alert,
        before={"status": alert.status},
        after={"status": "acknowledged"},
        comment=comment,
    )
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.save(update_fields=["status", "updated_at"])
    return alert


@transaction.atomic
def alert_assign(*, alert_id: int, user, assignee, comment: str = "", version: str | None = None) -> Alert:
    """An analyst gives the alert to ``assignee``: an analyst who may act on it
    (``Alert.objects.managed_by``), so never a national alert to a regional analyst, who reads it
    but could not take it in hand (the pages offered and the API accepted one)."""
    alert = _locked_active(alert_id, user, version)
    if not roles.is_analyst(assignee):
        raise ValidationError({"assignee": [_("Une alerte est assignée à un analyste.")]})
    if not Alert.objects.visible_to(assignee).filter(pk=alert_id).exists():
        raise ValidationError({"assignee": [_("Cet analyste ne voit pas cette alerte (hors de ses régions).")]})
    if not Alert.objects.managed_by(assignee).filter(pk=alert_id).exists():
        raise ValidationError({"assignee": [_("Les alertes nationales sont gérées par les analystes nationaux.")]})
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEventKind.ASSIGNED,
        actor=user,
        from_value=alert.assignee.username if alert.assignee else "",
        to_value=assignee.username,
        comment=comment,
    )
    audit_write(
        actor=user,
        action="assign",
        obj=alert,
        before={"assignee": alert.assignee},
        after={"assignee": assignee},
        comment=comment,
    )
    alert.assignee = assignee
    alert.save(update_fields=["assignee", "updated_at"])
    return alert


@transaction.atomic
def alert_comment(*, alert_id: int, user, comment: str, version: str | None = None) -> AlertEvent:
    """An analyst adds a comment to the alert's history. A comment overwrites nothing, so the alert
    is not locked; a ``version`` sent all the same is compared."""
    _require_manager(alert_id, user)
    alert = Alert.objects.get(pk=alert_id)
    _alert_unchanged(alert, version)
    if not comment.strip():
        raise ValidationError({"comment": [_("Le commentaire est vide.")]})
    audit_write(actor=user, action="comment", obj=alert, comment=comment.strip())
    return AlertEvent.objects.create(alert=alert, kind=AlertEventKind.COMMENTED, actor=user, comment=comment.strip())


@transaction.atomic
def alert_resolve(*, alert_id: int, user, comment: str = "", version: str | None = None) -> Alert:
    """An analyst closes the alert as dealt with; the key is free for a new alert."""
    alert = _locked_active(alert_id, user, version)
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEventKind.RESOLVED,
        actor=user,
        from_value=alert.status,
        to_value="resolved",
        comment=comment,
    )
    audit_write(
        actor=user,
        action="resolve",
        obj=alert,
        before={"status": alert.status},
        after={"status": "resolved"},
        comment=comment,
    )
    alert.status = AlertStatus.RESOLVED
    alert.closed_at = timezone.now()
    alert.save(update_fields=["status", "closed_at", "updated_at"])
    return alert


@transaction.atomic
def alert_snooze(*, alert_id: int, user, until: dt.date, reason: str, version: str | None = None) -> Alert:
    """An analyst puts the alert to sleep until ``until`` (it leaves the inboxes and the digests,
    and comes back that day or at its next escalation), with a reason."""
    alert = _locked_active(alert_id, user, version)
    today = timezone.localdate()
    errors = {}
    if not reason.strip():
        errors["reason"] = [_("Indiquez pourquoi l'alerte est mise en sommeil.")]
    if until <= today:
        errors["until"] = [_("La date doit être postérieure à aujourd'hui.")]
    elif until > today + dt.timedelta(days=settings.ALERT_SNOOZE_MAX_DAYS):
        errors["until"] = [
            _("Une alerte est mise en sommeil pour %(days)s jours au plus.") % {"days": settings.ALERT_SNOOZE_MAX_DAYS}
        ]
    if errors:
        raise ValidationError(errors)
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEventKind.SNOOZED,
        actor=user,
        from_value=alert.snoozed_until.isoformat() if alert.snoozed_until else "",
        to_value=until.isoformat(),
        comment=reason.strip(),
    )
    audit_write(
        actor=user,
        action="snooze",
        obj=alert,
        before={"snoozed_until": alert.snoozed_until},
        after={"snoozed_until": until},
        comment=reason.strip(),
    )
    alert.snoozed_until = until
    alert.snooze_reason = reason.strip()[:300]
    alert.save(update_fields=["snoozed_until", "snooze_reason", "updated_at"])
    return alert
