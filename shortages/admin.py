from django.contrib import admin

from shortages import models


@admin.register(models.ScoringRun)
class ScoringRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "as_of", "scope", "status", "positions", "medicines", "chunks_done", "chunks_total")
    list_filter = ("status", "scope")


@admin.register(models.RiskScore)
class RiskScoreAdmin(admin.ModelAdmin):
    list_display = ("as_of", "medicine", "establishment", "score", "level", "stock_status", "stockout_probability")
    list_filter = ("level", "stock_status")
    raw_id_fields = ("medicine", "establishment", "run")


class AlertEventInline(admin.TabularInline):
    model = models.AlertEvent
    extra = 0
    readonly_fields = ("kind", "actor", "run", "from_value", "to_value", "comment", "created_at")


@admin.register(models.Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("opened_at", "kind", "medicine", "establishment", "level", "status")
    list_filter = ("kind", "level", "status")
    raw_id_fields = ("medicine", "establishment", "assignee")
    inlines = [AlertEventInline]


@admin.register(models.Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "region", "therapeutic_section", "medicine", "min_level")
    raw_id_fields = ("medicine",)


class MitigationActionInline(admin.TabularInline):
    model = models.MitigationAction
    extra = 0
    raw_id_fields = ("alternative", "from_establishment", "to_establishment")


@admin.register(models.Shortage)
class ShortageAdmin(admin.ModelAdmin):
    list_display = ("medicine", "status", "cause", "scope", "started_on", "expected_end")
    list_filter = ("status", "cause", "scope")
    raw_id_fields = ("medicine", "establishment", "source_alert", "source_declaration")
    inlines = [MitigationActionInline]
