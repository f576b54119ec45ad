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
from stock.models import Medicine

#: The ids a filter takes: those a 64-bit id column can hold (``BigAutoField``). A larger number was
#: an OverflowError (a 500) on SQLite; it is now a 400 naming the filter, as any other bad value.
ID_MIN, ID_MAX = 1, 2**63 - 1


class IdField(forms.IntegerField):
    """A whole number in ``ID_MIN..ID_MAX``: the form field of the filters on an id."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


@extend_schema_field({"type": "integer", "minimum": ID_MIN, "maximum": ID_MAX})
class IdFilter(filters.NumberFilter):
    """A filter on an id (``company``, ``party``, ``member_of``...), refused with a 400 naming it
    when it is not a whole number or out of the ids' range."""

    field_class = IdField


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


class OrganizationFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Recherche"))
    kind = filters.ChoiceFilter(choices=OrganizationKind.choices, label=_("Type"))

    class Meta:
        model = Organization
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(acronym__icontains=value))


class CompanyFilterSet(filters.FilterSet):
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


class MembershipFilterSet(filters.FilterSet):
    current = filters.BooleanFilter(method="filter_current", label=_("En cours"))

    class Meta:
        model = Membership
        fields = ["member", "body", "current"]

    def filter_current(self, queryset, name, value):
        in_force = membership_in_force_q(timezone.localdate())
        return queryset.filter(in_force) if value else queryset.exclude(in_force)


class ProductSupplierFilterSet(filters.FilterSet):
    medicine = IdFilter(field_name="product__medicine_id", label=_("Médicament"))
    role = filters.ChoiceFilter(choices=SupplierRole.choices, label=_("Rôle"))

    class Meta:
        model = ProductSupplier
        fields = ["company", "product", "medicine", "role"]


class AgreementFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=AgreementKind.choices, label=_("Type"))
    year = filters.NumberFilter(
        field_name="signed_on", lookup_expr="year", label=_("Année"), min_value=1900, max_value=2100
    )
    party = IdFilter(field_name="signatories__organization", label=_("Signataire"), distinct=True)

    class Meta:
        model = Agreement
        fields = ["kind", "year", "party"]


class CommitmentFilterSet(filters.FilterSet):
    category = filters.ChoiceFilter(choices=CommitmentCategory.choices, label=_("Catégorie"))

    class Meta:
        model = Commitment
        fields = ["agreement", "party", "category"]


class CommitmentProgressFilterSet(filters.FilterSet):
    class Meta:
        model = CommitmentProgress
        fields = ["commitment"]


class DeclarationFilterSet(filters.FilterSet):
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
