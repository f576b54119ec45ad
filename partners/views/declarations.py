"""Declaration pages: list, form, upload, history, review, late declarants, safety-stock compliance."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from partners.choices import DeclarationStatus
from partners.forms import (
    ComplianceForm,
    DeclarationForm,
    DeclarationUploadForm,
    ReviewForm,
    SupplyLineFormSet,
    supply_lines_from,
)
from partners.models import SupplyDeclaration
from partners.selectors.declarations import (
    declarant_status,
    declarant_statuses,
    declaration_deadline,
    declaration_history,
    first_submission_subquery,
    previous_month,
    registry_roles,
    safety_stock_compliance,
    safety_stock_duty,
)
from partners.services.declaration_upload import TEMPLATE_FORMATS, declaration_template, declarations_import
from partners.services.declarations import declaration_review, declaration_submit
from partners.views.common import (
    analyst_required,
    declarant_required,
    national_analyst_required,
    paginate,
)
from partners.views.filters import DeclarationPageFilterSet
from stock import roles, scopes
from stock.api.throttling import upload_admit, upload_wait
from stock.exports import EXPORT_LINKS, Column, export_format, table_response
from stock.filtering import filters_refused
from stock.page_access import too_many_uploads

DECLARATION_COLUMNS = (
    Column(_l("Mois")),
    Column(_l("Entreprise")),
    Column(_l("Code médicament")),
    Column(_l("Médicament")),
    Column(_l("Version"), "int"),
    Column(_l("En vigueur"), "bool"),
    Column(_l("Statut")),
    Column(_l("Code statut")),
    Column(_l("Stock"), "int", unit=_l("unités")),
    Column(_l("Ventes mensuelles"), "int", unit=_l("unités")),
    Column(_l("Perturbation"), "bool"),
    Column(_l("Cause de la perturbation")),
    Column(_l("Code cause")),
)
COMPLIANCE_COLUMNS = (
    Column(_l("Mois")),
    Column(_l("Entreprise")),
    Column(_l("Médicament")),
    Column(_l("Statut")),
    Column(_l("Code statut")),
    Column(_l("Stock"), "int", unit=_l("unités")),
    Column(_l("Ventes mensuelles"), "int", unit=_l("unités")),
    Column(_l("Stock requis"), "int", unit=_l("unités")),
    Column(_l("Couverture"), "decimal", 1, unit=_l("mois de ventes")),
    Column(_l("Manque"), "int", unit=_l("unités")),
    Column(_l("Conforme"), "bool"),
)


def _form_errors_from(form, error: DjangoValidationError) -> None:
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


@declarant_required
def declaration_list(request):
    queryset = (
        SupplyDeclaration.objects.visible_to(request.user)
        .select_related("company__organization", "medicine")
        .order_by("-month", "company__organization__name", "medicine__inn", "-version")
    )
    filterset = DeclarationPageFilterSet(request.GET, queryset=queryset, request=request)
    refused = filters_refused(filterset)
    fmt = None if refused else export_format(request)
    if fmt:
        return _declarations_export(filterset.qs, fmt)
    return render(
        request,
        "partners/declaration_list.html",
        {
            "filter": filterset,
            "page_obj": paginate(request, filterset.qs),
            "is_analyst": roles.is_analyst(request.user),
            "can_review": scopes.is_national_analyst(request.user),
            # Industry users for the companies they cover, national analysts for every company.
            "can_declare": roles.is_industry(request.user) or scopes.is_national_analyst(request.user),
            "export_formats": EXPORT_LINKS,
        },
        status=400 if refused else 200,
    )


def _declarations_export(declarations, fmt: str) -> HttpResponse:
    return table_response(
        fmt=fmt,
        filename="declarations",
        columns=DECLARATION_COLUMNS,
        rows=(
            (
                f"{d.month:%Y-%m}",
                d.company.organization.name,
                d.medicine.code,
                str(d.medicine),
                d.version,
                d.is_current,
                d.get_status_display(),
                d.status,
                d.stock_on_hand,
                d.monthly_sales,
                d.disruption,
                d.get_disruption_cause_display() if d.disruption else "",
                d.disruption_cause if d.disruption else "",
            )
            for d in declarations
        ),
    )


@declarant_required
def declaration_create(request):
    form = DeclarationForm(request.POST or None, user=request.user)
    companies = list(form.fields["company"].queryset[:2])
    if len(companies) == 1:  # a user who declares for one company need not pick it
        form.initial.setdefault("company", companies[0].pk)
    formset = SupplyLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and formset.is_valid():
        form.supply_lines = supply_lines_from(formset)
        if form.is_valid():
            try:
                declaration = declaration_submit(user=request.user, data=form.to_data())
            except DjangoValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, _("Déclaration enregistrée (version %(v)s).") % {"v": declaration.version})
                return redirect("partners:declaration_detail", pk=declaration.pk)
    elif request.method == "POST":
        form.is_valid()
    return render(request, "partners/declaration_form.html", {"form": form, "formset": formset})


@declarant_required
def declaration_upload(request):
    form = DeclarationUploadForm(request.POST or None, request.FILES or None)
    job = wait = None
    if request.method == "POST":
        # The uploads' rate, shared with the API's (an upload is read and checked in the request):
        # past it, the file is not even checked; only a file the form accepts counts.
        wait = upload_wait(request)
        if wait is None and form.is_valid() and (wait := upload_admit(request)) is None:
            upload = form.cleaned_data["file"]
            # The page shows the outcome itself (count, warnings or the error report): no flash
            # message beside it, which said the same count twice.
            job = declarations_import(user=request.user, file=upload, file_name=upload.name)
    if wait is not None:
        return too_many_uploads(request, "partners/declaration_upload.html", {"form": form, "job": None}, wait=wait)
    return render(request, "partners/declaration_upload.html", {"form": form, "job": job})


@declarant_required
def declaration_template_download(request):
    file_format = request.GET.get("format", "csv")
    if file_format not in TEMPLATE_FORMATS:
        file_format = "csv"
    content_type, file_name = TEMPLATE_FORMATS[file_format]
    response = HttpResponse(declaration_template(file_format=file_format), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@declarant_required
def declaration_detail(request, pk: int):
    declaration = get_object_or_404(
        SupplyDeclaration.objects.visible_to(request.user)
        .select_related("company__organization", "medicine")
        .annotate(company_first_submitted=first_submission_subquery()),
        pk=pk,
    )
    versions = declaration_history(
        user=request.user,
        company_id=declaration.company_id,
        medicine_id=declaration.medicine_id,
        month=declaration.month,
    )
    can_review = (
        scopes.is_national_analyst(request.user) and declaration.is_current and declaration.status == "submitted"
    )
    # The safety-stock duty of this version, as the compliance page computes it (arrêté 263-02).
    duty = safety_stock_duty(stock_on_hand=declaration.stock_on_hand, monthly_sales=declaration.monthly_sales)
    return render(
        request,
        "partners/declaration_detail.html",
        {
            "declaration": declaration,
            "versions": versions,
            "review_form": ReviewForm() if can_review else None,
            "registry_roles": registry_roles(company_id=declaration.company_id, medicine_id=declaration.medicine_id),
            "required_stock": duty.required_stock,
            "gap": duty.gap,
            "compliant": duty.compliant,
            # Whether the company declared its month before the 5th (the late-declarants page's rule).
            "declarant": declarant_status(
                declaration.company,
                month=declaration.month,
                submitted=declaration.company_first_submitted,
                today=timezone.localdate(),
            ),
        },
    )


@require_POST
@national_analyst_required
def declaration_review_view(request, pk: int):
    """Accept or reject a declaration: national analysts only (what is accepted feeds the national
    scores); a regional analyst reads declarations and gets a 403 here."""
    declaration = get_object_or_404(SupplyDeclaration, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une décision."))
        return redirect("partners:declaration_detail", pk=pk)
    try:
        declaration_review(
            user=request.user,
            declaration=declaration,
            accept=form.cleaned_data["decision"] == "accept",
            comment=form.cleaned_data["comment"],
        )
    except DjangoValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Décision enregistrée."))
    return redirect("partners:declaration_detail", pk=pk)


def _month_from(request):
    """The month asked for in ``?month=`` and its form; the previous month when none is asked, or
    when the one asked is refused (the form then carries the error the page shows, and the page
    answers 400 without its exports, as a list page whose filter is refused)."""
    default = previous_month(timezone.localdate())
    if "month" not in request.GET:
        return ComplianceForm(initial={"month": default}), default
    form = ComplianceForm(request.GET)
    month = form.cleaned_data["month"] if form.is_valid() else None
    return form, month or default


@analyst_required
def late_declarants(request):
    form, month = _month_from(request)
    statuses = declarant_statuses(month=month, today=timezone.localdate())
    return render(
        request,
        "partners/late_declarants.html",
        {
            "form": form,
            "month": month,
            "deadline": declaration_deadline(month),
            "late": [status for status in statuses if status.late],
            "expected_count": len(statuses),
        },
        status=400 if form.errors else 200,
    )


@declarant_required
def compliance(request):
    form, month = _month_from(request)
    rows = safety_stock_compliance(user=request.user, month=month)
    fmt = None if form.errors else export_format(request)
    if fmt:
        return _compliance_export(rows, month, fmt)
    compliant = sum(1 for row in rows if row.compliant)
    return render(
        request,
        "partners/compliance.html",
        {
            "form": form,
            "month": month,
            "page_obj": paginate(request, rows),
            "total": len(rows),
            "compliant": compliant,
            "share": compliant / len(rows) if rows else None,
        },
        status=400 if form.errors else 200,
    )


def _compliance_export(rows, month, fmt: str) -> HttpResponse:
    """The compliance table as CSV or XLSX, through the shared export (formula-like text quoted)."""
    return table_response(
        fmt=fmt,
        filename=f"stock-securite-{month:%Y-%m}",
        columns=COMPLIANCE_COLUMNS,
        rows=(
            (
                f"{row.month:%Y-%m}",
                row.company,
                row.medicine,
                DeclarationStatus(row.status).label if row.status in DeclarationStatus.values else row.status,
                row.status,
                row.stock_on_hand,
                row.monthly_sales,
                row.required_stock,
                row.months_of_stock,
                row.gap,
                row.compliant,
            )
            for row in rows
        ),
    )
