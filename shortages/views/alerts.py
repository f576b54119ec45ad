"""The alerts inbox, one alert with its history and the analyst's actions on it."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from shortages.alert_forms import (
    FORM_IDS,
    AlertAcknowledgeForm,
    AlertAssignForm,
    AlertCommentForm,
    AlertPreferencesForm,
    AlertResolveForm,
    AlertSnoozeForm,
)
from shortages.choices import AlertKind
from shortages.disclosure import alert_message_shown
from shortages.models import Alert
from shortages.selectors import open_shortages_of
from shortages.selectors_pages.alerts import (
    alert_detail_get,
    alert_inbox,
    alert_is_managed_by,
    assignable_users,
    rollup_positions,
)
from shortages.selectors_pages.filters import AlertPageFilterSet
from shortages.selectors_pages.position import alert_probability_get
from shortages.selectors_pages.usefulness import alert_usefulness
from shortages.services import alerts as alert_services
from shortages.services import notifications as notification_services
from shortages.services.concurrency import VersionConflict
from shortages.templatetags.alert_text import alert_figure
from stock import roles
from stock.exports import EXPORT_LINKS, Column, export_format, table_response
from stock.filtering import filters_refused
from stock.page_access import role_required

PAGE_SIZE = 50
ALERT_COLUMNS = (
    Column(_l("N°"), "int"),
    Column(_l("Type")),
    Column(_l("Code type")),
    Column(_l("Niveau")),
    Column(_l("Code niveau")),
    Column(_l("Statut")),
    Column(_l("Code statut")),
    Column(_l("Médicament")),
    Column(_l("Code médicament")),
    Column(_l("Établissement")),
    Column(_l("Code établissement")),
    Column(_l("Région")),
    Column(_l("Ouverte le"), "date"),
    Column(_l("Assignée à")),
    Column(_l("Constat")),
    Column(_l("Message technique")),
)
EXPORT_LIMIT = 100_000
DEFAULT_STATUSES = ["open", "acknowledged"]
ACTION_FORMS = {
    "acknowledge": AlertAcknowledgeForm,
    "assign": AlertAssignForm,
    "comment": AlertCommentForm,
    "snooze": AlertSnoozeForm,
    "resolve": AlertResolveForm,
}


@role_required(roles.ANALYST, roles.INDUSTRY, roles.ESTABLISHMENT)
def alert_list(request: HttpRequest) -> HttpResponse:
    """The alerts the user may see, filtered; by default the user's inbox (active, awake alerts of
    their scope: ``Alert.objects.inbox_of``)."""
    data = request.GET.copy()
    if not set(data) - {"page", "format"}:
        data.setlist("status", DEFAULT_STATUSES)
        data["inbox"] = "true"
    filterset = AlertPageFilterSet(data, queryset=alert_inbox(user=request.user), request=request)
    alerts = filterset.qs
    refused = filters_refused(filterset)
    fmt = None if refused else export_format(request)
    if fmt:
        return table_response(
            fmt=fmt,
            filename="alertes",
            columns=ALERT_COLUMNS,
            rows=(
                (
                    a.pk,
                    a.get_kind_display(),
                    a.kind,
                    a.get_level_display(),
                    a.level,
                    a.get_status_display(),
                    a.status,
                    str(a.medicine),
                    a.medicine.code,
                    a.establishment.name if a.establishment else "",
                    a.establishment.code if a.establishment else "",
                    a.region.name_fr if a.region else "",
                    a.opened_at.date(),
                    a.assignee.username if a.assignee else "",
                    alert_figure(a, request.user),
                    alert_message_shown(user=request.user, alert=a),
                )
                for a in alerts[:EXPORT_LIMIT]
            ),
        )
    page_obj = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "shortages/alert_list.html",
        {
            "filter": filterset,
            "page_obj": page_obj,
            "export_formats": EXPORT_LINKS,
            "inbox_view": data.get("inbox") == "true" and set(data) <= {"inbox", "status", "page"},
            "kinds_usefulness": list(alert_usefulness().values()),
        },
        status=400 if refused else 200,
    )


@role_required(roles.ANALYST, roles.INDUSTRY, roles.ESTABLISHMENT)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alert, its history, the positions behind a regional roll-up and, for the analysts who
    manage it, the forms to act on it."""
    return _render_alert(request, _visible_alert(request, pk))


def _visible_alert(request: HttpRequest, pk: int) -> Alert:
    try:
        return alert_detail_get(user=request.user, alert_id=pk)
    except Alert.DoesNotExist as error:
        raise Http404 from error


