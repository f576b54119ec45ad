"""The audit trail page, for analysts: who wrote what and when, newest first."""

from __future__ import annotations

import django_filters
from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from stock import roles, scopes
from stock.api.audit import AuditEntryFilter
from stock.filtering import filters_refused
from stock.models import AuditEntry
from stock.page_access import role_required

PAGE_SIZE = 50


class AuditPageFilter(AuditEntryFilter):
    """The API's filters with French labels and date-time pickers (the API takes ISO 8601, which is
    what a ``datetime-local`` field sends)."""

    actor = django_filters.CharFilter(field_name="actor__username", label=_("Utilisateur (identifiant)"))
    since = django_filters.IsoDateTimeFilter(
        method="filter_window", label=_("Depuis"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    until = django_filters.IsoDateTimeFilter(
        method="filter_window", label=_("Jusqu'à"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


@role_required(roles.ANALYST)
def audit_list(request):
    """Filtered like ``/api/v1/audit/``; pages go back in time with ``?before=<id>`` (constant cost
    whatever the length of the trail). The trail names every region's writes, so it is for national
    analysts (``AuditEntry.objects.visible_to``); a regional analyst, whose menu lists the page, got an
    empty table that read as "nothing was written": it now reads why, without the table. A refused
    filter is named above the filters, the others still apply (``stock.filtering.filters_refused``)."""
    if not scopes.is_national_analyst(request.user):
        return render(request, "stock/audit_list.html", {"national_only": True})
    entries = AuditEntry.objects.visible_to(request.user).select_related("actor")
    filterset = AuditPageFilter(request.GET or None, queryset=entries)
    entries = filterset.qs
    before = request.GET.get("before", "")
    if before.isdigit():
        entries = entries.filter(pk__lt=int(before))
    page = list(entries.order_by("-id")[: PAGE_SIZE + 1])
    older = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    context = {"filter": filterset, "entries": page[:PAGE_SIZE], "older": older}
    return render(request, "stock/audit_list.html", context, status=400 if filters_refused(filterset) else 200)
