"""Import jobs shared by every upload (monthly reports here, supply declarations in partners).

An upload becomes an ``ImportJob`` (the file is stored with it); a Celery task enqueued with
``transaction.on_commit`` processes it. While it runs, its progress lives in the cache (the job row
cannot show it: the import writes everything in one transaction that nobody sees until it commits);
once finished, the row keeps the result for good: rows written, every error, a summary.

Use from another app::

    job = import_job_create(user=user, kind=ImportKind.DECLARATION, file=upload, options={...})
    transaction.on_commit(lambda: my_task.delay(job.pk))
    # in the task's service:
    import_job_started(job_id=job.pk, total_rows=n)
    import_job_progress(job_id=job.pk, processed=i, total=n)        # as often as you like
    import_job_finish(job_id=job.pk, rows_written=n, errors=[...], summary={...})
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from stock.choices import ImportStatus
from stock.models import ImportJob
from stock.uploads import RowError
from stock.uploads.limits import error_report

PROGRESS_TTL_SECONDS = 24 * 3600


def _progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:progress"


@transaction.atomic
def import_job_create(*, user: Any, kind: str, file: Any, options: dict[str, Any] | None = None) -> ImportJob:
    """Store the uploaded ``file`` with a new pending job of ``kind``."""
    name = getattr(file, "name", "upload")
    job = ImportJob(kind=kind, file_name=name[:255], options=options or {}, created_by=user)
    job.file.save(name, file, save=False)
    job.save()
    return job


def import_job_started(*, job_id: int, total_rows: int) -> None:
    """Mark the job running with its number of data rows (committed at once, outside any import)."""
    ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.RUNNING, total_rows=total_rows)
    import_job_progress(job_id=job_id, processed=0, total=total_rows)


def import_job_progress(*, job_id: int, processed: int, total: int) -> None:
    """Publish the progress of a running job (read by the job's page and API)."""
    cache.set(_progress_key(job_id), {"processed": processed, "total": total}, PROGRESS_TTL_SECONDS)


def import_job_progress_of(job: ImportJob) -> tuple[int, int]:
    """(processed rows, total rows) of ``job``: live from the cache while it runs."""
    if job.status in (ImportStatus.PENDING, ImportStatus.RUNNING):
        live = cache.get(_progress_key(job.pk))
        if live:
            return live["processed"], live["total"]
    return job.processed_rows, job.total_rows


def import_job_finish(
    *,
    job_id: int,
    rows_written: int,
    errors: Iterable[dict[str, Any] | RowError] = (),
    errors_total: int | None = None,
    summary: dict[str, Any] | None = None,
    total_rows: int | None = None,
) -> ImportJob:
    """Record the outcome: succeeded when there is no error (then rows were written), else failed
    with nothing written, the first ``UPLOAD_MAX_ERRORS`` errors kept and ``summary.errors_total``
    counting all of them (``errors_total`` when the list given was already cut)."""
    kept, total = error_report(errors, total=errors_total)
    job = ImportJob.objects.get(pk=job_id)
    job.status = ImportStatus.FAILED if kept else ImportStatus.SUCCEEDED
    job.errors = kept
    job.rows_written = 0 if kept else rows_written
    job.summary = {**(summary or {}), "errors_total": total} if kept else (summary or {})
    if total_rows is not None:
        job.total_rows = total_rows
    job.processed_rows = job.total_rows
    job.finished_at = timezone.now()
    job.save(
        update_fields=["status", "errors", "rows_written", "summary", "total_rows", "processed_rows", "finished_at"]
    )
    cache.delete(_progress_key(job_id))
    return job
