"""The shortage register, one shortage with its mitigation actions, and the medicine list."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from shortages import disclosure
from shortages.choices import ActionStatus
from shortages.forms import (
    ActionAddForm,
    ActionStatusForm,
    ShortageFromAlertForm,
    ShortageOpenForm,
    ShortageUpdateForm,
)
from shortages.models import Alert, MitigationAction, Shortage
from shortages.selectors import (
    open_shortages_of,
    reallocation_suggestions,
    shortage_alternatives,
    shortage_proposed_by_alert,
)
from shortages.selectors_pages.alerts import (
    alert_detail_get,
    medicine_catalogue,
    shortage_detail_get,
    shortage_register,
)
from shortages.selectors_pages.filters import MedicinePageFilterSet, ShortagePageFilterSet
from shortages.services import register as register_services
from shortages.services.concurrency import VersionConflict
from stock import roles
from stock.exports import EXPORT_LINKS, Column, export_format, table_response
from stock.filtering import filters_refused
from stock.page_access import role_required
from stock.templatetags.ui import level_label

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
SHORTAGE_COLUMNS = (
    Column(_l("N°"), "int"),
    Column(_l("Médicament")),
    Column(_l("Code médicament")),
    Column(_l("Statut")),
    Column(_l("Code statut")),
    Column(_l("Cause")),
    Column(_l("Code cause")),
    Column(_l("Portée")),
    Column(_l("Région")),
    Column(_l("Établissement")),
    Column(_l("Début"), "date"),
    Column(_l("Fin prévue"), "date"),
    Column(_l("Fin réelle"), "date"),
    Column(_l("Actions"), "int"),
)
MEDICINE_COLUMNS = (
    Column(_l("Code")),
    Column(_l("DCI")),
    Column(_l("Dosage")),
    Column(_l("Forme")),
    Column(_l("Code ATC")),
    Column(_l("Classe VEN")),
    Column(_l("Code VEN")),
    Column(_l("Liste nationale"), "bool"),
    Column(_l("Score de risque"), "decimal", unit=_l("sur 100")),
    Column(_l("Niveau")),
    Column(_l("Code niveau")),
    Column(_l("Mois de stock"), "decimal", 1, unit=_l("mois")),
    Column(_l("Date du score"), "date"),
)


@role_required(roles.ANALYST, roles.INDUSTRY, roles.ESTABLISHMENT)
def shortage_list(request: HttpRequest) -> HttpResponse:
    """The shortage register, filtered, with exports."""
    filterset = ShortagePageFilterSet(request.GET, queryset=shortage_register(user=request.user), request=request)
    shortages = filterset.qs
    refused = filters_refused(filterset)
    fmt = None if refused else export_format(request)
    if fmt:
        return table_response(
            fmt=fmt,
            filename="ruptures",
            columns=SHORTAGE_COLUMNS,
            rows=(
                (
                    s.pk,
                    str(s.medicine),
                    s.medicine.code,
                    s.get_status_display(),
                    s.status,
                    s.get_cause_display(),
                    s.cause,
                    s.get_scope_display(),
                    s.region.name_fr if s.region else "",
                    s.establishment.name if s.establishment else "",
                    s.started_on,
                    s.expected_end,
                    s.actual_end,
                    s.action_count,
                )
                for s in shortages[:EXPORT_LIMIT]
            ),
        )
    page_obj = Paginator(shortages, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "shortages/shortage_list.html",
        {
            "filter": filterset,
            "page_obj": page_obj,
            "export_formats": EXPORT_LINKS,
            "can_manage": roles.is_analyst(request.user),
        },
        status=400 if refused else 200,
    )


@role_required(roles.ANALYST, roles.INDUSTRY, roles.ESTABLISHMENT)
def shortage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One shortage: cause, dates, scope, mitigation actions, alternatives and reallocation
    suggestions; analysts also get the forms to update it and add actions."""
    try:
        shortage = shortage_detail_get(user=request.user, shortage_id=pk)
    except Shortage.DoesNotExist as error:
        raise Http404 from error
    return _render_detail(request, shortage)


