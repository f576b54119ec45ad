"""Serializers of the stock API. Related rows are named by their codes; writes only parse input,
the rules live in ``stock.services``."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from stock.choices import LossReason
from stock.models import (
    ApiToken,
    ConsumptionMonth,
    Establishment,
    ImportJob,
    Medicine,
    MonthlyReport,
    Product,
    Region,
    StockLevel,
    StockLot,
    StockMovement,
    Transfer,
)
from stock.services.imports import import_job_progress_of
from stock.services.movements import DIRECT_KINDS, MAX_BULK_ITEMS
from stock.uploads.formats import upload_refusal

# Fields a browser's form post carries besides the data (the browsable API): never "unknown".
FORM_FIELDS = frozenset({"csrfmiddlewaretoken"})
UNKNOWN_FIELD = _("Champ inconnu : vérifiez son nom. Champs acceptés : %(fields)s.")
UNKNOWN_KIND = _(
    "Type de mouvement non accepté : %(kind)s. Types acceptés : %(kinds)s (les transferts passent par /transfers/)."
)
UNKNOWN_ESTABLISHMENT = _("Établissement inconnu : %s.")
UNKNOWN_MEDICINE = _("Médicament inconnu : %s.")
RECORDED_BY = "Username of the user who recorded it; null for generated rows."


def code_of() -> serializers.SlugRelatedField:
    """A related row named by its code."""
    return serializers.SlugRelatedField(slug_field="code", read_only=True)


class InputSerializer(serializers.Serializer):
    """A write's body: a field it does not know is refused, naming it. Ignored, a misspelt
    ``idempotency_key`` let a retry write the movement twice, and a misspelt ``lot_number`` put
    stock outside its lot."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            accepted = ", ".join(self.fields)
            unknown = {
                str(name): [UNKNOWN_FIELD % {"fields": accepted}]
                for name in data
                if name not in self.fields and name not in FORM_FIELDS
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class CodeField(serializers.SlugRelatedField):
    """A related row named by its code in a write; an unknown code is refused with the project's
    message (``Établissement inconnu : X.``), as in a movement, not REST framework's."""

    def __init__(self, *, unknown: str, **kwargs):
        self.unknown = unknown
        super().__init__(slug_field="code", **kwargs)

    def fail(self, key, **kwargs):
        if key == "does_not_exist":
            raise serializers.ValidationError(str(self.unknown) % kwargs.get("value", ""), code=key)
        super().fail(key, **kwargs)


class MovementKindField(serializers.ChoiceField):
    """A movement's kind; a refusal lists the kinds accepted (transfers have their own endpoint)."""

    def fail(self, key, **kwargs):
        if key == "invalid_choice":
            message = UNKNOWN_KIND % {"kind": kwargs.get("input", ""), "kinds": ", ".join(self.choices)}
            raise serializers.ValidationError(message, code=key)
        super().fail(key, **kwargs)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "iso_code", "name_fr", "name_ar", "population"]


class EstablishmentSerializer(serializers.ModelSerializer):
    region = code_of()
    province = code_of()
    supplier = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Establishment
        fields = ["id", "code", "name", "category", "level", "region", "province", "commune", "supplier", "is_active"]


class MedicineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Medicine
        fields = [
            "id",
            "code",
            "inn",
            "strength",
            "dosage_form",
            "atc_code",
            "therapeutic_section",
            "ven_class",
            "is_essential",
            "on_who_eml",
            "dispensing_unit",
            "lead_time_months",
            "review_period_months",
        ]


class ProductSerializer(serializers.ModelSerializer):
    medicine = code_of()

    class Meta:
        model = Product
        fields = [
            "id",
            "ean",
            "medicine",
            "brand",
            "presentation",
            "public_price",
            "hospital_price",
            "reimbursement_base",
            "reimbursement_rate",
            "is_originator",
            "origin",
            "status",
        ]


class StockLevelSerializer(serializers.ModelSerializer):
    """Units of one medicine held by one establishment, and units on their way to it."""

    # Rows of ``selectors.stock_level_rows``. The declared fields give the schema; rows are written
    # directly, as the field machinery is most of the cost of a large page.

    establishment = serializers.CharField(source="establishment_code", read_only=True)
    medicine = serializers.CharField(source="medicine_code", read_only=True)
    region = serializers.CharField(source="region_code", read_only=True)
    usable_quantity = serializers.IntegerField(
        read_only=True, help_text="Units that can be used: quantity minus the expired units."
    )
    expired_quantity = serializers.IntegerField(
        read_only=True, help_text="Units in lots past their expiry date (on or before today), to withdraw."
    )

    class Meta:
        model = StockLevel
        fields = [
            "id", "establishment", "medicine", "region", "quantity", "usable_quantity", "expired_quantity",
            "in_transit", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, row: Mapping) -> dict:
        """From a row of ``selectors.stock_level_rows``."""
        updated_at = self._updated_at.to_representation(row["updated_at"])
        return {
            "id": row["id"],
            "establishment": row["establishment_code"],
            "medicine": row["medicine_code"],
            "region": row["region_code"],
            "quantity": row["quantity"],
            "usable_quantity": row["usable_quantity"],
            "expired_quantity": row["expired_quantity"],
            "in_transit": row["in_transit"],
            "updated_at": updated_at,
        }

    @cached_property
    def _updated_at(self) -> serializers.DateTimeField:
        """REST framework's field, its time zone read once per request (the list's child serializer
        serves every row), not once per row."""
        return serializers.DateTimeField(default_timezone=timezone.get_current_timezone())


