"""Pages of the stock app: monthly report upload and the progress and outcome of import jobs."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from stock import roles
from stock.choices import ImportStatus
from stock.forms import MonthlyReportUploadForm, medicine_suggestion
from stock.page_access import role_required
from stock.selectors import import_jobs_for, medicine_search
from stock.services.imports import import_job_progress_of
from stock.tasks import monthly_report_upload

REFRESH_SECONDS = 2


@role_required(roles.ESTABLISHMENT, roles.ANALYST)
def report_upload(request):
    form = MonthlyReportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = monthly_report_upload(
            user=request.user, file=form.cleaned_data["file"], replace=form.cleaned_data["replace"]
        )
        return redirect("stock:import_job", pk=job.pk)
    jobs = import_jobs_for(request.user).filter(created_by=request.user)[:10]
    return render(request, "stock/report_upload.html", {"form": form, "jobs": jobs})


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