# The shortage page holds two forms with fields of the same names (description, status): each its own
# ids, so that every label names its own field (both were ``id_description``).
UPDATE_IDS, ACTION_IDS = "update_%s", "action_%s"


def _render_detail(
    request: HttpRequest, shortage: Shortage, status: int | None = None, **forms_in_error
) -> HttpResponse:
    can_manage = roles.is_analyst(request.user) and shortage.is_managed_by(request.user)
    context = {
        "shortage": shortage,
        "can_manage": can_manage,
        "alternatives": shortage_alternatives(user=request.user, shortage=shortage),
        "reallocations": reallocation_suggestions(user=request.user, shortage=shortage, limit=10) if can_manage else [],
    }
    if can_manage:
        context["update_form"] = forms_in_error.get("update_form") or ShortageUpdateForm(
            initial={f: getattr(shortage, f) for f in ShortageUpdateForm.base_fields}, auto_id=UPDATE_IDS
        )
        context["action_form"] = forms_in_error.get("action_form") or ActionAddForm(
            medicine=shortage.medicine, auto_id=ACTION_IDS
        )
        context["action_statuses"] = ActionStatus.choices
    status = status or (400 if forms_in_error else 200)
    return render(request, "shortages/shortage_detail.html", context, status=status)


def _add_errors(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@role_required(roles.ANALYST)
def shortage_create(request: HttpRequest) -> HttpResponse:
    """Open a shortage in the register (anticipated or ongoing); a place outside the analyst's part
    of the register is refused (403) with the form and the reason."""
    form = ShortageOpenForm(request.POST or None, initial={"started_on": timezone.localdate()})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            shortage = register_services.shortage_open(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal))
            status = 403
        else:
            messages.success(request, _("Rupture inscrite au registre."))
            return redirect("shortages:shortage_detail", pk=shortage.pk)
    if status == 200 and form.errors:
        status = 400
    return render(request, "shortages/shortage_form.html", {"form": form}, status=status)


@require_POST
@role_required(roles.ANALYST)
def shortage_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a shortage's status, cause, dates or description; refused (409, the form as the analyst
    filled it and what changed) when the shortage changed since the page was drawn (its hidden
    ``version``)."""
    shortage = _visible_shortage(request, pk)
    if refused := _refusal(request, shortage):
        return refused
    form = ShortageUpdateForm(request.POST, auto_id=UPDATE_IDS)
    if form.is_valid():
        try:
            register_services.shortage_update(
                shortage_id=pk, user=request.user, version=_posted_version(request), **form.service_fields()
            )
        except ValidationError as error:
            _add_errors(form, error)
        except VersionConflict as conflict:
            for line in conflict.lines():
                form.add_error(None, line)
            return _render_detail(request, _visible_shortage(request, pk), status=409, update_form=form)
        else:
            messages.success(request, _("Rupture mise à jour."))
            return redirect("shortages:shortage_detail", pk=pk)
    return _render_detail(request, shortage, update_form=form)


@require_POST
@role_required(roles.ANALYST)
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a mitigation action to a shortage."""
    shortage = _visible_shortage(request, pk)
    if refused := _refusal(request, shortage):
        return refused
    form = ActionAddForm(request.POST, medicine=shortage.medicine, auto_id=ACTION_IDS)
    if form.is_valid():
        fields = form.service_fields()
        try:
            register_services.action_add(shortage_id=pk, user=request.user, **fields)
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied as refusal:  # a reallocation naming an establishment of another area
            form.add_error(None, str(refusal))
            return _render_detail(request, shortage, status=403, action_form=form)
        else:
            messages.success(request, _("Action ajoutée."))
            return redirect("shortages:shortage_detail", pk=pk)
    return _render_detail(request, shortage, action_form=form)


