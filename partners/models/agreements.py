"""Agreements signed with the sector, their commitments and reported progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from partners.choices import AgreementKind, CommitmentCategory
from partners.models.registry import RegistryQuerySet


class Agreement(models.Model):
    """An agreement, memorandum, roadmap or consultation between authorities and industry."""

    kind = models.CharField(max_length=12, choices=AgreementKind.choices)
    title = models.CharField(max_length=300, unique=True)
    signed_on = models.DateField()
    place = models.CharField(max_length=120, blank=True)
    domains = models.JSONField(default=list, blank=True)
    summary = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True)

    objects = RegistryQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on"]

    def __str__(self) -> str:
        return self.title


class Signatory(models.Model):
    """An organization that signed (or took part in) an agreement, and who represented it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatories")
    organization = models.ForeignKey("partners.Organization", on_delete=models.PROTECT, related_name="signatures")
    representative = models.ForeignKey(
        "partners.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RegistryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "signatories"
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organization"], name="signatory_unique_party"),
        ]


class Commitment(models.Model):
    """What one party committed to under an agreement, with a measurable indicator when there is one.
    Its status (achieved, on track, at risk, late) is derived from progress and dates, never stored."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="commitments")
    party = models.ForeignKey("partners.Organization", on_delete=models.PROTECT, related_name="commitments")
    category = models.CharField(max_length=16, choices=CommitmentCategory.choices)
    description = models.TextField()
    indicator = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    baseline = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)

    objects = RegistryQuerySet.as_manager()

    class Meta:
        ordering = ["agreement_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(start_date__isnull=True) | Q(due_date__gte=F("start_date")),
                name="commitment_valid_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party}: {self.description[:60]}"


class CommitmentProgress(models.Model):
    """A value of a commitment's indicator reported on a date, by the party or by an analyst."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="progress")
    reported_on = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=2)
    comment = models.TextField(blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegistryQuerySet.as_manager()

    class Meta:
        ordering = ["reported_on", "id"]
        verbose_name_plural = "commitment progress"
