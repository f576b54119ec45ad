"""The audit trail, read-only, for analysts: ``/api/v1/audit/``."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers, viewsets

from stock import roles
from stock.api.pagination import LargeListCursorPagination
from stock.filtering import FilterSet
from stock.models import AuditEntry


class IsAnalyst(permissions.BasePermission):
    """Analysts and site administrators only."""

    message = _("Seuls les analystes lisent le journal.")

    def has_permission(self, request, view) -> bool:
        return roles.is_analyst(request.user)


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "actor", "action", "object_type", "object_id", "changes", "ip_address"]
        read_only_fields = fields


class AuditEntryFilter(FilterSet):
    actor = django_filters.CharFilter(field_name="actor__username")
    since = django_filters.IsoDateTimeFilter(method="filter_window")
    until = django_filters.IsoDateTimeFilter(method="filter_window")

    def filter_window(self, queryset, name, value):
        """Compared in UTC: PostgreSQL refuses offsets beyond ±16 h that ISO 8601 allows. An instant
        outside the years 1900-2200 is before or after every entry."""
        if not 1900 <= value.year <= 2200:
            before_everything = value.year < 1900
            keeps_all = before_everything if name == "since" else not before_everything
            return queryset if keeps_all else queryset.none()
        instant = value.astimezone(dt.UTC)
        return queryset.filter(**{"created_at__gte" if name == "since" else "created_at__lt": instant})


class AuditCursorPagination(LargeListCursorPagination):
    ordering = ("-created_at", "-id")


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Who wrote what and when, newest first; filter by actor (username), action, object type and
    id, and a time window (``since``/``until``, ISO 8601)."""

    serializer_class = AuditEntrySerializer
    permission_classes = [permissions.IsAuthenticated, IsAnalyst]
    filterset_class = AuditEntryFilter
    pagination_class = AuditCursorPagination
    ordering_fields: list[str] = []

    def get_queryset(self):
        return AuditEntry.objects.visible_to(self.request.user).select_related("actor")
