from django.contrib import admin
from django.contrib.auth import get_user_model

from stock import models, roles


class AnalystLinksAdmin(admin.ModelAdmin):
    """Links analysts to a region or province: a linked analyst sees and manages only the
    establishments of its regions and provinces (``stock.scopes``); an analyst linked to none is
    national."""

    filter_horizontal = ("analysts",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "analysts":
            kwargs["queryset"] = get_user_model().objects.filter(groups__name=roles.ANALYST).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(models.Region)
class RegionAdmin(AnalystLinksAdmin):
    list_display = ("code", "name_fr", "name_ar", "population")


@admin.register(models.Province)
class ProvinceAdmin(AnalystLinksAdmin):
    list_display = ("code", "name_fr", "kind", "region")
    list_filter = ("region",)
    search_fields = ("name_fr", "code")


@admin.register(models.Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "level", "region", "province")
    list_filter = ("level", "category", "region")
    search_fields = ("code", "name", "commune")
    raw_id_fields = ("supplier", "province")
    filter_horizontal = ("users",)


@admin.register(models.Medicine)
class MedicineAdmin(admin.ModelAdmin):
    list_display = ("code", "inn", "strength", "dosage_form", "atc_code", "ven_class", "is_essential")
    list_filter = ("is_essential", "ven_class", "therapeutic_section")
    search_fields = ("code", "inn", "atc_code")
    filter_horizontal = ("alternatives",)


@admin.register(models.Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("ean", "brand", "medicine", "public_price", "is_originator", "origin", "status")
    list_filter = ("is_originator", "origin", "status")
    search_fields = ("ean", "brand", "medicine__inn")
    raw_id_fields = ("medicine",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger and its summaries change only through services, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("business_date", "establishment", "medicine", "kind", "quantity", "balance_after", "source")
    list_filter = ("kind", "source")
    raw_id_fields = ("establishment", "medicine", "lot", "transfer")


@admin.register(models.StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ("establishment", "medicine", "quantity", "in_transit", "updated_at")
    raw_id_fields = ("establishment", "medicine")


@admin.register(models.StockLot)
class StockLotAdmin(ReadOnlyAdmin):
    list_display = ("establishment", "medicine", "lot_number", "expiry_date", "quantity")
    raw_id_fields = ("establishment", "medicine")


@admin.register(models.ConsumptionMonth)
class ConsumptionMonthAdmin(ReadOnlyAdmin):
    list_display = ("establishment", "medicine", "month", "issued", "stockout_days")
    raw_id_fields = ("establishment", "medicine")


@admin.register(models.MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdmin):
    list_display = ("establishment", "medicine", "month", "opening_balance", "closing_count", "discrepancy")
    raw_id_fields = ("establishment", "medicine", "import_job")


@admin.register(models.Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("source", "destination", "medicine", "quantity", "shipped_on", "status")
    raw_id_fields = ("source", "destination", "medicine")


@admin.register(models.ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "file_name", "status", "total_rows", "rows_written")
    list_filter = ("kind", "status")


@admin.register(models.ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at", "expires_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at", "expires_at", "credential_digest")
    raw_id_fields = ("user",)


@admin.register(models.AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
