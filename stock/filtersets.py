"""Filters of the stock lists, shared by the API viewsets and the pages.

Establishments, medicines and regions are named by their codes (``?establishment=CS-0001``), the
way hospital software and spreadsheets know them. ``atc`` matches a code prefix (``J01`` matches
every antibacterial).
"""

from __future__ import annotations

import datetime as dt
import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from stock.choices import (
    EstablishmentCategory,
    EstablishmentLevel,
    ImportKind,
    ImportStatus,
    MovementKind,
    MovementSource,
    TransferStatus,
    VenClass,
)
from stock.filtering import FilterSet
from stock.models import (
    ConsumptionMonth,
    Establishment,
    ImportJob,
    Medicine,
    MonthlyReport,
    Product,
    StockLevel,
    StockLot,
    StockMovement,
    Transfer,
)
from stock.reference.sections import sections_matching

# Live state of a position's stock: "stocked_out" and "in_stock" read the usable quantity (stock in
# lots past their expiry date is not stock), "expired" the positions holding such lots.
STOCK_STATUS_CHOICES = (
    ("stocked_out", _("En rupture")),
    ("in_stock", _("En stock")),
    ("expired", _("Stock périmé à retirer")),
)


# A month typed as AAAA-MM, or as its first day AAAA-MM-01.
MONTH_TEXT = re.compile(r"(\d{4})-(\d{2})(?:-(01))?")
MONTH_SCHEMA = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}(-01)?$",
    "example": "2026-03",
    "description": "Mois (AAAA-MM, ou son premier jour AAAA-MM-01)",
}


