"""Filters shared by the API viewsets and the list pages."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from shortages.choices import AlertKind, AlertStatus, RiskLevel, ShortageCause, ShortageStatus, StockStatus
from shortages.models import Alert, MitigationAction, RiskScore, ScoringRun, Shortage
from stock.filtering import FilterSet, IdFilter


class RiskScoreFilterSet(FilterSet):
    national = django_filters.BooleanFilter(field_name="establishment", lookup_expr="isnull")
    level = django_filters.MultipleChoiceFilter(choices=RiskLevel.choices)
    stock_status = django_filters.MultipleChoiceFilter(choices=StockStatus.choices)
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    as_of = django_filters.DateFilter(
        method="filter_as_of", help_text="The scores that hold on this day (published by a succeeded run)."
    )

    class Meta:
        model = RiskScore
        fields = ["medicine", "establishment", "region", "run"]

    def filter_as_of(self, queryset, name, value):
        return queryset.published_on(value)


ALERT_SCOPES = (
    ("national", _("Nationale")),
    ("regional", _("Régionale")),
    ("establishment", _("Établissement")),
)


class AlertFilterSet(FilterSet):
    """``inbox=true``: the alerts the user is expected to act on (``Alert.objects.inbox_of``);
    ``scope``: national alerts, regional roll-ups or position alerts."""

    kind = django_filters.MultipleChoiceFilter(choices=AlertKind.choices)
    level = django_filters.MultipleChoiceFilter(choices=RiskLevel.choices)
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    scope = django_filters.ChoiceFilter(choices=ALERT_SCOPES, method="filter_scope", label=_("Portée"))
    national = django_filters.BooleanFilter(method="filter_national", label=_("Alertes nationales"))
    inbox = django_filters.BooleanFilter(method="filter_inbox", label=_("Ma boîte d'alertes"))
    therapeutic_section = django_filters.CharFilter(field_name="medicine__therapeutic_section")
    # By id, without a list of choices: a choice filter over the users would list every username in
    # the browsable API's form and tell an existing id from another by its 400.
    assignee = IdFilter(field_name="assignee_id", label=_("Assignée à (identifiant)"))

    class Meta:
        model = Alert
        fields = ["medicine", "establishment", "region", "assignee"]

    def filter_scope(self, queryset, name, value):
        scoped = {"national": queryset.national, "regional": queryset.regional, "establishment": queryset.positions}
        return scoped[value]() if value in scoped else queryset

    def filter_national(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.national() if value else queryset.exclude(establishment__isnull=True, region__isnull=True)

    def filter_inbox(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        return queryset.filter(pk__in=Alert.objects.inbox_of(self.request.user).values("pk"))


class ShortageFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ShortageStatus.choices)
    cause = django_filters.MultipleChoiceFilter(choices=ShortageCause.choices)

    class Meta:
        model = Shortage
        fields = ["medicine", "scope", "region", "establishment"]


class MitigationActionFilterSet(FilterSet):
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    owner = IdFilter(field_name="owner_id", label=_("Responsable (identifiant)"))  # as ``assignee``

    class Meta:
        model = MitigationAction
        fields = ["shortage", "kind", "status", "owner"]


class ScoringRunFilterSet(FilterSet):
    class Meta:
        model = ScoringRun
        fields = ["status", "as_of"]
