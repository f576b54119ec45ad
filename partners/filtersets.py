"""One FilterSet per listed model, shared by the API viewsets and the pages."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from partners.choices import (
    AgreementKind,
    CommitmentCategory,
    DeclarationStatus,
    OrganizationKind,
    SupplierRole,
)
from partners.forms import MonthField
from partners.models import (
    Agreement,
    Commitment,
    CommitmentProgress,
    Company,
    Membership,
    Organization,
    ProductSupplier,
    SupplyDeclaration,
)
from partners.models.registry import membership_in_force_q
from stock.filtering import FilterSet, IdField, IdFilter
from stock.models import Medicine


class MedicineRefField(forms.CharField):
    """A medicine's code, or its id as digits: the digits must be an id (``ID_MIN..ID_MAX``)."""

    def clean(self, value):
        value = super().clean(value)
        digits = value.strip() if value else ""
        if digits.isascii() and digits.isdigit():
            IdField(required=False).clean(digits)
        return value


class MedicineRefFilter(filters.CharFilter):
    field_class = MedicineRefField


@extend_schema_field({"type": "string", "example": "2026-03", "description": "Mois (AAAA-MM)"})
class MonthFilter(filters.Filter):
    """A month given as YYYY-MM (or a date of that month), matched on its first day. A month that is
    not one, or outside the platform's months, is an error on the field (shown by the page, a 400
    from the API), never a silently empty list. The schema says so: its form field is a date field,
    which the schema would announce as a full date."""

    field_class = MonthField


class OrganizationFilterSet(FilterSet):
    q = filters.CharFilter(method="search", label=_("Recherche"))
    kind = filters.ChoiceFilter(choices=OrganizationKind.choices, label=_("Type"))

    class Meta:
        model = Organization
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(acronym__icontains=value))


class CompanyFilterSet(FilterSet):
    q = filters.CharFilter(method="search", label=_("Recherche"))
    member_of = IdFilter(method="filter_member_of", label=_("Membre de (organisation)"))

    class Meta:
        model = Company
        fields = ["q", "is_local_manufacturer", "member_of"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(organization__name__icontains=value) | Q(registration_number__icontains=value))

    def filter_member_of(self, queryset, name, value):
        in_force = membership_in_force_q(timezone.localdate(), prefix="organization__memberships__")
        return queryset.filter(Q(organization__memberships__body=value) & in_force).distinct()


class MembershipFilterSet(FilterSet):
    current = filters.BooleanFilter(method="filter_current", label=_("En cours"))

    class Meta:
        model = Membership
        fields = ["member", "body", "current"]

    def filter_current(self, queryset, name, value):
        in_force = membership_in_force_q(timezone.localdate())
        return queryset.filter(in_force) if value else queryset.exclude(in_force)


class ProductSupplierFilterSet(FilterSet):
    medicine = IdFilter(field_name="product__medicine_id", label=_("Médicament"))
    role = filters.ChoiceFilter(choices=SupplierRole.choices, label=_("Rôle"))

    class Meta:
        model = ProductSupplier
        fields = ["company", "product", "medicine", "role"]


class AgreementFilterSet(FilterSet):
    kind = filters.ChoiceFilter(choices=AgreementKind.choices, label=_("Type"))
    year = filters.NumberFilter(
        field_name="signed_on", lookup_expr="year", label=_("Année"), min_value=1900, max_value=2100
    )
    party = IdFilter(field_name="signatories__organization", label=_("Signataire"), distinct=True)

    class Meta:
        model = Agreement
        fields = ["kind", "year", "party"]


class CommitmentFilterSet(FilterSet):
    category = filters.ChoiceFilter(choices=CommitmentCategory.choices, label=_("Catégorie"))

    class Meta:
        model = Commitment
        fields = ["agreement", "party", "category"]


class CommitmentProgressFilterSet(FilterSet):
    class Meta:
        model = CommitmentProgress
        fields = ["commitment"]


class DeclarationFilterSet(FilterSet):
    month = MonthFilter(field_name="month", label=_("Mois (AAAA-MM)"))
    status = filters.ChoiceFilter(choices=DeclarationStatus.choices, label=_("Statut"))
    current = filters.BooleanFilter(
        field_name="is_current",
        label=_("Version en vigueur"),
        widget=forms.Select(choices=[("", _("Toutes")), ("true", _("Oui")), ("false", _("Non"))]),
    )
    company = IdFilter(field_name="company_id", label=_("Entreprise"))
    medicine = MedicineRefFilter(method="filter_medicine", label=_("Médicament"))

    class Meta:
        model = SupplyDeclaration
        fields = ["month", "status", "disruption", "current", "company", "medicine"]

    def filter_medicine(self, queryset, name, value):
        """A medicine by its code, as the rest of the API names it, or by its id (digits: no code is
        only digits). The code is read by a scalar subquery inside the list's own query (no join, no
        query of its own); an unknown one matches nothing."""
        value = value.strip()
        if value.isascii() and value.isdigit():
            return queryset.filter(medicine_id=int(value))
        return queryset.filter(medicine_id=Subquery(Medicine.objects.filter(code=value).values("id")[:1]))

    def __init__(self, data=None, *args, **kwargs):
        # Current versions unless asked otherwise; ``current=`` (empty) lists every version.
        if data is not None and "current" not in data:
            data = data.copy()
            data["current"] = "true"
        super().__init__(data, *args, **kwargs)