class FirstOfMonthField(forms.Field):
    """A month as AAAA-MM (the form the declarations and the compliance take), or as its first day
    AAAA-MM-01, as clients of the monthly lists sent it first; cleaned to its first day. Any other
    day, or text of another form, is refused with a message naming the form: a month filter
    compared with another day of the month matched nothing, silently."""

    default_error_messages = {"invalid": _("Indiquez un mois (AAAA-MM) ou le premier jour du mois.")}

    def to_python(self, value) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date) and value.day == 1:
            return value
        match = MONTH_TEXT.fullmatch(str(value).strip())
        try:
            if match is None:
                raise ValueError(value)
            return dt.date(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


@extend_schema_field(MONTH_SCHEMA)
class MonthFilter(django_filters.Filter):
    """A filter on a month column (dates that are first days of months) given as AAAA-MM; the schema
    announces text of that form (a date filter would be announced as a full date). A subclass keeps
    the announcement and may take another form field."""

    field_class = FirstOfMonthField


class PositionFilterSet(FilterSet):
    """Filters common to every per-position list: establishment, medicine, region, ATC prefix.

    The rows are filtered on their own ``establishment_id`` and ``medicine_id``: through a join on
    the code, PostgreSQL guessed how many rows matched, and for a page in id order it could walk a
    whole table backwards (3.5 s for a region's consumption nationally, docs/performance.md). One
    establishment or medicine is named by a scalar subquery on its unique code (the page then reads
    the index of that id, in the same query); the establishments of a region and the medicines of an
    ATC prefix are looked up first (one small query per filter used), so that the planner counts
    them. An unknown code matches nothing."""

    establishment = django_filters.CharFilter(method="by_code", label=_("Code établissement"))
    medicine = django_filters.CharFilter(method="by_code", label=_("Code médicament"))
    region = django_filters.CharFilter(method="by_code", label=_("Code région"))
    atc = django_filters.CharFilter(method="by_code", label=_("ATC"))

    def by_code(self, queryset, name, value):
        return CODE_FILTERS[name](queryset, value)

    @classmethod
    def filtered_by_codes(cls, queryset, params: QueryDict) -> QuerySet | None:
        """``queryset`` filtered by ``params`` when they name only the four codes above, each once,
        without building the filter set (a filter set deep-copies its filters and its form's fields
        whenever it is built: a tenth of an API page's time, docs/performance.md), as the filter set
        would filter it: a code stripped of surrounding spaces, an empty one filtering nothing. None
        for any other parameter, a code given twice or one the form would refuse (a NUL character):
        the filter set then answers, with its validation."""
        if not CODE_FILTERS.keys() >= params.keys():
            return None
        for name, values in params.lists():
            if len(values) != 1 or "\x00" in values[0]:
                return None
            if value := values[0].strip():
                queryset = CODE_FILTERS[name](queryset, value)
        return queryset


def _by_establishment(queryset, value: str):
    return queryset.filter(establishment_id=_id_of(Establishment, value))


def _by_region(queryset, value: str):
    return queryset.filter(establishment_id__in=_ids(Establishment.objects.filter(region__code=value)))


def _by_medicine(queryset, value: str):
    return queryset.filter(medicine_id=_id_of(Medicine, value))


def _by_atc(queryset, value: str):
    return queryset.filter(medicine_id__in=_ids(Medicine.objects.filter(atc_code__istartswith=value)))


CODE_FILTERS = {"establishment": _by_establishment, "medicine": _by_medicine, "region": _by_region, "atc": _by_atc}


def _ids(queryset) -> list[int]:
    return list(queryset.order_by().values_list("id", flat=True))


def _id_of(model, code: str) -> Subquery:
    """The id of the ``model`` row whose unique ``code`` is ``code``, as a scalar subquery (NULL, which
    equals nothing, for an unknown code)."""
    return Subquery(model.objects.filter(code=code).values("id")[:1])


class EstablishmentFilterSet(FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    province = django_filters.CharFilter(field_name="province__code")
    level = django_filters.ChoiceFilter(choices=EstablishmentLevel.choices)
    category = django_filters.ChoiceFilter(choices=EstablishmentCategory.choices)
    q = django_filters.CharFilter(method="search", label=_("Code ou nom"))

    class Meta:
        model = Establishment
        fields = ["region", "province", "level", "category", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class MedicineFilterSet(FilterSet):
    atc = django_filters.CharFilter(field_name="atc_code", lookup_expr="istartswith")
    ven_class = django_filters.ChoiceFilter(choices=VenClass.choices)
    section = django_filters.CharFilter(method="by_section", label=_("Section thérapeutique"))
    q = django_filters.CharFilter(method="search", label=_("DCI ou code"))

    class Meta:
        model = Medicine
        fields = ["atc", "ven_class", "is_essential", "on_who_eml", "section"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(inn__icontains=value) | Q(code__icontains=value))

    def by_section(self, queryset, name, value):
        """Part of the stored WHO name, or of the name the pages show for it (French, or Arabic on
        an Arabic page): the matching WHO names are found in the label table, so it stays one query."""
        return queryset.filter(
            Q(therapeutic_section__icontains=value) | Q(therapeutic_section__in=sections_matching(value))
        )


class ProductFilterSet(FilterSet):
    medicine = django_filters.CharFilter(field_name="medicine__code")
    atc = django_filters.CharFilter(field_name="medicine__atc_code", lookup_expr="istartswith")
    q = django_filters.CharFilter(method="search", label=_("Marque ou EAN"))

    class Meta:
        model = Product
        fields = ["medicine", "atc", "status", "origin", "is_originator"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(brand__icontains=value) | Q(ean__startswith=value))


class StockLevelFilterSet(PositionFilterSet):
    status = django_filters.ChoiceFilter(choices=STOCK_STATUS_CHOICES, method="by_status")
    in_transit = django_filters.BooleanFilter(method="by_in_transit", label=_("Avec quantité en transit"))

    class Meta:
        model = StockLevel
        fields = ["establishment", "medicine", "region", "atc", "status"]

    def by_status(self, queryset, name, value):
        """Reads the quantities of ``StockLevelQuerySet.with_usable``, annotated here when missing."""
        if "usable_quantity" not in queryset.query.annotations:
            queryset = queryset.with_usable()
        if value == "expired":
            return queryset.filter(expired_quantity__gt=0)
        return queryset.filter(usable_quantity=0) if value == "stocked_out" else queryset.filter(usable_quantity__gt=0)

    def by_in_transit(self, queryset, name, value):
        return queryset.filter(in_transit__gt=0) if value else queryset.filter(in_transit=0)


class StockLotFilterSet(PositionFilterSet):
    expires_before = django_filters.DateFilter(field_name="expiry_date", lookup_expr="lt")
    expires_after = django_filters.DateFilter(field_name="expiry_date", lookup_expr="gte")
    lot_number = django_filters.CharFilter()
    non_empty = django_filters.BooleanFilter(method="by_non_empty", label=_("Lots non vides"))

    class Meta:
        model = StockLot
        fields = ["establishment", "medicine", "region", "atc", "lot_number"]

    def by_non_empty(self, queryset, name, value):
        return queryset.filter(quantity__gt=0) if value else queryset.filter(quantity=0)


class StockMovementFilterSet(PositionFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=MovementKind.choices)
    source = django_filters.ChoiceFilter(choices=MovementSource.choices)
    date_from = django_filters.DateFilter(field_name="business_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="business_date", lookup_expr="lte")

    class Meta:
        model = StockMovement
        fields = ["establishment", "medicine", "region", "atc", "kind", "source"]


class TransferFilterSet(FilterSet):
    establishment = django_filters.CharFilter(method="by_establishment", label=_("Source ou destination"))
    source = django_filters.CharFilter(field_name="source__code")
    destination = django_filters.CharFilter(field_name="destination__code")
    medicine = django_filters.CharFilter(field_name="medicine__code")
    status = django_filters.ChoiceFilter(choices=TransferStatus.choices)
    date_from = django_filters.DateFilter(field_name="shipped_on", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="shipped_on", lookup_expr="lte")

    class Meta:
        model = Transfer
        fields = ["establishment", "source", "destination", "medicine", "status"]

    def by_establishment(self, queryset, name, value):
        return queryset.filter(Q(source__code=value) | Q(destination__code=value))


class MonthlyReportFilterSet(PositionFilterSet):
    month = MonthFilter(field_name="month", label=_("Mois (AAAA-MM)"))
    month_from = MonthFilter(field_name="month", lookup_expr="gte", label=_("Mois (AAAA-MM)"))
    month_to = MonthFilter(field_name="month", lookup_expr="lte", label=_("Mois (AAAA-MM)"))
    discrepancy = django_filters.BooleanFilter(method="by_discrepancy", label=_("Rapports déséquilibrés"))

    class Meta:
        model = MonthlyReport
        fields = ["establishment", "medicine", "region", "atc", "month"]

    def by_discrepancy(self, queryset, name, value):
        return queryset.exclude(discrepancy=0) if value else queryset.filter(discrepancy=0)


class ConsumptionFilterSet(PositionFilterSet):
    month = MonthFilter(field_name="month", label=_("Mois (AAAA-MM)"))
    month_from = MonthFilter(field_name="month", lookup_expr="gte", label=_("Mois (AAAA-MM)"))
    month_to = MonthFilter(field_name="month", lookup_expr="lte", label=_("Mois (AAAA-MM)"))

    class Meta:
        model = ConsumptionMonth
        fields = ["establishment", "medicine", "region", "atc", "month", "reported"]


class ImportJobFilterSet(FilterSet):
    kind = django_filters.ChoiceFilter(choices=ImportKind.choices)
    status = django_filters.ChoiceFilter(choices=ImportStatus.choices)

    class Meta:
        model = ImportJob
        fields = ["kind", "status"]
