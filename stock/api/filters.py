"""The API's filter backends: django-filter's, built only when the request may filter, and the
ordering, which refuses a field it does not order by."""

from __future__ import annotations

from django.core.exceptions import FieldError
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext as _
from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from stock import filtering

# Query parameters that never name a filter: the pagination's, the ordering's, the expansions and
# the format.
NOT_FILTERS = frozenset({"cursor", "page", "page_size", "ordering", "expand", "format"})
ORDERING_DESCRIPTION = (
    "Fields to order by, separated by commas; `-` before a field orders it descending. A field the list does "
    "not order by is refused (400, `error.fields.ordering` names the accepted ones)."
)


def filters_nothing_without_data(filterset_class: type[FilterSet]) -> bool:
    """Whether a filter set given no parameter leaves the queryset as it is: true unless the class
    builds itself or filters its own way (``DeclarationFilterSet`` lists the current versions unless
    asked otherwise), and none of its filters is required."""
    custom = any(
        getattr(filterset_class, name) is not getattr(FilterSet, name) for name in ("__init__", "filter_queryset", "qs")
    )
    return not custom and not any(item.extra.get("required") for item in filterset_class.base_filters.values())


class QueryFilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request has no query parameter but those of
    :data:`NOT_FILTERS` and the filter set would filter nothing without one: a filter set
    deep-copies its filters and its form's fields whenever it is built (2 ms for a risk score's
    detail, most of its cost beside the query). A filter set that can apply some of its filters
    without being built (``filtered_by_codes``, the per-position lists' codes) does so when they are
    all the request asks. The filter set of a view that lists only ``filterset_fields`` is the
    project's (``stock.filtering``), as every other: a value it cannot read is a 400."""

    filterset_base = filtering.FilterSet

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        asked = request.query_params.copy()
        for name in NOT_FILTERS.intersection(asked):
            del asked[name]
        if filters_nothing_without_data(filterset_class):
            if not asked:
                return queryset
            direct = getattr(filterset_class, "filtered_by_codes", None)
            filtered = None if direct is None else direct(queryset, asked)
            if filtered is not None:
                return filtered
        return super().filter_queryset(request, queryset, view)


class OrderingFilter(filters.OrderingFilter):
    """REST framework's ``ordering``, refusing (400, naming the accepted fields) a field the list
    does not order by: REST framework dropped it, and the list came in its default order as if it
    had been ordered as asked. Empty terms (``ordering=code,``) are left out, as before.

    A list without ``ordering_fields`` orders by its serializer's fields, as REST framework's
    default, but only those the database can order by: a field read through a method
    (``medicine.__str__``) or worked out in Python (a commitment's ``status``) is no column, and the
    database was asked to order by it (a 500)."""

    def get_valid_fields(self, queryset, view, context=None):
        fields = super().get_valid_fields(queryset, view, context or {})
        return [(name, label) for name, label in fields if _orders_by(queryset, name)]

    def remove_invalid_fields(self, queryset, fields, view, request):
        kept = super().remove_invalid_fields(queryset, fields, view, request)
        refused = ", ".join(term for term in fields if term and term not in kept)
        if not refused:
            return kept
        names = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
        if names:
            message = _(
                "Tri refusé : « %(value)s » ; champs possibles : %(expected)s, chacun précédé de « - » pour "
                "l'ordre décroissant."
            ) % {"value": refused, "expected": ", ".join(names)}
        else:
            message = _("Tri refusé : « %(value)s » ; cette liste a un ordre fixe.") % {"value": refused}
        raise ValidationError({self.ordering_param: [message]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["description"] = ORDERING_DESCRIPTION
        return parameters


def _orders_by(queryset, name: str) -> bool:
    """Whether ``name`` is an annotation of ``queryset`` or a path of its model's fields (Django
    checks only a path's first name when the ordering is set, and fails on the rest in the query)."""
    if name in queryset.query.annotations:
        return True
    try:
        queryset.query.names_to_path(name.split(LOOKUP_SEP), queryset.model._meta, fail_on_missing=True)
    except FieldError:
        return False
    return True