def _action_forms(alert: Alert, bound: forms.Form | None = None) -> dict[str, forms.Form]:
    """The page's action forms, unbound, but for ``bound`` (the one posted, with its errors and what
    the analyst typed)."""
    made = {}
    for name, form_class in ACTION_FORMS.items():
        kwargs: dict = {"auto_id": FORM_IDS[name]}
        if form_class is AlertAssignForm:
            kwargs |= {"analysts": assignable_users(alert=alert), "initial": {"assignee": alert.assignee_id}}
        made[name] = form_class(**kwargs)
    if bound is not None:
        made[next(name for name, form_class in ACTION_FORMS.items() if isinstance(bound, form_class))] = bound
    return made


def _render_alert(
    request: HttpRequest, alert: Alert, *, bound: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    can_manage = alert_is_managed_by(user=request.user, alert=alert)
    return render(
        request,
        "shortages/alert_detail.html",
        {
            "alert": alert,
            "can_manage": can_manage,
            "forms": _action_forms(alert, bound) if can_manage else {},
            "rollup_positions": rollup_positions(user=request.user, alert=alert) if alert.is_regional else [],
            "rollup_probability_cut": settings.ALERT_ROLLUP_PROBABILITY_CUT,
            "open_shortages": open_shortages_of(user=request.user, medicine_id=alert.medicine_id),
            "probability": alert_probability_get(alert=alert),
            "usefulness": alert_usefulness().get(alert.kind),
        },
        status=status,
    )


def _act(request: HttpRequest, pk: int, name: str, action: Callable[..., object], done: str) -> HttpResponse:
    """Run one alert service for the posted form of ``name``, then come back to the alert: with a
    message when it is done, else on the page itself with the form as the analyst filled it and the
    field in error named (400), the reason an action is not theirs (403), or what changed since the
    page was drawn (409: its hidden ``version`` is no longer the alert's, ``Alert.version``)."""
    alert = _visible_alert(request, pk)
    form_class = ACTION_FORMS[name]
    kwargs: dict = {"auto_id": FORM_IDS[name]}
    if form_class is AlertAssignForm:
        kwargs["analysts"] = assignable_users(alert=alert)
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        return _render_alert(request, alert, bound=form, status=400)
    try:
        action(alert_id=pk, user=request.user, version=request.POST.get("version") or None, **form.cleaned_data)
    except Alert.DoesNotExist as error:
        raise Http404 from error
    except VersionConflict as conflict:  # what changed may have taken the form away (resolved, taken in hand)
        for line in conflict.lines():
            messages.error(request, line)
        return _render_alert(request, _visible_alert(request, pk), bound=form, status=409)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
        return _render_alert(request, alert, status=403)
    except ValidationError as error:
        by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, errors in by_field.items():
            for message in errors:
                if field in form.fields:
                    form.add_error(field, message)
                else:  # the alert's state (resolved meanwhile, already acknowledged): its forms may be gone
                    messages.error(request, message)
        return _render_alert(request, _visible_alert(request, pk), bound=form, status=400)
    messages.success(request, done)
    return redirect("shortages:alert_detail", pk=pk)


@require_POST
@role_required(roles.ANALYST)
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "acknowledge", alert_services.alert_acknowledge, _("Alerte prise en charge."))


@require_POST
@role_required(roles.ANALYST)
def alert_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "assign", alert_services.alert_assign, _("Alerte assignée."))


@require_POST
@role_required(roles.ANALYST)
def alert_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "comment", alert_services.alert_comment, _("Commentaire ajouté."))


@require_POST
@role_required(roles.ANALYST)
def alert_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "resolve", alert_services.alert_resolve, _("Alerte résolue."))


@require_POST
@role_required(roles.ANALYST)
def alert_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the alert to sleep until a date, with a reason."""
    return _act(request, pk, "snooze", alert_services.alert_snooze, _("Alerte mise en sommeil."))


@role_required(roles.ANALYST, roles.INDUSTRY, roles.ESTABLISHMENT)
def alert_preferences(request: HttpRequest) -> HttpResponse:
    """The alert kinds the user hears about (in-app notifications and the daily digest)."""
    muted = set(request.user.alert_opt_outs.values_list("kind", flat=True))
    if request.method == "POST":
        form = AlertPreferencesForm(request.POST)
        if form.is_valid():
            heard = set(form.cleaned_data["kinds"])
            notification_services.alert_opt_outs_set(
                user=request.user, kinds=[kind for kind in AlertKind.values if kind not in heard]
            )
            messages.success(request, _("Préférences enregistrées."))
            return redirect("shortages:alert_preferences")
    else:
        form = AlertPreferencesForm(initial={"kinds": [kind for kind in AlertKind.values if kind not in muted]})
    return render(request, "shortages/alert_preferences.html", {"form": form})
