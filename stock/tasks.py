"""Celery tasks of the stock app (queue ``imports``)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from stock.services.report_jobs import monthly_report_job_run, monthly_report_jobs_requeue


@shared_task(
    name="stock.tasks.monthly_report_import_run",
    acks_late=True,
    # A backstop to the import's own time budget, for a step that never reaches a budget check.
    soft_time_limit=settings.IMPORT_TIME_BUDGET_SECONDS + 60,
)
def monthly_report_import_run(job_id: int) -> str:
    """Import the monthly report file of one ImportJob; all rows or none, within its time budget."""
    return monthly_report_job_run(job_id=job_id).status


@shared_task(name="stock.tasks.monthly_report_jobs_requeue")
def monthly_report_jobs_requeue_task() -> list[int]:
    """Beat: send again the report jobs left pending (broker down at upload time) or orphaned."""
    return monthly_report_jobs_requeue()
