"""The monthly report upload page and the import job page an uploader follows."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from config.celery import app as celery_app
from stock.choices import ImportKind, ImportStatus
from stock.models import ImportJob, MonthlyReport
from stock.services.imports import import_job_finish, import_job_progress
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def imports_run_in_process():
    """No worker runs during tests: with a real broker configured, run the import task in-process."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


HEADER = "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days"


def browser_for(user):
    client = Client()
    client.force_login(user)
    return client


def running_job(user, *, processed, total):
    """A monthly report job of ``user`` being processed, ``processed`` rows of ``total`` done."""
    job = ImportJob.objects.create(
        kind=ImportKind.MONTHLY_REPORT, status=ImportStatus.RUNNING, file_name="big.csv", created_by=user
    )
    import_job_progress(job_id=job.pk, processed=processed, total=total)
    return job


def test_an_upload_leads_to_its_result_page(personas, django_capture_on_commit_callbacks):
    # given
    factories.MedicineFactory(code="M1")
    file = SimpleUploadedFile(
        "mars.csv", f"{HEADER}\nT-HOSP-A;M1;2026-02;0;5;1;0;0;4;0\nT-HOSP-A;M1;2026-13;0;5;1;0;0;4;0\n".encode()
    )
    browser = browser_for(personas.hospital_a_user)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        posted = browser.post("/stock/reports/upload/", {"file": file})
    response = browser.get(posted["Location"])

    # then
    page = response.content.decode()
    assert response.status_code == 200 and 'data-status="failed"' in page
    assert '<td class="num">3</td><td>month</td>' in page
    assert not MonthlyReport.objects.exists()


def test_a_running_job_shows_its_progress_and_refreshes(personas):
    job = running_job(personas.hospital_a_user, processed=2500, total=10000)

    page = browser_for(personas.hospital_a_user).get(f"/imports/{job.pk}/").content.decode()
    foreign = browser_for(personas.hospital_b_user).get(f"/imports/{job.pk}/")
    cache.clear()

    assert 'value="25"' in page and 'http-equiv="refresh"' in page and "2500" in page
    assert foreign.status_code == 404


def test_industry_users_cannot_open_the_report_upload(personas):
    assert browser_for(personas.company_user).get("/stock/reports/upload/").status_code == 403


def test_the_api_follows_a_running_job_and_keeps_its_result(personas, api_client_for):
    # given a large upload being processed
    job = running_job(personas.hospital_a_user, processed=2500, total=10000)
    client = api_client_for(personas.hospital_a_user)

    # when it is followed, then finishes with an error
    running = client.get(f"/api/v1/import-jobs/{job.pk}/").json()
    foreign = api_client_for(personas.hospital_b_user).get(f"/api/v1/import-jobs/{job.pk}/")
    error = {"line": 9001, "column": "month", "message": "Le mois ne peut pas être dans le futur."}
    import_job_finish(job_id=job.pk, rows_written=0, errors=[error], total_rows=10000)
    cache.clear()
    finished = client.get(f"/api/v1/import-jobs/{job.pk}/").json()

    # then
    assert (running["status"], running["processed_rows"], running["total_rows"]) == ("running", 2500, 10000)
    assert foreign.status_code == 404
    assert (finished["status"], finished["rows_written"], finished["errors"]) == ("failed", 0, [error])
    assert finished["processed_rows"] == finished["total_rows"] == 10000
