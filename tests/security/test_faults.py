"""Faults: Redis down while hospitals write, the database connection lost in the middle of an
upload, a task delivered twice. (A worker killed during scoring is covered by
``tests/shortages/test_worker.py::test_a_worker_killed_mid_run_leaves_no_national_result_and_the_next_run_completes``.)
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection
from django.test import override_settings

from shortages.choices import AlertEventKind, RunStatus
from shortages.models import Alert, AlertEvent, Notification, ScoringRun
from shortages.services.schedule import scoring_data_changed_since_last_run
from shortages.tasks import digest_send
from stock.choices import ImportKind, ImportStatus
from stock.models import ImportJob, MonthlyReport, StockLevel, StockMovement
from stock.services.report_jobs import monthly_report_job_run
from stock.tasks import monthly_report_import_run
from tests import factories

# Nothing listens on port 1: connections are refused at once.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
REPORT_HEADER = (
    "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days"
)


def receipt(code: str, medicine: str, key: str) -> dict:
    return {
        "establishment": code,
        "medicine": medicine,
        "kind": "receipt",
        "business_date": dt.date.today().isoformat(),
        "quantity": 40,
        "idempotency_key": key,
    }


@pytest.mark.django_db
def test_movements_are_kept_while_redis_is_down_and_scoring_catches_up_when_it_returns(personas, api_client_for):
    # given a successful scoring run before the outage, and a hospital's client
    medicine = factories.MedicineFactory(code="M-FAULT")
    ScoringRun.objects.create(
        as_of=dt.date.today(), status=RunStatus.SUCCEEDED, started_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    client = api_client_for(personas.hospital_a_user)

    # when Redis (cache, rate limits, broker) is unreachable while the hospital posts and reads
    with override_settings(CACHES=UNREACHABLE_REDIS, REDIS_URL="redis://127.0.0.1:1/0"):
        first = client.post("/api/v1/movements/", receipt("T-HOSP-A", medicine.code, "k1"), format="json")
        second = client.post("/api/v1/movements/", receipt("T-HOSP-A", medicine.code, "k2"), format="json")
        listed = client.get("/api/v1/stock-levels/")
        health = client.get("/health/")

    # then the movements are recorded and readable, and /health/ says Redis is down
    assert (first.status_code, second.status_code, listed.status_code) == (201, 201, 200), first.content
    assert StockMovement.objects.filter(establishment=personas.hospital_a).count() == 2
    assert StockLevel.objects.get(establishment=personas.hospital_a, medicine=medicine).quantity == 80
    assert health.status_code == 503 and health.json()["checks"]["redis"]["ok"] is False

    # when Redis is back, the beat's periodic check looks for data changed since the last run
    cache.clear()

    # then the change made during the outage is seen, so the follow-up scoring is requested
    assert scoring_data_changed_since_last_run() is True


@pytest.mark.django_db
def test_a_login_still_works_while_redis_is_down(client, personas):
    # when Redis is unreachable and a user signs in
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.post("/login/", {"username": "hospital_a", "password": factories.DEFAULT_PASSWORD})

    # then the login succeeds (the lock-out counters fail open)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(personas.hospital_a_user.pk)


def report_job(user, medicines) -> ImportJob:
    lines = [REPORT_HEADER] + [f"T-HOSP-A;{code};2026-02;100;50;120;5;0;25;3" for code in medicines]
    content = ContentFile("\n".join(lines).encode(), name="report.csv")
    return ImportJob.objects.create(
        kind=ImportKind.MONTHLY_REPORT, file_name="report.csv", file=content, created_by=user
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_lost_database_connection_mid_upload_writes_nothing_and_the_retry_completes(personas, monkeypatch):
    import psycopg2

    # given a report of three positions, written one position per chunk
    codes = [factories.MedicineFactory(code=f"M-CUT-{n}").code for n in range(3)]
    job = report_job(personas.hospital_a_user, codes)
    monkeypatch.setattr("stock.services.report_writing.CHUNK_ROWS", 1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend_pid = cursor.fetchone()[0]

    def cut_connection_after_first_chunk(*, job_id, processed, total):
        if processed > 0:
            settings = connection.settings_dict
            killer = psycopg2.connect(
                dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
            )
            killer.autocommit = True
            with killer.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
            killer.close()

    monkeypatch.setattr("stock.services.report_jobs.import_job_progress", cut_connection_after_first_chunk)

    # when the import runs and its connection is terminated after the first chunk is written
    with pytest.raises(DatabaseError):
        monthly_report_job_run(job_id=job.pk)
    connection.close()

    # then nothing of the file was kept, and the job says so
    assert MonthlyReport.objects.count() == 0
    assert StockMovement.objects.count() == 0
    failed = ImportJob.objects.get(pk=job.pk)
    assert failed.status == ImportStatus.FAILED
    assert "rien n'a été enregistré" in failed.errors[0]["message"]

    # when the file is sent again on a healthy connection
    monkeypatch.undo()
    finished = monthly_report_job_run(job_id=report_job(personas.hospital_a_user, codes).pk)

    # then the whole file is imported, once
    assert finished.status == ImportStatus.SUCCEEDED, finished.errors
    assert MonthlyReport.objects.count() == 3


@pytest.mark.django_db
def test_an_import_task_delivered_twice_imports_once(personas, eager_tasks):
    # given a pending report job
    codes = [factories.MedicineFactory(code=f"M-TWICE-{n}").code for n in range(2)]
    job = report_job(personas.hospital_a_user, codes)

    # when the broker delivers its task twice
    monthly_report_import_run.apply(args=[job.pk])
    monthly_report_import_run.apply(args=[job.pk])

    # then the reports and their movements exist once
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.SUCCEEDED
    assert MonthlyReport.objects.count() == 2
    movements = StockMovement.objects.count()
    monthly_report_import_run.apply(args=[job.pk])
    assert StockMovement.objects.count() == movements


@pytest.mark.django_db
def test_a_digest_task_delivered_twice_sends_one_email(personas, eager_tasks):
    # given one notification of an alert for the analyst
    medicine = factories.MedicineFactory()
    alert = Alert.objects.create(kind="national_risk", medicine=medicine, level="high", message="Risque")
    event = AlertEvent.objects.create(alert=alert, kind=AlertEventKind.OPENED, to_value="high")
    notification = Notification.objects.create(
        user=personas.analyst, alert=alert, event=event, subject="Alerte", body="Risque"
    )

    # when the analyst's digest task of the day is delivered twice
    day = dt.date.today().isoformat()
    digest_send.apply(args=[personas.analyst.pk, day])
    digest_send.apply(args=[personas.analyst.pk, day])

    # then one e-mail was sent
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=notification.pk).emailed_at is not None
