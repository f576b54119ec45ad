"""Monthly supply declarations of companies (arrêté 263-02: holdings declared before the 5th)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from partners.choices import DeclarationStatus, DisruptionCause, SupplyKind
from stock import roles


class DeclarationQuerySet(models.QuerySet):
    def visible_to(self, user) -> DeclarationQuerySet:
        """Analysts see all; industry users the declarations of the companies they cover."""
        from partners.models.registry import Company

        if roles.is_analyst(user):
            return self
        if roles.is_industry(user):
            return self.filter(company__in=Company.objects.covered_by(user).values("pk"))
        return self.none()

    def current(self) -> DeclarationQuerySet:
        return self.filter(is_current=True)

    def accepted(self) -> DeclarationQuerySet:
        return self.filter(status=DeclarationStatus.ACCEPTED)


class SupplyDeclaration(models.Model):
    """One version of a company's declaration for one medicine and month. Re-submitting a period
    adds a version; exactly one version per period is current; older ones stay readable."""

    company = models.ForeignKey("partners.Company", on_delete=models.PROTECT, related_name="declarations")
    medicine = models.ForeignKey("stock.Medicine", on_delete=models.PROTECT, related_name="declarations")
    month = models.DateField(help_text="Premier jour du mois déclaré.")
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    stock_on_hand = models.BigIntegerField()
    monthly_sales = models.BigIntegerField()
    disruption = models.BooleanField(default=False)
    disruption_cause = models.CharField(max_length=16, choices=DisruptionCause.choices, blank=True)
    disruption_start = models.DateField(null=True, blank=True)
    disruption_end = models.DateField(null=True, blank=True)
    api_origin_country = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.SUBMITTED)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    import_job = models.ForeignKey(
        "stock.ImportJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="declarations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "company_id", "medicine_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "medicine", "month", "version"], name="declaration_unique_version"
            ),
            models.UniqueConstraint(
                fields=["company", "medicine", "month"], condition=Q(is_current=True), name="declaration_one_current"
            ),
            models.CheckConstraint(
                condition=Q(stock_on_hand__gte=0) & Q(monthly_sales__gte=0), name="declaration_quantities_non_negative"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="declaration_month_first_day"),
            models.CheckConstraint(
                condition=Q(disruption=False) | ~Q(disruption_cause=""), name="declaration_disruption_has_cause"
            ),
            models.CheckConstraint(
                condition=Q(disruption_end__isnull=True)
                | Q(disruption_start__isnull=True)
                | Q(disruption_end__gte=F("disruption_start")),
                name="declaration_disruption_dates",
            ),
        ]
        indexes = [models.Index(fields=["medicine", "month", "status"])]

    def __str__(self) -> str:
        return f"{self.company_id}/{self.medicine_id} {self.month:%Y-%m} v{self.version}"


class SupplyLine(models.Model):
    """A delivery a company expects (production or import), with its date and quantity."""

    declaration = models.ForeignKey(SupplyDeclaration, on_delete=models.CASCADE, related_name="supply_lines")
    expected_on = models.DateField()
    quantity = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=SupplyKind.choices)

    class Meta:
        ordering = ["expected_on"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="supplyline_quantity_positive")]
