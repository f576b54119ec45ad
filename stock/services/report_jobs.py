"""Monthly report uploads as background jobs: process a stored file once, keep the outcome on the
``ImportJob``.

The upload and the sending live in the task layer (``stock.tasks``: services never import tasks).
An accepted file is never lost: when the broker is down at upload time the job stays pending and the
beat sends :func:`monthly_report_jobs_unfinished` again every few minutes; a job delivered twice
(re-queue, redelivery after a worker died) is imported once, under a lock held while it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from stock.choices import ImportKind, ImportStatus
from stock.models import ImportJob
from stock.services.imports import import_job_finish, import_job_progress
from stock.services.reports import ReportRowsRejected, monthly_report_file_import
from stock.uploads import RowError
from stock.uploads.budget import ImportTimeExceeded, budget_message, import_budget

#: A pending job this old was not picked up (broker down at upload time): send it again.
REQUEUE_AFTER = dt.timedelta(minutes=2)
#: Jobs older than this are left alone by the re-queue (their file is kept with the job).
REQUEUE_WITHIN = dt.timedelta(days=7)
#: PostgreSQL advisory lock keys of import jobs: this base plus the job id.
_LOCK_BASE = 0x4A4F_0000_0000_0000


def monthly_report_jobs_unfinished(*, now: dt.datetime | None = None) -> list[int]:
    """The unfinished monthly report jobs created between ``REQUEUE_WITHIN`` and ``REQUEUE_AFTER``
    ago, oldest first: safe to send again, since a finished job is skipped and a running one is locked."""
    now = now or timezone.now()
    return list(
        ImportJob.objects.filter(
            kind=ImportKind.MONTHLY_REPORT,
            status__in=[ImportStatus.PENDING, ImportStatus.RUNNING],
            created_at__lte=now - REQUEUE_AFTER,
            created_at__gte=now - REQUEUE_WITHIN,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


@contextmanager
def _job_lock(job_id: int) -> Iterator[bool]:
    """True when this process may run the job. On PostgreSQL a session advisory lock, released
    when the run ends or its connection dies; elsewhere (SQLite, in-process tasks) always True."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = _LOCK_BASE + job_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                pass  # the connection is gone, and the lock with it


def monthly_report_job_run(*, job_id: int) -> ImportJob:
    """Process a pending monthly report job once: a finished job is left as it is, and a job that
    another worker is running is skipped (safe to deliver twice)."""
    with _job_lock(job_id) as locked:
        job = ImportJob.objects.select_related("created_by").get(pk=job_id)
        if not locked or job.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
            return job
        return _run(job)


def _run(job: ImportJob) -> ImportJob:
    job_id = job.pk
    ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        import_job_progress(job_id=job_id, processed=done, total=total)

    try:
        with import_budget(seconds=settings.IMPORT_TIME_BUDGET_SECONDS), job.file.open("rb") as handle:
            result = monthly_report_file_import(
                user=job.created_by,
                file=handle,
                replace=bool(job.options.get("replace")),
                job=job,
                progress=progress,
            )
    except ReportRowsRejected as rejected:
        return import_job_finish(job_id=job_id, rows_written=0, errors=rejected.errors)
    except IntegrityError:
        message = _("Une autre importation a écrit les mêmes périodes en même temps : renvoyez le fichier.")
        return import_job_finish(job_id=job_id, rows_written=0, errors=[RowError(None, None, message)])
    except (ImportTimeExceeded, SoftTimeLimitExceeded):
        # The transaction rolled back: nothing was written. The soft limit of the worker is the
        # backstop of a step that does not return to a budget check in time.
        message = budget_message(settings.IMPORT_TIME_BUDGET_SECONDS)
        return import_job_finish(job_id=job_id, rows_written=0, errors=[RowError(None, None, message)])
    except Exception:
        # Nothing was written (the import is one transaction); the job must not stay "running".
        message = _("Erreur interne pendant l'import : rien n'a été enregistré. Réessayez ou contactez l'équipe.")
        import_job_finish(job_id=job_id, rows_written=0, errors=[RowError(None, None, message)])
        raise
    return import_job_finish(
        job_id=job_id,
        rows_written=result.rows_written,
        errors=result.errors,
        errors_total=result.errors_total,
        summary=result.summary,
        total_rows=result.total_rows,
    )
