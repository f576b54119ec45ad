"""Territory and establishments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stock import scopes
from stock.choices import EstablishmentCategory, EstablishmentLevel


class Region(models.Model):
    """One of the 12 regions, keyed by its HCP code (``01``..``12``; ISO 3166-2 ``MA-01``)."""

    code = models.CharField(max_length=2, unique=True)
    name_fr = models.CharField(max_length=100)
    name_ar = models.CharField(max_length=100, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    analysts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="analyst_regions",
        help_text=_("Analystes régionaux : ils voient et gèrent les établissements de cette région."),
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_fr

    @property
    def iso_code(self) -> str:
        return f"MA-{self.code}"


class Province(models.Model):
    """A province or prefecture (HCP code such as ``01.511``; Casablanca's prefectures d'arrondissements
    carry longer codes such as ``06.141.01.00``)."""

    code = models.CharField(max_length=16, unique=True)
    name_fr = models.CharField(max_length=100)
    name_ar = models.CharField(max_length=100, blank=True)
    kind = models.CharField(
        max_length=40, blank=True, help_text="HCP type: province, prefecture, prefecture_of_arrondissements."
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="provinces")
    population = models.PositiveIntegerField(null=True, blank=True)
    analysts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="analyst_provinces",
        help_text=_("Analystes provinciaux : ils voient et gèrent les établissements de cette province."),
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_fr


class EstablishmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> EstablishmentQuerySet:
        """Every authenticated user may see the directory of public establishments."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self

    def stock_visible_to(self, user) -> EstablishmentQuerySet:
        """Establishments whose stock ``user`` may read (:func:`stock.scopes.establishment_scope`):
        all for a national analyst, those of its regions or provinces for a regional analyst, own
        ones for establishment users, none for industry users (they see national aggregates only)."""
        return scopes.within(self, user)


class Establishment(models.Model):
    """A public health establishment (hospital, health centre) or a warehouse that stocks medicines."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=8, choices=EstablishmentCategory.choices)
    level = models.CharField(max_length=10, choices=EstablishmentLevel.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="establishments")
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="establishments", null=True, blank=True
    )
    commune = models.CharField(max_length=120, blank=True)
    supplier = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supplied",
        help_text=_("Établissement ou dépôt qui réapprovisionne celui-ci."),
    )
    is_active = models.BooleanField(default=True)
    source = models.CharField(
        max_length=80,
        blank=True,
        help_text=_("D'où vient la ligne quand ce n'est pas des listes de référence (un historique chargé)."),
    )
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="establishments")

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["region", "level"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.category})"
