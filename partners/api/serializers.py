"""API representations of the partners app. Writes that carry a rule are handed to services."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from partners.choices import DeclarationStatus, OrganizationKind, SupplyKind
from partners.models import (
    Agreement,
    Commitment,
    CommitmentProgress,
    Company,
    Membership,
    Organization,
    ProductSupplier,
    Representation,
    Signatory,
    SupplyDeclaration,
    SupplyLine,
)
from partners.models.registry import MEMBERSHIP_BODY_KINDS, membership_body_refusal
from partners.services.declarations import DeclarationData, SupplyLineData
from stock.api.serializers import ImportErrorSerializer, TableFileField
from stock.filtering import ID_MAX, ID_MIN
from stock.models import Medicine
from stock.uploads.limits import quoted


def _refuse_reversed_dates(attrs: dict, instance, *, start: str, end: str) -> None:
    """Name ``end`` when it comes before ``start`` (on a partial update, the missing one is read from
    the instance), so the database's date-order constraint never answers instead with a bare 409."""
    first, last = attrs.get(start, getattr(instance, start, None)), attrs.get(end, getattr(instance, end, None))
    if first is not None and last is not None and last < first:
        raise serializers.ValidationError({end: [_("La date de fin précède la date de début.")]})


# The bounds of the declarations' quantity columns (BigIntegerField).
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


def whole_units(**kwargs) -> serializers.IntegerField:
    """A quantity in whole units, within the column's bounds. REST framework maps a BigIntegerField
    to its own BigIntegerField, whose refusal ("A valid biginteger is required.") has no French or
    Arabic translation: the IntegerField's is translated ("Un nombre entier valide est requis.").
    Negative values pass here and are refused by the service's rule, in its words."""
    return serializers.IntegerField(min_value=BIGINT_MIN, max_value=BIGINT_MAX, **kwargs)


class RepresentationSerializer(serializers.ModelSerializer):
    person = serializers.CharField(source="person.full_name", read_only=True)

    class Meta:
        model = Representation
        fields = ["person", "role", "from_year", "to_year"]


class OrganizationSerializer(serializers.ModelSerializer):
    successor = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    representatives = RepresentationSerializer(many=True, read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "acronym",
            "kind",
            "description",
            "country",
            "founded_on",
            "dissolved_on",
            "predecessor",
            "successor",
            "parent",
            "source",
            "representatives",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["successor"] = getattr(getattr(instance, "successor", None), "pk", None)
        return data

    def validate(self, attrs):
        _refuse_reversed_dates(attrs, self.instance, start="founded_on", end="dissolved_on")
        if self.instance is not None and attrs.get("predecessor") == self.instance:
            raise serializers.ValidationError({"predecessor": [_("Une organisation ne se succède pas à elle-même.")]})
        if self.instance is not None and "kind" in attrs and attrs["kind"] != self.instance.kind:
            self._refuse_kind_change(attrs["kind"])
        return attrs

    def _refuse_kind_change(self, kind: str) -> None:
        """A company stays a company, and a body with members stays one that may have them: a changed
        kind would otherwise turn memberships recorded for one kind of body into another's (a
        company made an association would cover the companies recorded as its members)."""
        organization = self.instance
        if kind != OrganizationKind.COMPANY and hasattr(organization, "company"):
            message = _("Cette organisation est une entreprise enregistrée : son type reste « Entreprise ».")
            raise serializers.ValidationError({"kind": [message]})
        if kind not in MEMBERSHIP_BODY_KINDS and organization.members.exists():
            message = _(
                "Cette organisation a des membres : son type reste celui d'une association ou d'une fédération."
            )
            raise serializers.ValidationError({"kind": [message]})


class CompanySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Company
        fields = ["id", "organization", "name", "registration_number", "is_local_manufacturer", "contact_email"]


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "member", "body", "started_on", "ended_on"]

    def validate(self, attrs):
        member = attrs.get("member", getattr(self.instance, "member", None))
        body = attrs.get("body", getattr(self.instance, "body", None))
        if member is not None and member == body:
            raise serializers.ValidationError({"body": [_("Une organisation n'est pas membre d'elle-même.")]})
        # An association or a federation only (``Membership.clean``): a membership is what lets the
        # body's users declare for, and read the confidential declarations of, the member company.
        if refusal := membership_body_refusal(body):
            raise serializers.ValidationError({"body": [refusal]})
        _refuse_reversed_dates(attrs, self.instance, start="started_on", end="ended_on")
        return attrs


