"""Monthly report uploads as background jobs: store the file, process it on the ``imports`` queue,
keep the outcome on the ``ImportJob``."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from stock.choices import ImportKind, ImportStatus
from stock.models import ImportJob
from stock.services.imports import import_job_create, import_job_finish, import_job_progress
from stock.services.reports import ReportRowsRejected, monthly_report_file_import
from stock.uploads import RowError


@transaction.atomic
def monthly_report_upload(*, user: Any, file: Any, replace: bool = False) -> ImportJob:
    """Store an uploaded monthly report file and enqueue its import once this transaction commits
    (in the embedded default the import then runs at once, in-process)."""
    from stock.tasks import monthly_report_import_run

    job = import_job_create(user=user, kind=ImportKind.MONTHLY_REPORT, file=file, options={"replace": replace})
    transaction.on_commit(lambda: monthly_report_import_run.delay(job.pk))
    return job


def monthly_report_job_run(*, job_id: int) -> ImportJob:
    """Process a pending monthly report job (a finished job is left as it is: safe to retry)."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED):
        return job
    ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        import_job_progress(job_id=job_id, processed=done, total=total)

    try:
        with job.file.open("rb") as handle:
            result = monthly_report_file_import(
                user=job.created_by,
                file=handle,
                replace=bool(job.options.get("replace")),
                job=job,
                progress=progress,
            )
    except ReportRowsRejected as rejected:
        return import_job_finish(job_id=job_id, rows_written=0, errors=[e.as_dict() for e in rejected.errors])
    except IntegrityError:
        message = _("Une autre importation a écrit les mêmes périodes en même temps : renvoyez le fichier.")
        return import_job_finish(job_id=job_id, rows_written=0, errors=[RowError(None, None, message).as_dict()])
    except Exception:
        # Nothing was written (the import is one transaction); the job must not stay "running".
        message = _("Erreur interne pendant l'import : rien n'a été enregistré. Réessayez ou contactez l'équipe.")
        import_job_finish(job_id=job_id, rows_written=0, errors=[RowError(None, None, message).as_dict()])
        raise
    return import_job_finish(
        job_id=job_id,
        rows_written=result.rows_written,
        errors=result.errors,
        summary=result.summary,
        total_rows=result.total_rows,
    )
