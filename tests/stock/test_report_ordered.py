"""The optional ``ordered`` column of monthly reports: kept on the report, read back by the API, no movement."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.celery import app as celery_app
from stock.models import MonthlyReport, StockMovement
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/monthly-reports/upload/"
BASE = "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days"


@pytest.fixture(autouse=True)
def imports_run_in_process():
    """No worker runs during tests: with a real broker configured, run the import task in-process."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def upload(client, capture, header, lines):
    file = SimpleUploadedFile("rapport.csv", ("\n".join([header, *lines]) + "\n").encode(), content_type="text/csv")
    with capture(execute=True):
        response = client.post(URL, {"file": file}, format="multipart")
    assert response.status_code == 202, response.json()
    return client.get(f"/api/v1/import-jobs/{response.json()['id']}/").json()


def test_the_ordered_quantity_is_kept_on_the_report_and_moves_no_stock(
    personas, api_client_for, django_capture_on_commit_callbacks
):
    # given
    factories.MedicineFactory(code="M000")
    client = api_client_for(personas.hospital_a_user)

    # when
    job = upload(
        client, django_capture_on_commit_callbacks, BASE + ";ordered", ["T-HOSP-A;M000;2026-02;100;50;120;0;0;30;0;240"]
    )

    # then
    assert job["status"] == "succeeded", job
    assert MonthlyReport.objects.get().ordered == 240
    assert sorted(StockMovement.objects.values_list("kind", flat=True)) == ["count", "issue", "receipt"]
    assert client.get("/api/v1/monthly-reports/").json()["results"][0]["ordered"] == 240


def test_a_file_without_the_ordered_column_records_zero(personas, api_client_for, django_capture_on_commit_callbacks):
    factories.MedicineFactory(code="M000")
    client = api_client_for(personas.hospital_a_user)

    job = upload(client, django_capture_on_commit_callbacks, BASE, ["T-HOSP-A;M000;2026-02;100;0;10;0;0;90;0"])

    assert job["status"] == "succeeded", job
    assert MonthlyReport.objects.get().ordered == 0


def test_a_negative_ordered_quantity_is_refused_on_its_cell(
    personas, api_client_for, django_capture_on_commit_callbacks
):
    factories.MedicineFactory(code="M000")
    client = api_client_for(personas.hospital_a_user)

    job = upload(
        client, django_capture_on_commit_callbacks, BASE + ";ordered", ["T-HOSP-A;M000;2026-02;100;0;10;0;0;90;0;-5"]
    )

    assert job["status"] == "failed"
    assert [(error["line"], error["column"]) for error in job["errors"]] == [(2, "ordered")]
    assert not MonthlyReport.objects.exists()


def test_the_template_offers_the_ordered_column(personas, api_client_for):
    client = api_client_for(personas.hospital_a_user)

    header = client.get("/api/v1/monthly-reports/template/?format=csv").content.decode("utf-8-sig").splitlines()[0]

    assert header.split(";")[-2:] == ["loss_reason", "ordered"]
