"""The shortage register and its mitigation actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from shortages.choices import ActionKind, ActionStatus, ShortageCause, ShortageScope, ShortageStatus
from stock import roles, scopes


class ShortageQuerySet(models.QuerySet):
    def visible_to(self, user) -> ShortageQuerySet:
        """Analysts see all; other users national and regional shortages, and establishment users
        also the shortages of their own establishments."""
        if roles.is_analyst(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        shared = ~Q(scope=ShortageScope.ESTABLISHMENT)
        if roles.is_establishment(user):
            return self.filter(shared | scopes.establishment_scope(user, "establishment__"))
        if roles.is_industry(user):
            return self.filter(shared)
        return self.none()


class Shortage(models.Model):
    """A rupture, anticipated or real, of one medicine over a scope, with its coded cause."""

    medicine = models.ForeignKey("stock.Medicine", on_delete=models.PROTECT, related_name="shortages")
    status = models.CharField(max_length=12, choices=ShortageStatus.choices, default=ShortageStatus.ANTICIPATED)
    cause = models.CharField(max_length=16, choices=ShortageCause.choices)
    scope = models.CharField(max_length=14, choices=ShortageScope.choices, default=ShortageScope.NATIONAL)
    region = models.ForeignKey("stock.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    establishment = models.ForeignKey(
        "stock.Establishment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.TextField(blank=True)
    started_on = models.DateField()
    expected_end = models.DateField(null=True, blank=True)
    actual_end = models.DateField(null=True, blank=True)
    source_alert = models.ForeignKey(
        "shortages.Alert", on_delete=models.SET_NULL, null=True, blank=True, related_name="shortages"
    )
    source_declaration = models.ForeignKey(
        "partners.SupplyDeclaration", on_delete=models.SET_NULL, null=True, blank=True, related_name="shortages"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ShortageQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_end__isnull=True) | Q(expected_end__gte=F("started_on")),
                name="shortage_expected_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True) | Q(actual_end__gte=F("started_on")),
                name="shortage_actual_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(scope="regional") | Q(region__isnull=False), name="shortage_regional_has_region"
            ),
            models.CheckConstraint(
                condition=~Q(scope="establishment") | Q(establishment__isnull=False),
                name="shortage_establishment_scope_has_establishment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.medicine} — {self.get_status_display()}"


class MitigationAction(models.Model):
    """Something done to prevent or soften a shortage, with an owner and a due date."""

    shortage = models.ForeignKey(Shortage, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner_organization = models.ForeignKey(
        "partners.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    alternative = models.ForeignKey(
        "stock.Medicine", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_establishment = models.ForeignKey(
        "stock.Establishment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_establishment = models.ForeignKey(
        "stock.Establishment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    quantity = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class ActionQuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(shortage__in=Shortage.objects.visible_to(user).values("pk"))

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0), name="action_quantity_positive"
            ),
        ]