@require_POST
@role_required(roles.ANALYST)
def action_status(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    """Move a mitigation action to another status; refused (409, with what changed) when the action
    changed since the page was drawn (its hidden ``version``)."""
    shortage = _visible_shortage(request, pk)
    if refused := _refusal(request, shortage):
        return refused
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Statut inconnu."))
    else:
        try:
            register_services.action_update(
                action_id=action_id,
                user=request.user,
                version=_posted_version(request),
                status=form.cleaned_data["status"],
            )
        except (ValidationError, MitigationAction.DoesNotExist):
            messages.error(request, _("Cette action ne peut pas être modifiée."))
        except VersionConflict as conflict:
            for line in conflict.lines():
                messages.error(request, line)
            return _render_detail(request, _visible_shortage(request, pk), status=409)
        else:
            messages.success(request, _("Statut de l'action mis à jour."))
    return redirect("shortages:shortage_detail", pk=pk)


@role_required(roles.ANALYST)
def shortage_from_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    """The shortage a national alert proposes, prefilled for the analyst to edit, then registered."""
    try:
        alert = alert_detail_get(user=request.user, alert_id=alert_id)
    except Alert.DoesNotExist as error:
        raise Http404 from error
    proposal = shortage_proposed_by_alert(alert=alert)
    context = {
        "alert": alert,
        "proposal": proposal,
        "open_shortages": open_shortages_of(user=request.user, medicine_id=alert.medicine_id),
    }
    # A national alert proposes a national shortage, kept by national analysts: 403 before the form,
    # with the reason (the site's 403 page only says the page is not for the role).
    try:
        register_services.shortage_place_require(user=request.user, scope=proposal["scope"], region=proposal["region"])
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
        return render(request, "shortages/shortage_form.html", context, status=403)
    form = ShortageFromAlertForm(request.POST if request.method == "POST" else None, initial=proposal)
    if request.method == "POST" and form.is_valid():
        try:
            shortage = register_services.shortage_open_from_alert(
                alert_id=alert.pk, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Rupture inscrite au registre."))
            return redirect("shortages:shortage_detail", pk=shortage.pk)
    context["form"] = form
    return render(request, "shortages/shortage_form.html", context, status=400 if form.errors else 200)


def _posted_version(request: HttpRequest) -> str | None:
    """The version of the shortage or action the page showed (its form's hidden ``version``); None
    from a form without one, which is not checked."""
    return request.POST.get("version") or None


def _visible_shortage(request: HttpRequest, pk: int) -> Shortage:
    try:
        return shortage_detail_get(user=request.user, shortage_id=pk)
    except Shortage.DoesNotExist as error:
        raise Http404 from error


def _refusal(request: HttpRequest, shortage: Shortage) -> HttpResponse | None:
    """The shortage's page with the reason (403) when the user sees ``shortage`` without managing it
    (``Shortage.is_managed_by``: a national shortage for a regional analyst, or a page drawn before
    the analyst's regions changed); None when the user manages it. The site's 403 page said "not
    open to your role" to an analyst, whose role it is."""
    try:
        register_services.shortage_manage_require(user=request.user, shortage=shortage)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
        return _render_detail(request, shortage, status=403)
    return None


@role_required(roles.ANALYST, roles.INDUSTRY, roles.ESTABLISHMENT)
def medicine_list(request: HttpRequest) -> HttpResponse:
    """The medicines with their latest national risk, filtered, with exports."""
    filterset = MedicinePageFilterSet(request.GET, queryset=medicine_catalogue(user=request.user), request=request)
    medicines = filterset.qs
    show_scores = disclosure.scores_listed(request.user)
    refused = filters_refused(filterset)
    fmt = None if refused else export_format(request)
    if fmt:
        return table_response(
            fmt=fmt,
            filename="medicaments-risque",
            columns=MEDICINE_COLUMNS,
            rows=(
                (
                    m.code,
                    m.inn,
                    m.strength,
                    m.dosage_form,
                    m.atc_code,
                    m.get_ven_class_display(),
                    m.ven_class,
                    m.is_essential,
                    m.risk_score if show_scores else None,
                    level_label(m.risk_level) if m.risk_level else "",
                    m.risk_level,
                    m.national_mos,
                    m.scored_on,
                )
                for m in medicines[:EXPORT_LIMIT]
            ),
        )
    page_obj = Paginator(medicines, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "shortages/medicine_list.html",
        {
            "filter": filterset,
            "page_obj": page_obj,
            "export_formats": EXPORT_LINKS,
            "show_scores": show_scores,
        },
        status=400 if refused else 200,
    )
