"""Alerts, their event history, subscriptions, notifications, opt-outs and daily digests."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from shortages.choices import ACTIVE_ALERT_STATUSES, AlertEventKind, AlertKind, AlertStatus, RiskLevel
from shortages.versions import row_version
from stock import roles, scopes
from stock.models import Medicine


class AlertQuerySet(models.QuerySet):
    def visible_to(self, user) -> AlertQuerySet:
        """National analysts see every alert; regional analysts the position alerts of their
        establishments (:mod:`stock.scopes`), the roll-ups of their regions and the national alerts;
        establishment users the alerts of their establishments; industry users national alerts."""
        if roles.is_analyst(user):
            if scopes.is_national_analyst(user):
                return self
            area = scopes.analyst_area(user)
            return self.filter(
                Q(establishment__isnull=True, region__isnull=True)
                | Q(establishment__isnull=True, region__in=area.all_region_ids)
                | scopes.establishment_scope(user, "establishment__")
            )
        if roles.is_establishment(user):
            return self.filter(scopes.establishment_scope(user, "establishment__"))
        if roles.is_industry(user):
            return self.national()
        return self.none()

    def active(self) -> AlertQuerySet:
        return self.filter(status__in=ACTIVE_ALERT_STATUSES)

    def awake(self, today: dt.date | None = None) -> AlertQuerySet:
        """Alerts not snoozed on ``today`` (a snoozed alert comes back on its ``snoozed_until`` day)."""
        today = today or timezone.localdate()
        return self.filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today))

    def national(self) -> AlertQuerySet:
        return self.filter(establishment__isnull=True, region__isnull=True)

    def regional(self) -> AlertQuerySet:
        return self.filter(establishment__isnull=True, region__isnull=False)

    def positions(self) -> AlertQuerySet:
        return self.filter(establishment__isnull=False)

    def inbox_of(self, user, today: dt.date | None = None) -> AlertQuerySet:
        """The active, awake alerts ``user`` is expected to act on: for a national analyst the
        national alerts and the regional roll-ups (the position alerts stay one click away, behind
        the roll-ups); for a regional analyst the position alerts of its establishments and the
        roll-ups of its regions; for establishment users their position alerts; for industry users
        the national alerts on the medicines of the companies they cover."""
        alerts = self.visible_to(user).active().awake(today)
        if roles.is_analyst(user):
            if scopes.is_national_analyst(user):
                return alerts.filter(establishment__isnull=True)
            return alerts.exclude(establishment__isnull=True, region__isnull=True)
        if roles.is_establishment(user):
            return alerts
        if roles.is_industry(user):
            from partners.models import Company

            covered = Company.objects.covered_by(user).values("pk")
            supplied = Medicine.objects.filter(products__suppliers__company__in=covered).values("pk")
            return alerts.filter(medicine__in=supplied)
        return alerts.none()

    def managed_by(self, user) -> AlertQuerySet:
        """Alerts ``user`` may acknowledge, assign, comment, snooze and resolve: an analyst's visible
        alerts, national alerts left to national analysts."""
        if not roles.is_analyst(user):
            return self.none()
        alerts = self.visible_to(user)
        return (
            alerts
            if scopes.is_national_analyst(user)
            else alerts.exclude(establishment__isnull=True, region__isnull=True)
        )


class Alert(models.Model):
    """A condition worth acting on, about one position (``establishment`` set), one medicine in one
    region (a roll-up: ``region`` set, no establishment) or one medicine nationally (neither). At
    most one active alert per (kind, medicine, establishment, region or national); it closes itself
    after two consecutive clear runs. A snoozed alert stays active but leaves the inboxes and the
    digests until ``snoozed_until``."""

    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    medicine = models.ForeignKey("stock.Medicine", on_delete=models.CASCADE, related_name="alerts")
    establishment = models.ForeignKey(
        "stock.Establishment", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    region = models.ForeignKey("stock.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    level = models.CharField(max_length=10, choices=RiskLevel.choices)
    status = models.CharField(max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    message = models.CharField(max_length=300, blank=True)
    value = models.JSONField(default=dict, blank=True)
    clear_runs = models.PositiveSmallIntegerField(default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_alerts"
    )
    snoozed_until = models.DateField(null=True, blank=True)
    snooze_reason = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # position first: an incremental run looks up the active alerts of the positions it
            # re-scored through this index (:func:`shortages.services.alerts._active_alerts`)
            models.UniqueConstraint(
                fields=["establishment", "medicine", "kind"],
                condition=Q(status__in=ACTIVE_ALERT_STATUSES) & Q(establishment__isnull=False),
                name="alert_one_active_per_position",
            ),
            models.UniqueConstraint(
                fields=["kind", "medicine"],
                condition=Q(status__in=ACTIVE_ALERT_STATUSES) & Q(establishment__isnull=True, region__isnull=True),
                name="alert_one_active_national",
            ),
            models.UniqueConstraint(
                fields=["kind", "medicine", "region"],
                condition=Q(status__in=ACTIVE_ALERT_STATUSES) & Q(establishment__isnull=True, region__isnull=False),
                name="alert_one_active_regional",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("opened_at")),
                name="alert_closed_after_opened",
            ),
        ]
        indexes = [models.Index(fields=["status", "level"]), models.Index(fields=["medicine", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.medicine_id}"

    @property
    def is_regional(self) -> bool:
        return self.establishment_id is None and self.region_id is not None

    @property
    def is_national(self) -> bool:
        return self.establishment_id is None and self.region_id is None

    def is_snoozed(self, today: dt.date | None = None) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > (today or timezone.localdate())

    def version_parts(self) -> list[tuple[str, object]]:
        """What an analyst acts on, by the names the API gives it: the status, the level, the
        assignee and the snooze (its day and reason). Not the figures a run keeps current, the count of
        clear runs or the comments, which overwrite nothing an analyst chose."""
        return [
            ("status", self.status),
            ("level", self.level),
            ("assignee", self.assignee_id),
            ("snoozed_until", (self.snoozed_until, self.snooze_reason)),
        ]

    @property
    def version(self) -> str:
        """The alert as a client saw it, sent back to act on it (``shortages.versions``)."""
        return row_version(self.pk, self.version_parts())


class AlertEvent(models.Model):
    """One change of an alert: who (a user) or which run made it, from what to what."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=AlertEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey("shortages.ScoringRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    from_value = models.CharField(max_length=40, blank=True)
    to_value = models.CharField(max_length=40, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Subscription(models.Model):
    """``user`` wants to hear about alerts of one region, therapeutic section or medicine."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscriptions")
    region = models.ForeignKey("stock.Region", on_delete=models.CASCADE, null=True, blank=True)
    therapeutic_section = models.CharField(max_length=200, blank=True)
    medicine = models.ForeignKey("stock.Medicine", on_delete=models.CASCADE, null=True, blank=True)
    min_level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.HIGH)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=False, therapeutic_section="", medicine__isnull=True)
                    | Q(region__isnull=True, medicine__isnull=True) & ~Q(therapeutic_section="")
                    | Q(region__isnull=True, therapeutic_section="", medicine__isnull=False)
                ),
                name="subscription_exactly_one_target",
            ),
        ]


class Notification(models.Model):
    """An in-app message (and e-mail) sent to one user when an alert opens or escalates."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="notification_once_per_event")]


class AlertOptOut(models.Model):
    """``user`` hears nothing (no notification, nothing in the digest) about alerts of ``kind``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_opt_outs")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="alert_opt_out_once_per_kind")]


class Digest(models.Model):
    """The daily e-mail of one user: at most one per user and day, listing the notifications
    (opened and escalated alerts) not e-mailed before."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    notifications = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_user_and_day")]
