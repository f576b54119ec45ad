"""Filters shared by the API viewsets and the list pages."""

from __future__ import annotations

import django_filters

from shortages.choices import AlertKind, AlertStatus, RiskLevel, ShortageCause, ShortageStatus, StockStatus
from shortages.models import Alert, MitigationAction, RiskScore, ScoringRun, Shortage


class RiskScoreFilterSet(django_filters.FilterSet):
    national = django_filters.BooleanFilter(field_name="establishment", lookup_expr="isnull")
    level = django_filters.MultipleChoiceFilter(choices=RiskLevel.choices)
    stock_status = django_filters.MultipleChoiceFilter(choices=StockStatus.choices)
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = RiskScore
        fields = ["as_of", "medicine", "establishment", "region", "run"]


class AlertFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=AlertKind.choices)
    level = django_filters.MultipleChoiceFilter(choices=RiskLevel.choices)
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    national = django_filters.BooleanFilter(field_name="establishment", lookup_expr="isnull")
    therapeutic_section = django_filters.CharFilter(field_name="medicine__therapeutic_section")

    class Meta:
        model = Alert
        fields = ["medicine", "establishment", "region", "assignee"]


class ShortageFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ShortageStatus.choices)
    cause = django_filters.MultipleChoiceFilter(choices=ShortageCause.choices)

    class Meta:
        model = Shortage
        fields = ["medicine", "scope", "region", "establishment"]


class MitigationActionFilterSet(django_filters.FilterSet):
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = MitigationAction
        fields = ["shortage", "kind", "status", "owner"]


class ScoringRunFilterSet(django_filters.FilterSet):
    class Meta:
        model = ScoringRun
        fields = ["status", "as_of"]
