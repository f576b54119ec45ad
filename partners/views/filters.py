"""Filters of the partners list pages: the API's FilterSets with what a page form needs on top.

A page subclass keeps every API filter's behaviour and query-string name; it only gives French
labels, offers the companies whose declarations the user reads as a list instead of a numeric id,
and finds a medicine by its code or a part of its INN.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.filtersets import AgreementFilterSet, CommitmentFilterSet, DeclarationFilterSet, OrganizationFilterSet
from partners.models import Agreement, Company, Organization
from stock import roles


def _readable_companies(request):
    """The companies whose declarations the user reads (``SupplyDeclaration.objects.visible_to``):
    every company for an analyst, national or regional (a regional one declares for none), the
    covered ones for an industry user."""
    user = getattr(request, "user", None)
    if user is None:
        return Company.objects.none()
    companies = Company.objects.all() if roles.is_analyst(user) else Company.objects.covered_by(user)
    return companies.select_related("organization").order_by("organization__name")


class AnyChoiceMixin:
    """A select without a choice reads "Tous" rather than Django's "---------"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            if isinstance(filter_, django_filters.ChoiceFilter) and "empty_label" not in filter_.extra:
                filter_.extra["empty_label"] = _("Tous")
                filter_.__dict__.pop("_field", None)  # built earlier from the API's filter: build it again


class DeclarationPageFilterSet(AnyChoiceMixin, DeclarationFilterSet):
    disruption = django_filters.BooleanFilter(label=_("Perturbation déclarée"))
    company = django_filters.ModelChoiceFilter(
        label=_("Entreprise"), queryset=_readable_companies, empty_label=_("Toutes")
    )
    medicine = django_filters.CharFilter(label=_("Médicament (DCI ou code)"), method="filter_medicine")

    def filter_medicine(self, queryset, name, value):
        return queryset.filter(Q(medicine__inn__icontains=value) | Q(medicine__code__iexact=value))


class CommitmentPageFilterSet(AnyChoiceMixin, CommitmentFilterSet):
    agreement = django_filters.ModelChoiceFilter(
        label=_("Accord"), queryset=Agreement.objects.order_by("-signed_on", "title"), empty_label=_("Tous")
    )
    party = django_filters.ModelChoiceFilter(
        label=_("Partie"),
        queryset=Organization.objects.filter(commitments__isnull=False).distinct().order_by("name"),
        empty_label=_("Toutes"),
    )


class OrganizationPageFilterSet(AnyChoiceMixin, OrganizationFilterSet):
    pass


class AgreementPageFilterSet(AnyChoiceMixin, AgreementFilterSet):
    pass
