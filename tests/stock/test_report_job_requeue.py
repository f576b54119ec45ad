"""A monthly report accepted while the broker is down is imported when it returns, and a job
delivered twice at the same time is imported once."""

from __future__ import annotations

import datetime as dt
import time

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from kombu.exceptions import OperationalError

from stock.choices import ImportStatus
from stock.models import ImportJob, MonthlyReport, StockMovement
from stock.services import report_jobs
from stock.services.report_jobs import monthly_report_job_run
from stock.tasks import monthly_report_import_run, monthly_report_jobs_requeue
from tests import factories

UPLOAD_URL = "/api/v1/monthly-reports/upload/"
HEADER = "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days"


def report_file(codes: list[str]) -> SimpleUploadedFile:
    lines = [HEADER] + [f"T-HOSP-A;{code};2026-02;100;50;120;5;0;25;3" for code in codes]
    return SimpleUploadedFile("report.csv", "\n".join(lines).encode())


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.django_db
def test_a_report_accepted_while_the_broker_is_down_is_imported_once_it_returns(
    personas, api_client_for, monkeypatch, eager_tasks, django_capture_on_commit_callbacks
):
    # given two medicines and a hospital's client, and a broker that refuses connections
    codes = [factories.MedicineFactory(code=f"M-REQ-{n}").code for n in range(2)]
    client = api_client_for(personas.hospital_a_user)
    monkeypatch.setattr(monthly_report_import_run, "delay", broker_down)

    # when the hospital uploads its report
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(UPLOAD_URL, {"file": report_file(codes)}, format="multipart")

    # then the file is accepted and kept as a pending job, nothing imported yet
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == ImportStatus.PENDING
    assert MonthlyReport.objects.count() == 0

    # when the broker is back and the beat's re-queue runs a few minutes later
    monkeypatch.undo()
    later = job.created_at + report_jobs.REQUEUE_AFTER + dt.timedelta(seconds=1)
    sent = monthly_report_jobs_requeue(now=later)

    # then the job is sent again and the whole file is imported, once
    assert sent == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert MonthlyReport.objects.count() == 2
    movements = StockMovement.objects.count()
    assert monthly_report_jobs_requeue(now=later) == []
    assert StockMovement.objects.count() == movements


@pytest.mark.django_db
def test_the_requeue_leaves_recent_and_old_jobs_alone(personas, monkeypatch):
    # given a pending job, and a broker that would record what it is sent
    job = ImportJob.objects.create(
        kind="monthly_report", file_name="r.csv", file=report_file(["M-X"]), created_by=personas.hospital_a_user
    )
    sent: list[int] = []
    monkeypatch.setattr(monthly_report_import_run, "delay", sent.append)

    # when the re-queue runs before the grace delay, and once the job is older than a week
    too_early = monthly_report_jobs_requeue(now=job.created_at + dt.timedelta(seconds=30))
    too_late = monthly_report_jobs_requeue(now=job.created_at + report_jobs.REQUEUE_WITHIN + dt.timedelta(hours=1))

    # then nothing is sent: the first may still be on its way, the last is left for a person to see
    assert (too_early, too_late, sent) == ([], [], [])


@pytest.mark.services
@pytest.mark.django_db
def test_a_job_another_worker_is_running_is_skipped(personas):
    # given a pending job whose lock is held by another database session (another worker running it)
    codes = [factories.MedicineFactory(code=f"M-LOCK-{n}").code for n in range(2)]
    job = ImportJob.objects.create(
        kind="monthly_report", file_name="r.csv", file=report_file(codes), created_by=personas.hospital_a_user
    )
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    )
    other.autocommit = True
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [report_jobs._LOCK_BASE + job.pk])
            cursor.execute("SELECT pg_backend_pid()")
            (other_pid,) = cursor.fetchone()

        # when the same job is delivered to this worker too
        skipped = monthly_report_job_run(job_id=job.pk)

        # then it does nothing
        assert skipped.status == ImportStatus.PENDING
        assert MonthlyReport.objects.count() == 0
    finally:
        other.close()
    # the server ends the closed session (and frees its lock) on its own time: wait until it has
    _session_gone(other_pid)

    # when the other session is gone (its lock with it), the job runs here
    assert monthly_report_job_run(job_id=job.pk).status == ImportStatus.SUCCEEDED
    assert MonthlyReport.objects.count() == 2


def _session_gone(pid: int, *, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"the session {pid} is still there after {seconds} s")
