"""Alerts, their event history, subscriptions and notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from shortages.choices import ACTIVE_ALERT_STATUSES, AlertEventKind, AlertKind, AlertStatus, RiskLevel
from stock import roles


class AlertQuerySet(models.QuerySet):
    def visible_to(self, user) -> AlertQuerySet:
        """Analysts see all alerts; establishment users those of their establishments;
        industry users national alerts only."""
        if roles.is_analyst(user):
            return self
        if roles.is_establishment(user):
            return self.filter(establishment__users=user)
        if roles.is_industry(user):
            return self.filter(establishment__isnull=True)
        return self.none()

    def active(self) -> AlertQuerySet:
        return self.filter(status__in=ACTIVE_ALERT_STATUSES)


class Alert(models.Model):
    """A condition worth an analyst's attention. At most one active alert per (kind, medicine,
    establishment or national); it closes itself after two consecutive clear runs."""

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
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "medicine", "establishment"],
                condition=Q(status__in=ACTIVE_ALERT_STATUSES) & Q(establishment__isnull=False),
                name="alert_one_active_per_position",
            ),
            models.UniqueConstraint(
                fields=["kind", "medicine"],
                condition=Q(status__in=ACTIVE_ALERT_STATUSES) & Q(establishment__isnull=True),
                name="alert_one_active_national",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=models.F("opened_at")),
                name="alert_closed_after_opened",
            ),
        ]
        indexes = [models.Index(fields=["status", "level"]), models.Index(fields=["medicine", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.medicine_id}"


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
