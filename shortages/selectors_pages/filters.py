"""Filters of the list pages: the API's FilterSets, with what a page form needs on top.

A page subclass keeps every API filter's behaviour; it only names medicines and establishments by
code (a select of thousands of rows is no use in a form), adds a free-text medicine search and
drops filters that make no sense on that page.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shortages.choices import RiskLevel, StockStatus
from shortages.filtersets import AlertFilterSet, ShortageFilterSet
from stock.filtersets import STOCK_STATUS_CHOICES, MedicineFilterSet, StockLevelFilterSet
from stock.models import Region
from stock.templatetags.ui import place_name


class _PlaceFilterField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return place_name(obj)


class PlaceChoiceFilter(django_filters.ModelChoiceFilter):
    """A region or province to filter by, named in the page's language (Arabic names on Arabic pages)."""

    field_class = _PlaceFilterField


class PageFilterMixin:
    """French labels for filters the API declares without one, and form widgets fit for a page:
    checkboxes for multiple choices, "Tous" for no choice (a yes/no filter's select already offers
    it: ``stock.filtering.YesNoField``)."""

    page_labels: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.page_labels.items():
            if name in self.filters:
                self.filters[name].label = label
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.MultipleChoiceFilter):
                filter_.extra["widget"] = forms.CheckboxSelectMultiple(attrs={"class": "choice-list"})
            elif isinstance(filter_, django_filters.ChoiceFilter) and "empty_label" not in filter_.extra:
                filter_.extra["empty_label"] = _("Tous")  # rather than Django's "---------"
            # A form field built earlier from the API's filter (the schema builds them) was copied
            # with it: drop it so that the field is built again with the page's label and widget.
            filter_.__dict__.pop("_field", None)


def _medicine_search(queryset, name, value):
    return queryset.filter(Q(medicine__inn__icontains=value) | Q(medicine__code__iexact=value)) if value else queryset


class AlertPageFilterSet(PageFilterMixin, AlertFilterSet):
    page_labels = {"status": _("Statut"), "level": _("Niveau"), "kind": _("Type"), "national": _("Alertes nationales")}

    q = django_filters.CharFilter(label=_("Médicament (DCI ou code)"), method=_medicine_search)
    medicine = None
    establishment = django_filters.CharFilter(field_name="establishment__code", label=_("Code établissement"))
    region = PlaceChoiceFilter(
        label=_("Région"), queryset=Region.objects.order_by("code"), method="filter_region", empty_label=_("Toutes")
    )
    assignee = None
    mine = django_filters.BooleanFilter(label=_("Assignées à moi"), method="filter_mine")
    therapeutic_section = None

    class Meta(AlertFilterSet.Meta):
        fields = ["q", "status", "level", "kind", "region", "establishment", "national", "mine"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(Q(region=value) | Q(establishment__region=value)) if value else queryset

    def filter_mine(self, queryset, name, value):
        return queryset.filter(assignee=self.request.user) if value and self.request else queryset


class ShortagePageFilterSet(PageFilterMixin, ShortageFilterSet):
    page_labels = {"status": _("Statut"), "cause": _("Cause"), "scope": _("Portée")}

    q = django_filters.CharFilter(label=_("Médicament (DCI ou code)"), method=_medicine_search)
    medicine = None
    establishment = None
    region = PlaceChoiceFilter(label=_("Région"), queryset=Region.objects.order_by("code"), empty_label=_("Toutes"))

    class Meta(ShortageFilterSet.Meta):
        fields = ["q", "status", "cause", "scope", "region"]


class MedicinePageFilterSet(PageFilterMixin, MedicineFilterSet):
    page_labels = {
        "atc": _("Code ATC (début)"),
        "ven_class": _("Classe VEN"),
        "is_essential": _("Liste nationale"),
        "on_who_eml": _("Liste OMS"),
        "section": _("Section thérapeutique"),
    }

    level = django_filters.ChoiceFilter(
        label=_("Niveau de risque"), choices=RiskLevel.choices, method="filter_level", empty_label=_("Tous")
    )

    def filter_level(self, queryset, name, value):
        """``risk_level`` is annotated by the page selector from the latest national score."""
        return queryset.filter(risk_level=value) if value else queryset


class StockPageFilterSet(PageFilterMixin, StockLevelFilterSet):
    page_labels = {"medicine": _("Code médicament"), "atc": _("Code ATC (début)"), "in_transit": _("En transit")}

    q = django_filters.CharFilter(label=_("Médicament (DCI ou code)"), method=_medicine_search)
    status = django_filters.ChoiceFilter(
        label=_("Stock physique"), choices=STOCK_STATUS_CHOICES, method="by_status", empty_label=_("Tous")
    )
    establishment = None
    region = None
    stock_status = django_filters.ChoiceFilter(
        label=_("État au dernier calcul"), choices=StockStatus.choices, field_name="stock_status", empty_label=_("Tous")
    )

    class Meta(StockLevelFilterSet.Meta):
        fields = ["q", "medicine", "atc", "status", "stock_status"]
