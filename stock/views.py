"""Pages of the stock app: monthly report upload, the list of import jobs and the progress and
outcome of each."""

from __future__ import annotations

import django_filters
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from stock import roles, scopes
from stock.api.throttling import upload_admit, upload_wait
from stock.choices import ImportKind, ImportStatus
from stock.filtering import filters_refused
from stock.filtersets import ImportJobFilterSet
from stock.forms import MonthlyReportUploadForm, medicine_suggestion
from stock.page_access import role_required, too_many_uploads
from stock.selectors import import_jobs_for, medicine_search
from stock.services.imports import import_job_progress_of
from stock.tasks import monthly_report_upload

REFRESH_SECONDS = 2
IMPORTS_PAGE_SIZE = 50


@role_required(roles.ESTABLISHMENT, roles.ANALYST)
def report_upload(request):
    form = MonthlyReportUploadForm(request.POST or None, request.FILES or None)
    wait = None
    if request.method == "POST":
        # The uploads' rate, one counter with the API's and the declarations' uploads: past it, the
        # file is not even checked; only a file the form accepts counts.
        wait = upload_wait(request)
        if wait is None and form.is_valid() and (wait := upload_admit(request)) is None:
            job = monthly_report_upload(
                user=request.user, file=form.cleaned_data["file"], replace=form.cleaned_data["replace"]
            )
            return redirect("stock:import_job", pk=job.pk)
    jobs = import_jobs_for(request.user).filter(created_by=request.user)[:10]
    if wait is not None:
        return too_many_uploads(request, "stock/report_upload.html", {"form": form, "jobs": jobs}, wait=wait)
    return render(request, "stock/report_upload.html", {"form": form, "jobs": jobs})


class ImportJobPageFilter(ImportJobFilterSet):
    """The API's filters of ``/api/v1/import-jobs/`` with French labels and "Tous" for no choice."""

    kind = django_filters.ChoiceFilter(choices=ImportKind.choices, label=_("Type"), empty_label=_("Tous"))
    status = django_filters.ChoiceFilter(choices=ImportStatus.choices, label=_("État"), empty_label=_("Tous"))


@role_required(roles.ESTABLISHMENT, roles.ANALYST, roles.INDUSTRY)
def import_list(request):
    """The import jobs the user may see (the API's and the job page's rule), newest first, each
    with its outcome. The error lists stay unread: a row needs only their count (``summary``)."""
    jobs = import_jobs_for(request.user).defer("errors").order_by("-created_at", "-pk")
    filterset = ImportJobPageFilter(request.GET, queryset=jobs)
    user = request.user
    context = {
        "filter": filterset,
        "page_obj": Paginator(filterset.qs, IMPORTS_PAGE_SIZE).get_page(request.GET.get("page")),
        "sees_all": scopes.is_national_analyst(user),
        "uploads_reports": roles.is_establishment(user) or roles.is_analyst(user),
        "uploads_declarations": roles.is_industry(user) or roles.is_analyst(user),
    }
    return render(request, "stock/import_list.html", context, status=400 if filters_refused(filterset) else 200)


@role_required(roles.ESTABLISHMENT, roles.ANALYST, roles.INDUSTRY)
def import_job(request, pk: int):
    job = get_object_or_404(import_jobs_for(request.user), pk=pk)
    processed, total = import_job_progress_of(job)
    running = job.status in (ImportStatus.PENDING, ImportStatus.RUNNING)
    context = {
        "job": job,
        "processed": processed,
        "total": total,
        "percent": int(100 * processed / total) if total else 0,
        "running": running,
        "refresh_seconds": REFRESH_SECONDS if running else None,
    }
    return render(request, "stock/import_job.html", context)


@role_required(roles.ESTABLISHMENT, roles.ANALYST, roles.INDUSTRY)
def medicine_suggestions(request):
    """Medicines matching ``?q=`` (three characters at least), for the forms' medicine fields."""
    text = request.GET.get("q", "").strip()
    medicines = medicine_search(text, limit=20) if len(text) >= 3 else []
    return JsonResponse({"results": [{"value": medicine_suggestion(m), "code": m.code} for m in medicines]})
