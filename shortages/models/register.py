"""The shortage register and its mitigation actions."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from shortages.choices import ActionKind, ActionStatus, ShortageCause, ShortageScope, ShortageStatus
from shortages.versions import row_version
from stock import roles, scopes


@dataclass(frozen=True)
class RegisterArea:
    """Where a user keeps the shortage register (opens, updates, closes shortages and their actions),
    the one rule of the pages and the API alike, as for alerts (docs/alerts.md):

    - a national analyst and a site administrator: every shortage (``everything``);
    - a regional analyst: the regional shortages of its regions (a province analyst: of its
      provinces' regions, as for the regional roll-ups) and the shortages of its establishments,
      not the national ones, which change what every region reads;
    - anybody else: none.

    A shortage is in the area when it is not national and every place it names (its region, its
    establishment) is the area's: :meth:`covers` for one shortage (saved or not), :meth:`condition`
    for a queryset, the same rule."""

    everything: bool = False
    region_ids: frozenset[int] = frozenset()
    establishment_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, user) -> RegisterArea:
        if not roles.is_analyst(user):
            return cls()
        if scopes.is_national_analyst(user):
            return cls(everything=True)
        return cls(
            region_ids=scopes.analyst_area(user).all_region_ids,
            establishment_ids=scopes.readable_establishment_ids(user),
        )

    def covers(self, *, scope: str, region_id: int | None = None, establishment_id: int | None = None) -> bool:
        if self.everything:
            return True
        return (
            bool(self.region_ids or self.establishment_ids)
            and scope in (ShortageScope.REGIONAL, ShortageScope.ESTABLISHMENT)
            and (region_id is None or region_id in self.region_ids)
            and (establishment_id is None or establishment_id in self.establishment_ids)
        )

    def condition(self) -> Q | None:
        """The condition on shortages of :meth:`covers`; None when nothing is restricted."""
        if self.everything:
            return None
        if not (self.region_ids or self.establishment_ids):
            return scopes.NOTHING
        return (
            Q(scope__in=(ShortageScope.REGIONAL, ShortageScope.ESTABLISHMENT))
            & (Q(region__isnull=True) | Q(region_id__in=sorted(self.region_ids)))
            & (Q(establishment__isnull=True) | Q(establishment_id__in=sorted(self.establishment_ids)))
        )


class ShortageQuerySet(models.QuerySet):
    def visible_to(self, user) -> ShortageQuerySet:
        """National analysts see all; everybody else with a role the national and regional
        shortages, and analysts and establishment users also the shortages of the establishments
        they read (``stock.scopes.establishment_scope``: a regional analyst's regions and provinces,
        an establishment user's own)."""
        if user is None or not user.is_authenticated:
            return self.none()
        if scopes.is_national_analyst(user):
            return self
        shared = ~Q(scope=ShortageScope.ESTABLISHMENT)
        if roles.is_analyst(user) or roles.is_establishment(user):
            return self.filter(shared | scopes.establishment_scope(user, "establishment__"))
        if roles.is_industry(user):
            return self.filter(shared)
        return self.none()

    def managed_by(self, user) -> ShortageQuerySet:
        """The shortages ``user`` may update, close and add actions to (:class:`RegisterArea`)."""
        area = RegisterArea.of(user)
        if area.everything:
            return self
        if not roles.is_analyst(user):
            return self.none()
        return self.visible_to(user).filter(area.condition())


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

    def is_managed_by(self, user) -> bool:
        """Whether ``user`` may update this shortage and its actions (:class:`RegisterArea`)."""
        return RegisterArea.of(user).covers(
            scope=self.scope, region_id=self.region_id, establishment_id=self.establishment_id
        )

    def version_parts(self) -> list[tuple[str, object]]:
        """The fields an update changes (``shortages.services.register.SHORTAGE_FIELDS``), not its
        actions, which have versions of their own."""
        return [
            ("status", self.status),
            ("cause", self.cause),
            ("started_on", self.started_on),
            ("expected_end", self.expected_end),
            ("actual_end", self.actual_end),
            ("description", self.description),
        ]

    @property
    def version(self) -> str:
        """The shortage as a client saw it, sent back to update it (``shortages.versions``)."""
        return row_version(self.pk, self.version_parts())


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

    def version_parts(self) -> list[tuple[str, object]]:
        """The fields an update changes (``shortages.services.register.ACTION_FIELDS``)."""
        return [
            ("kind", self.kind),
            ("status", self.status),
            ("description", self.description),
            ("owner", self.owner_id),
            ("owner_organization", self.owner_organization_id),
            ("due_date", self.due_date),
            ("quantity", self.quantity),
        ]

    @property
    def version(self) -> str:
        """The action as a client saw it, sent back to update it (``shortages.versions``)."""
        return row_version(self.pk, self.version_parts())