class ProductSupplierSerializer(serializers.ModelSerializer):
    medicine = serializers.IntegerField(source="product.medicine_id", read_only=True)

    class Meta:
        model = ProductSupplier
        fields = ["id", "company", "product", "medicine", "role"]


class SignatorySerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    representative_name = serializers.CharField(
        source="representative.full_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Signatory
        fields = ["organization", "organization_name", "representative", "representative_name"]


class AgreementSerializer(serializers.ModelSerializer):
    signatories = SignatorySerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "kind", "title", "signed_on", "place", "domains", "summary", "source", "signatories"]


class CommitmentSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    # Both empty until a first progress is reported.
    latest_value = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, allow_null=True)
    latest_reported_on = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "agreement",
            "party",
            "category",
            "description",
            "indicator",
            "unit",
            "baseline",
            "target",
            "start_date",
            "due_date",
            "latest_value",
            "latest_reported_on",
            "status",
        ]

    def validate(self, attrs):
        _refuse_reversed_dates(attrs, self.instance, start="start_date", end="due_date")
        return attrs


class CommitmentProgressSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommitmentProgress
        fields = ["id", "commitment", "reported_on", "value", "comment", "reported_by", "created_at"]
        read_only_fields = ["reported_by", "created_at"]


class MonthField(serializers.DateField):
    """A month as ``YYYY-MM`` (or any date of the month); returned as its first day."""

    def to_internal_value(self, value):
        if isinstance(value, str) and len(value) == 7:
            value = f"{value}-01"
        month = super().to_internal_value(value)
        if month.day != 1:
            raise serializers.ValidationError(_("Indiquez un mois (AAAA-MM) ou le premier jour du mois."))
        return month


