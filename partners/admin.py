from django.contrib import admin

from partners import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    fk_name = "member"
    extra = 0


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "acronym", "kind", "predecessor", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "acronym")
    inlines = [MembershipInline]
    filter_horizontal = ("users",)


@admin.register(models.Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("organization", "is_local_manufacturer", "registration_number")
    search_fields = ("organization__name",)


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("full_name", "title")


@admin.register(models.Representation)
class RepresentationAdmin(admin.ModelAdmin):
    list_display = ("person", "organization", "role", "from_year", "to_year")


@admin.register(models.ProductSupplier)
class ProductSupplierAdmin(admin.ModelAdmin):
    list_display = ("company", "product", "role")
    raw_id_fields = ("product",)


class SignatoryInline(admin.TabularInline):
    model = models.Signatory
    extra = 0


class CommitmentInline(admin.StackedInline):
    model = models.Commitment
    extra = 0


@admin.register(models.Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "signed_on", "place")
    inlines = [SignatoryInline, CommitmentInline]


@admin.register(models.CommitmentProgress)
class CommitmentProgressAdmin(admin.ModelAdmin):
    list_display = ("commitment", "reported_on", "value", "reported_by")


class SupplyLineInline(admin.TabularInline):
    model = models.SupplyLine
    extra = 0


@admin.register(models.SupplyDeclaration)
class SupplyDeclarationAdmin(admin.ModelAdmin):
    list_display = ("company", "medicine", "month", "version", "is_current", "status", "disruption")
    list_filter = ("status", "disruption", "is_current")
    raw_id_fields = ("medicine", "company", "import_job")
    inlines = [SupplyLineInline]
