"""The API's filter backend: django-filter's, built only when the request may filter."""

from __future__ import annotations

from django_filters import FilterSet
from django_filters.rest_framework import DjangoFilterBackend

# Query parameters that never name a filter: the pagination's, the ordering's, the expansions and
# the format.
NOT_FILTERS = frozenset({"cursor", "page", "page_size", "ordering", "expand", "format"})


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
    all the request asks."""

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