class SupplyLineSerializer(serializers.ModelSerializer):
    quantity = whole_units()
    kind = serializers.ChoiceField(choices=SupplyKind.choices)

    class Meta:
        model = SupplyLine
        fields = ["expected_on", "quantity", "kind"]


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "integer"}],
        "description": "Written: the medicine's code (`MED-...`), or its id. Read: its id (its code is "
        "`medicine_code`).",
    }
)
class MedicineField(serializers.RelatedField):
    """A medicine named by its code, as everywhere in the API (docs/stock-api.md), or by its id, which
    the declarations API took first (a number, or a string of digits as a form sends it). Answered as
    its id, as before; the serializer answers the code beside it (``medicine_code``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Medicine.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        queryset = self.get_queryset()
        medicine = None
        if isinstance(data, int) and not isinstance(data, bool):
            medicine = queryset.filter(pk=data).first()
        elif isinstance(data, str) and (value := data.strip()):
            by_id = value.isascii() and value.isdigit()  # no code is only digits (``MED-...``)
            medicine = queryset.filter(**{"pk": int(value)} if by_id else {"code": value}).first()
        if medicine is None:
            raise serializers.ValidationError(
                _("Médicament « %(value)s » inconnu : indiquez son code (ou son identifiant).")
                % {"value": quoted(data)}
            )
        return medicine

    def to_representation(self, value):
        return value.pk


class DeclarationSerializer(serializers.ModelSerializer):
    """Read: one version with its lines. Write: a new version of its period (see the service)."""

    company = serializers.PrimaryKeyRelatedField(queryset=Company.objects.all())
    medicine = MedicineField()
    medicine_code = serializers.CharField(source="medicine.code", read_only=True)
    month = MonthField()
    stock_on_hand = whole_units()
    monthly_sales = whole_units()
    supply_lines = SupplyLineSerializer(many=True, required=False)
    # Read: any status; written: draft or submitted only (``validate_status``).
    status = serializers.ChoiceField(choices=DeclarationStatus.choices, default=DeclarationStatus.SUBMITTED)
    company_name = serializers.CharField(source="company.organization.name", read_only=True)
    medicine_label = serializers.CharField(source="medicine.__str__", read_only=True)

    class Meta:
        model = SupplyDeclaration
        fields = [
            "id",
            "company",
            "company_name",
            "medicine",
            "medicine_code",
            "medicine_label",
            "month",
            "version",
            "is_current",
            "status",
            "stock_on_hand",
            "monthly_sales",
            "disruption",
            "disruption_cause",
            "disruption_start",
            "disruption_end",
            "api_origin_country",
            "supply_lines",
            "review_comment",
            "reviewed_at",
            "submitted_by",
            "created_at",
        ]
        read_only_fields = ["version", "is_current", "review_comment", "reviewed_at", "submitted_by", "created_at"]
        validators = []  # a period is re-submitted on purpose: the service adds a version

    def validate_status(self, status: str) -> str:
        if status not in (DeclarationStatus.DRAFT, DeclarationStatus.SUBMITTED):
            raise serializers.ValidationError(_("Une déclaration est enregistrée en brouillon ou soumise."))
        return status

    def validate_company(self, company: Company) -> Company:
        user = self.context["request"].user
        if not Company.objects.covered_by(user).filter(pk=company.pk).exists():
            raise serializers.ValidationError(_("Vous ne pouvez pas déclarer pour cette entreprise."))
        return company

    def to_declaration_data(self) -> DeclarationData:
        values = dict(self.validated_data)
        lines = values.pop("supply_lines", [])
        values.pop("status", None)
        return DeclarationData(**values, supply_lines=tuple(SupplyLineData(**line) for line in lines))


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ComplianceQuerySerializer(serializers.Serializer):
    month = MonthField()
    # An id the database can hold (a larger one was a 500 on SQLite), as the list filters take.
    company = serializers.IntegerField(required=False, min_value=ID_MIN, max_value=ID_MAX)


class ComplianceRowSerializer(serializers.Serializer):
    declaration_id = serializers.IntegerField()
    company_id = serializers.IntegerField()
    company = serializers.CharField()
    medicine_id = serializers.IntegerField()
    medicine = serializers.CharField()
    month = serializers.DateField()
    status = serializers.CharField()
    stock_on_hand = serializers.IntegerField()
    monthly_sales = serializers.IntegerField()
    required_stock = serializers.IntegerField()
    months_of_stock = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    gap = serializers.IntegerField()
    compliant = serializers.BooleanField()


class UploadSerializer(serializers.Serializer):
    file = TableFileField(help_text=gettext_lazy("Fichier .csv ou .xlsx suivant le modèle."))


class DeclarationImportSummarySerializer(serializers.Serializer):
    declarations = serializers.IntegerField(help_text="Declarations written (0 when the file was refused).")
    errors = serializers.IntegerField(help_text="Errors found in the file, all of them (`errors` lists the first).")
    errors_total = serializers.IntegerField(help_text="The same count as `errors`.")
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="E.g. a CSV read as Windows-1252, the template's example row skipped."
    )


@extend_schema_serializer(component_name="DeclarationImportJob")
class DeclarationImportJobSerializer(serializers.Serializer):
    """The answer of a declaration upload (201): the import job, shorter than the monthly reports'
    (``StockImportJob``); ``GET /api/v1/import-jobs/<id>/`` shows it whole."""

    id = serializers.IntegerField()
    status = serializers.CharField(help_text="`succeeded` (every row written) or `failed` (nothing written).")
    file_name = serializers.CharField()
    total_rows = serializers.IntegerField()
    rows_written = serializers.IntegerField()
    errors = ImportErrorSerializer(many=True)
    summary = DeclarationImportSummarySerializer()


class DeclarationUploadErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="`invalid_file`: the file was read and refused (every error in `rows`); `invalid`: the request "
        "itself (no file, a file too big or not a .csv or .xlsx of that format indeed), named in `fields`."
    )
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    rows = ImportErrorSerializer(
        many=True, required=False, help_text="Every error of the file as `{line, column, message}` (`invalid_file`)."
    )
    job = serializers.IntegerField(
        required=False,
        help_text="The failed import job keeping the report, `/api/v1/import-jobs/<id>/` (`invalid_file`).",
    )


@extend_schema_serializer(component_name="DeclarationUploadRefusal")
class DeclarationUploadRefusalSerializer(serializers.Serializer):
    """The refusal of a declaration upload (400): the shared error shape with the file's errors."""

    error = DeclarationUploadErrorSerializer()


class LocalSourcingQuerySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    by = serializers.MultipleChoiceField(choices=["period", "year", "section"], required=False)

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("La fin précède le début.")]})
        return attrs
