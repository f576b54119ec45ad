"""Celery tasks of the stock app (queue ``imports``), and the plain functions that enqueue them: the
views call :func:`monthly_report_upload`; services never import this module."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction

from stock.choices import ImportKind
from stock.models import ImportJob
from stock.services.imports import import_job_create
from stock.services.report_jobs import monthly_report_job_run, monthly_report_jobs_unfinished

logger = logging.getLogger(__name__)


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


def monthly_report_upload(*, user: Any, file: Any, replace: bool = False) -> ImportJob:
    """Store an uploaded monthly report file as a pending job and enqueue its import once committed
    (in the embedded default the import then runs at once, in-process)."""
    with transaction.atomic():
        job = import_job_create(user=user, kind=ImportKind.MONTHLY_REPORT, file=file, options={"replace": replace})
        transaction.on_commit(lambda: monthly_report_import_send(job.pk))
    return job


def monthly_report_import_send(job_id: int) -> bool:
    """Send the job to the ``imports`` queue; with the broker down it stays pending (and is re-queued)."""
    try:
        monthly_report_import_run.delay(job_id)
    except Exception:  # noqa: BLE001 - kombu, redis and socket errors alike: the job is safe in the database
        logger.warning("import job %s stays pending: the task could not be sent", job_id, exc_info=True)
        return False
    return True


def monthly_report_jobs_requeue(*, now: dt.datetime | None = None) -> list[int]:
    """Send again the unfinished jobs (see :func:`monthly_report_jobs_unfinished`); the ids sent."""
    return [job_id for job_id in monthly_report_jobs_unfinished(now=now) if monthly_report_import_send(job_id)]