class StockLotSerializer(serializers.ModelSerializer):
    establishment = code_of()
    medicine = code_of()

    class Meta:
        model = StockLot
        fields = ["id", "establishment", "medicine", "lot_number", "expiry_date", "quantity"]


class MovementSerializer(serializers.ModelSerializer):
    establishment = code_of()
    medicine = code_of()
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=RECORDED_BY
    )
    # Blank for every kind but losses: say so in the schema.
    loss_reason = serializers.ChoiceField(choices=LossReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "establishment",
            "medicine",
            "kind",
            "business_date",
            "quantity",
            "balance_after",
            "lot_number",
            "expiry_date",
            "loss_reason",
            "reason",
            "source",
            "idempotency_key",
            "transfer",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class MovementInputSerializer(InputSerializer):
    """One movement to record. ``quantity`` is the amount moved (positive); for a ``count`` it is the
    quantity counted, and the movement records the difference from the stock on record."""

    establishment = serializers.CharField(max_length=20, help_text=_("Code de l'établissement."))
    medicine = serializers.CharField(max_length=32, help_text=_("Code du médicament."))
    kind = MovementKindField(choices=DIRECT_KINDS)
    business_date = serializers.DateField()
    quantity = serializers.IntegerField()
    lot_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)
    loss_reason = serializers.ChoiceField(choices=LossReason.choices, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    idempotency_key = serializers.CharField(max_length=100, required=False, allow_null=True, default=None)


class BulkMovementInputSerializer(InputSerializer):
    movements = MovementInputSerializer(many=True, allow_empty=False, max_length=MAX_BULK_ITEMS)


class BulkMovementResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    movements = MovementSerializer(many=True)


class TransferSerializer(serializers.ModelSerializer):
    source = code_of()
    destination = code_of()
    medicine = code_of()
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=RECORDED_BY
    )

    class Meta:
        model = Transfer
        fields = [
            "id",
            "source",
            "destination",
            "medicine",
            "quantity",
            "shipped_on",
            "received_on",
            "status",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class TransferShipSerializer(InputSerializer):
    source = CodeField(unknown=UNKNOWN_ESTABLISHMENT, queryset=Establishment.objects.all())
    destination = CodeField(unknown=UNKNOWN_ESTABLISHMENT, queryset=Establishment.objects.all())
    medicine = CodeField(unknown=UNKNOWN_MEDICINE, queryset=Medicine.objects.all())
    quantity = serializers.IntegerField(min_value=1)
    shipped_on = serializers.DateField()
    lot_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class TransferReceiveSerializer(InputSerializer):
    received_on = serializers.DateField()


class TransferCancelSerializer(InputSerializer):
    cancelled_on = serializers.DateField()


class MonthlyReportSerializer(serializers.ModelSerializer):
    establishment = code_of()
    medicine = code_of()
    has_discrepancy = serializers.BooleanField(read_only=True)

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "establishment",
            "medicine",
            "month",
            "opening_balance",
            "received",
            "issued",
            "losses",
            "adjustments",
            "closing_count",
            "stockout_days",
            "ordered",
            "discrepancy",
            "has_discrepancy",
            "import_job",
            "created_at",
        ]
        read_only_fields = fields


class TableFileField(serializers.FileField):
    """A file of rows to import: a ``.csv`` or ``.xlsx`` of that format indeed, at most
    ``UPLOAD_MAX_BYTES``, refused before it is stored or read with a message naming the field
    (``stock.uploads.formats``)."""

    def to_internal_value(self, data):
        file = super().to_internal_value(data)
        if refusal := upload_refusal(file, field=self.field_name):
            raise serializers.ValidationError(refusal, code="format")
        return file


class MonthlyReportUploadSerializer(serializers.Serializer):
    file = TableFileField(help_text=_("Fichier .csv ou .xlsx suivant le modèle."))
    replace = serializers.BooleanField(
        default=False, help_text=_("Remplacer les mois déjà déclarés au lieu de les refuser.")
    )


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True)
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()


@extend_schema_serializer(component_name="StockImportJob")
class ImportJobSerializer(serializers.ModelSerializer):
    processed_rows = serializers.SerializerMethodField()
    total_rows = serializers.SerializerMethodField()
    errors = ImportErrorSerializer(many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "file_name",
            "options",
            "total_rows",
            "processed_rows",
            "rows_written",
            "errors",
            "summary",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_processed_rows(self, job: ImportJob) -> int:
        return import_job_progress_of(job)[0]

    @extend_schema_field(OpenApiTypes.INT)
    def get_total_rows(self, job: ImportJob) -> int:
        return import_job_progress_of(job)[1]


class ConsumptionSerializer(serializers.ModelSerializer):
    establishment = code_of()
    medicine = code_of()

    class Meta:
        model = ConsumptionMonth
        fields = [
            "id",
            "establishment",
            "medicine",
            "month",
            "issued",
            "received",
            "losses",
            "stockout_days",
            "closing_balance",
            "reported",
        ]


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "expires_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at", "expires_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text=_("Valeur du jeton, affichée une seule fois."))

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
