"""The partners registry: bodies, companies, memberships, people and who supplies what."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.choices import OrganizationKind, SupplierRole
from stock import roles, scopes


class RegistryQuerySet(models.QuerySet):
    def visible_to(self, user) -> RegistryQuerySet:
        """The registry is shared knowledge for every authenticated user."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self


class Organization(models.Model):
    """A body of the sector: federation, association, cluster, council, public authority, company,
    academic or foreign partner. ``predecessor`` links renamed bodies (AMIP -> FMIP -> FMIIP)."""

    name = models.CharField(max_length=200, unique=True)
    acronym = models.CharField(max_length=30, blank=True)
    kind = models.CharField(max_length=12, choices=OrganizationKind.choices)
    description = models.TextField(blank=True)
    country = models.CharField(max_length=60, default="Maroc")
    founded_on = models.DateField(null=True, blank=True)
    dissolved_on = models.DateField(null=True, blank=True)
    predecessor = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="successor"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("Organisation de rattachement (ex. FMIP rattachée à la FNS)."),
    )
    source = models.CharField(max_length=200, blank=True)
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="organizations")

    objects = RegistryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(founded_on__isnull=True)
                | Q(dissolved_on__gte=F("founded_on")),
                name="organization_valid_dates",
            ),
            models.CheckConstraint(condition=~Q(predecessor=F("id")), name="organization_not_own_predecessor"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


#: The kinds of body an organization can be a member of: an association (companies join it) or a
#: federation (associations join it, and a renamed association may become one: AMIP -> FMIP, with
#: its members, ``organization_succeed``). A membership of any other body (a company, an authority)
#: means nothing, and :meth:`CompanyQuerySet.covered_by` never follows one.
MEMBERSHIP_BODY_KINDS = (OrganizationKind.ASSOCIATION, OrganizationKind.FEDERATION)


def membership_body_refusal(body: Organization | None) -> str | None:
    """Why ``body`` cannot have members (its kind is not one of ``MEMBERSHIP_BODY_KINDS``), or None.
    The one rule of the model's ``clean``, the API and the services."""
    if body is None or body.kind in MEMBERSHIP_BODY_KINDS:
        return None
    return _(
        "« %(body)s » est de type « %(kind)s » : une organisation n'est membre que d'une association "
        "ou d'une fédération."
    ) % {"body": body.name, "kind": body.get_kind_display()}


def membership_in_force_q(day: dt.date, prefix: str = "") -> Q:
    """Memberships in force on ``day``: started on or before it (or undated) and not ended before it
    (``ended_on`` is the last day of the membership). ``prefix`` reaches them from another model."""
    return (Q(**{f"{prefix}started_on__isnull": True}) | Q(**{f"{prefix}started_on__lte": day})) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": day})
    )


class CompanyQuerySet(RegistryQuerySet):
    def covered_by(self, user) -> CompanyQuerySet:
        """Companies ``user`` may declare for: their own companies, and the companies that are members
        of the associations (or federations) they belong to today (local date). National analysts
        cover all; a regional analyst covers none (a declaration is national data, and a new version
        takes its period out of scoring until it is reviewed).

        Only a membership whose body is an association or a federation (``MEMBERSHIP_BODY_KINDS``)
        covers: a membership of a company, which the API refuses, grants nothing even when a row of
        one is already in the database (the body, its kind and the dates are those of one row)."""
        if scopes.is_national_analyst(user):
            return self
        if not roles.is_industry(user):
            return self.none()
        today = timezone.localdate()
        return self.filter(
            Q(organization__users=user)
            | (
                Q(organization__memberships__body__users=user)
                & Q(organization__memberships__body__kind__in=MEMBERSHIP_BODY_KINDS)
                & membership_in_force_q(today, prefix="organization__memberships__")
            )
        ).distinct()


class Company(models.Model):
    """A pharmaceutical company (one organization of kind company) that supplies products."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="company")
    registration_number = models.CharField(max_length=40, blank=True)
    is_local_manufacturer = models.BooleanField(default=False)
    contact_email = models.EmailField(blank=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.organization.name


class Membership(models.Model):
    """``member`` belongs to ``body`` (a company to an association, an association to a federation)."""

    member = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    body = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)

    objects = RegistryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "body", "started_on"], name="membership_unique_period"),
            models.CheckConstraint(condition=~Q(member=F("body")), name="membership_not_self"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(started_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="membership_valid_dates",
            ),
        ]

    def clean(self):
        super().clean()
        body = self.body if self.body_id is not None else None
        if refusal := membership_body_refusal(body):
            raise ValidationError({"body": [refusal]})


class Person(models.Model):
    """Someone who represents an organization (a minister, a president, a chief executive)."""

    full_name = models.CharField(max_length=150, unique=True)
    title = models.CharField(max_length=40, blank=True)

    objects = RegistryQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.title} {self.full_name}".strip()


class Representation(models.Model):
    """``person`` represented ``organization`` in ``role`` over a span of years."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="representations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="representatives")
    role = models.CharField(max_length=100)
    from_year = models.PositiveSmallIntegerField(null=True, blank=True)
    to_year = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)

    objects = RegistryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "organization", "role"], name="representation_unique"),
            models.CheckConstraint(
                condition=Q(to_year__isnull=True) | Q(from_year__isnull=True) | Q(to_year__gte=F("from_year")),
                name="representation_valid_years",
            ),
        ]


class ProductSupplier(models.Model):
    """``company`` supplies ``product`` in ``role`` (holder, manufacturer, importer, distributor)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="supplied_products")
    product = models.ForeignKey("stock.Product", on_delete=models.CASCADE, related_name="suppliers")
    role = models.CharField(max_length=12, choices=SupplierRole.choices)

    objects = RegistryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "product", "role"], name="productsupplier_unique_role"),
        ]
