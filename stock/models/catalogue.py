"""The medicine catalogue: generic medicines and the commercial products that carry them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from stock.choices import ProductOrigin, ProductStatus, VenClass
from stock.reference.sections import section_label


class CatalogueQuerySet(models.QuerySet):
    def visible_to(self, user) -> CatalogueQuerySet:
        """The catalogue is public reference data for every authenticated user."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self


class Medicine(models.Model):
    """The generic unit that is stocked and scored: INN (DCI) + strength + dosage form."""

    code = models.CharField(max_length=32, unique=True, help_text=_("Identifiant stable du médicament."))
    inn = models.CharField(_("DCI"), max_length=200)
    strength = models.CharField(_("dosage"), max_length=60, blank=True)
    dosage_form = models.CharField(_("forme"), max_length=120, blank=True)
    atc_code = models.CharField(max_length=8, blank=True, db_index=True)
    therapeutic_section = models.CharField(max_length=200, blank=True, db_index=True)
    ven_class = models.CharField(max_length=1, choices=VenClass.choices, default=VenClass.ESSENTIAL)
    is_essential = models.BooleanField(_("liste nationale des médicaments essentiels"), default=False)
    on_who_eml = models.BooleanField(default=False)
    dispensing_unit = models.CharField(max_length=40, blank=True, default="unité")
    alternatives = models.ManyToManyField("self", blank=True, symmetrical=True)
    lead_time_months = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, help_text=_("Remplace le délai du niveau.")
    )
    review_period_months = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    source = models.CharField(
        max_length=80,
        blank=True,
        help_text=_("D'où vient la ligne quand ce n'est pas des listes de référence (un historique chargé)."),
    )

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["inn", "strength", "dosage_form"]
        constraints = [
            models.UniqueConstraint(
                fields=["inn", "strength", "dosage_form"], name="medicine_unique_inn_strength_form"
            ),
            models.CheckConstraint(
                condition=models.Q(lead_time_months__isnull=True) | models.Q(lead_time_months__gt=0),
                name="medicine_lead_time_positive",
            ),
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.inn, self.strength, self.dosage_form) if part)

    @property
    def therapeutic_section_label(self) -> str:
        """The therapeutic section in French (the stored one is the WHO EML's English name)."""
        return section_label(self.therapeutic_section)


class Product(models.Model):
    """A commercial presentation (EAN-13) of one medicine, with its public prices in MAD."""

    ean = models.CharField(max_length=13, unique=True)
    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="products")
    brand = models.CharField(max_length=200)
    presentation = models.CharField(max_length=200, blank=True)
    public_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    hospital_price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    reimbursement_base = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    reimbursement_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    is_originator = models.BooleanField(default=False)
    origin = models.CharField(max_length=10, choices=ProductOrigin.choices, default=ProductOrigin.UNKNOWN)
    status = models.CharField(max_length=14, choices=ProductStatus.choices, default=ProductStatus.MARKETED)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        ordering = ["brand", "ean"]
        constraints = [
            models.CheckConstraint(condition=models.Q(public_price__gte=0), name="product_price_non_negative"),
            models.CheckConstraint(
                condition=models.Q(reimbursement_rate__isnull=True) | models.Q(reimbursement_rate__lte=100),
                name="product_rate_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} ({self.ean})"
