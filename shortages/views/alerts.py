"""The alerts inbox, one alert with its history and the analyst's actions on it."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shortages.models import Alert
from shortages.selectors_pages.alerts import alert_detail_get, alert_inbox, assignable_users
from shortages.selectors_pages.filters import AlertPageFilterSet
from shortages.services import alerts as alert_services
from shortages.templatetags.alert_text import alert_figure
from stock import roles
from stock.exports import EXPORT_LINKS, export_format, table_response
from stock.page_access import role_required

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
DEFAULT_STATUSES = ["open", "acknowledged"]


@role_required(roles.ANALYST, roles.INDUSTRY, roles.ESTABLISHMENT)
def alert_list(request: HttpRequest) -> HttpResponse:
    """The alerts the user may see, filtered; active ones by default."""
    data = request.GET.copy()
    if not set(data) - {"page", "format"}:
        data.setlist("status", DEFAULT_STATUSES)
    filterset = AlertPageFilterSet(data, queryset=alert_inbox(user=request.user), request=request)
    alerts = filterset.qs
    fmt = export_format(request)
    if fmt:
        return table_response(
            fmt=fmt,
            filename="alertes",
            headers=[
                "id",
                "type",
                "niveau",
                "statut",
                "medicament",
                "etablissement",
                "region",
                "ouverte_le",
                "assignee",
                "constat",
                "message",
            ],
            rows=(
                (
                    a.pk,
                    a.get_kind_display(),
                    a.get_level_display(),
                    a.get_status_display(),
                    str(a.medicine),
                    a.establishment.name if a.establishment else "",
                    a.region.name_fr if a.region else "",
                    a.opened_at.date(),
                    a.assignee.username if a.assignee else "",
                    alert_figure(a),
                    a.message,
                )
                for a in alerts[:EXPORT_LIMIT]
            ),
        )
    page_obj = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "shortages/alert_list.html",
        {"filter": filterset, "page_obj": page_obj, "export_formats": EXPORT_LINKS},
    )


@role_required(roles.ANALYST, roles.INDUSTRY, roles.ESTABLISHMENT)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alert, its history and, for analysts, the forms to act on it."""
    try:
        alert = alert_detail_get(user=request.user, alert_id=pk)
    except Alert.DoesNotExist as error:
        raise Http404 from error
    can_manage = roles.is_analyst(request.user)
    return render(
        request,
        "shortages/alert_detail.html",
        {"alert": alert, "can_manage": can_manage, "analysts": list(assignable_users()) if can_manage else []},
    )


def _act(
    request: HttpRequest, pk: int, action: Callable[..., object], done: str, *, with_assignee: bool = False
) -> HttpResponse:
    """Run one alert service for the posted form and come back to the alert with a message."""
    try:
        action(alert_id=pk, user=request.user, **_posted(request, with_assignee=with_assignee))
    except Alert.DoesNotExist as error:
        raise Http404 from error
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("shortages:alert_detail", pk=pk)


def _posted(request: HttpRequest, *, with_assignee: bool = False) -> dict:
    values = {"comment": request.POST.get("comment", "").strip()}
    if with_assignee or "assignee" in request.POST:
        raw = request.POST.get("assignee", "").strip()
        assignee = assignable_users().filter(pk=int(raw)).first() if raw.isdigit() else None
        if assignee is None:
            raise ValidationError({"assignee": [_("Choisissez un analyste.")]})
        values["assignee"] = assignee
    return values


@require_POST
@role_required(roles.ANALYST)
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, alert_services.alert_acknowledge, _("Alerte prise en charge."))


@require_POST
@role_required(roles.ANALYST)
def alert_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, alert_services.alert_assign, _("Alerte assignée."), with_assignee=True)


@require_POST
@role_required(roles.ANALYST)
def alert_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, alert_services.alert_comment, _("Commentaire ajouté."))


@require_POST
@role_required(roles.ANALYST)
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, alert_services.alert_resolve, _("Alerte résolue."))
