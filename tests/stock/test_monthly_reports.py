"""Monthly report uploads: all rows or none, every bad row named, discrepancies, periods sent again."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from stock.models import ConsumptionMonth, ImportJob, MonthlyReport, StockLevel, StockMovement
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]


URL = "/api/v1/monthly-reports/upload/"
HEADER = "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days"


@pytest.fixture
def medicines():
    return [factories.MedicineFactory(code=f"M{n:03d}") for n in range(3)]


def csv_file(lines, name="rapport.csv"):
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode(), content_type="text/csv")


def upload(client, django_capture_on_commit_callbacks, file, **data):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": file, **data}, format="multipart")
    assert response.status_code == 202, response.json()
    return client.get(f"/api/v1/import-jobs/{response.json()['id']}/").json()


def test_a_report_writes_movements_summary_and_level(personas, hospital, medicines, django_capture_on_commit_callbacks):
    # when
    job = upload(hospital, django_capture_on_commit_callbacks, csv_file(["T-HOSP-A;M000;2026-02;100;50;120;5;0;25;3"]))

    # then
    assert job["status"] == "succeeded" and job["rows_written"] == 1 and job["errors"] == []
    assert StockLevel.objects.get(medicine=medicines[0]).quantity == 25
    month = ConsumptionMonth.objects.get(medicine=medicines[0])
    assert (month.issued, month.received, month.losses, month.stockout_days, month.closing_balance) == (
        120,
        50,
        5,
        3,
        25,
    )
    kinds = dict(StockMovement.objects.values_list("kind", "quantity"))
    assert kinds == {"receipt": 50, "issue": -120, "loss": -5, "count": 100}
    assert sum(kinds.values()) == 25
    assert MonthlyReport.objects.get().discrepancy == 0


def test_an_unbalanced_report_is_accepted_and_flagged(hospital, medicines, django_capture_on_commit_callbacks):
    job = upload(hospital, django_capture_on_commit_callbacks, csv_file(["T-HOSP-A;M000;2026-02;100;0;10;0;0;80;0"]))

    assert job["status"] == "succeeded" and job["summary"]["discrepancies"] == 1
    report = hospital.get("/api/v1/monthly-reports/?discrepancy=true").json()["results"][0]
    assert report["discrepancy"] == 10 and report["has_discrepancy"] is True


def test_a_bad_row_last_in_a_large_file_stops_the_whole_file(hospital, medicines, django_capture_on_commit_callbacks):
    # given 900 good rows (300 months from 2000-01, the earliest allowed, x 3 medicines) then one bad row
    months = [dt.date(2000 + n // 12, n % 12 + 1, 1) for n in range(300)]
    lines = [f"T-HOSP-A;{m.code};{month:%Y-%m};0;10;5;0;0;5;0" for month in months for m in medicines]
    lines.append("T-HOSP-A;M000;2099-01;0;10;5;0;0;5;0")

    # when
    job = upload(hospital, django_capture_on_commit_callbacks, csv_file(lines))

    # then
    assert job["status"] == "failed" and job["rows_written"] == 0
    assert job["errors"] == [{"line": 902, "column": "month", "message": job["errors"][0]["message"]}]
    assert job["total_rows"] == 901
    assert not MonthlyReport.objects.exists() and not StockMovement.objects.exists()
    assert not ConsumptionMonth.objects.exists()


def test_every_bad_row_is_listed_with_its_column(personas, hospital, medicines, django_capture_on_commit_callbacks):
    lines = [
        "T-HOSP-A;M000;2026-02;0;10;5;0;0;5;0",
        "T-HOSP-B;M000;2026-02;0;10;5;0;0;5;0",  # another hospital's stock
        "T-HOSP-A;NOPE;2026-02;0;10;5;0;0;5;0",
        "T-HOSP-A;M001;2026-02;0;ten;5;0;0;5;0",
        "T-HOSP-A;M002;2026-02;0;10;5;0;0;5;30",  # 30 stockout days in February
        "T-HOSP-A;M000;2026-02;0;10;5;0;0;5;0",  # same period twice
    ]

    job = upload(hospital, django_capture_on_commit_callbacks, csv_file(lines))

    assert [(error["line"], error["column"]) for error in job["errors"]] == [
        (3, "establishment"),
        (4, "medicine"),
        (5, "received"),
        (6, "stockout_days"),
        (7, "month"),
    ]
    assert not MonthlyReport.objects.exists()


def test_a_line_refused_for_a_cell_names_its_unknown_codes_too(
    personas, hospital, medicines, django_capture_on_commit_callbacks
):
    # given lines whose quantities do not read, one with an unknown medicine, one of another hospital
    lines = [
        "T-HOSP-A;NOPE;2026-02;0;ten;5;0;0;5;0",
        "T-HOSP-B;M000;2026-02;0;10;cinq;0;0;5;0",
        "T-HOSP-A;M001;2026-02;0;10;5;0;0;5;0",
    ]
    # when
    job = upload(hospital, django_capture_on_commit_callbacks, csv_file(lines))
    # then each line's report names all its faults at once (in line order, then by column), and
    # nothing is written
    assert [(error["line"], error["column"]) for error in job["errors"]] == [
        (2, "medicine"),
        (2, "received"),
        (3, "establishment"),
        (3, "issued"),
    ]
    assert job["errors"][0]["message"] == "Médicament inconnu : NOPE."
    assert job["errors"][2]["message"] == "Vous ne pouvez pas déclarer le stock de cet établissement."
    assert not MonthlyReport.objects.exists()


def test_a_period_sent_again_is_refused_unless_replace(
    personas, hospital, medicines, django_capture_on_commit_callbacks
):
    # given
    upload(hospital, django_capture_on_commit_callbacks, csv_file(["T-HOSP-A;M000;2026-02;0;100;40;0;0;60;0"]))

    # when
    refused = upload(
        hospital, django_capture_on_commit_callbacks, csv_file(["T-HOSP-A;M000;2026-02;0;100;40;0;0;60;0"])
    )
    replaced = upload(
        hospital,
        django_capture_on_commit_callbacks,
        csv_file(["T-HOSP-A;M000;2026-02;0;90;70;0;0;20;4"]),
        replace="true",
    )

    # then
    assert refused["status"] == "failed" and "replace=true" in refused["errors"][0]["message"]
    assert replaced["status"] == "succeeded" and replaced["summary"]["replaced"] == 1
    assert MonthlyReport.objects.get().issued == 70
    month = ConsumptionMonth.objects.get()
    assert (month.issued, month.received, month.stockout_days) == (70, 90, 4)
    assert StockLevel.objects.get().quantity == 20
    assert sum(StockMovement.objects.values_list("quantity", flat=True)) == 20


def test_an_older_period_does_not_move_the_current_level(
    personas, hospital, medicines, django_capture_on_commit_callbacks
):
    # given a recent count of 40
    hospital.post(
        "/api/v1/movements/",
        {
            "establishment": "T-HOSP-A",
            "medicine": "M000",
            "kind": "count",
            "quantity": 40,
            "business_date": "2026-03-05",
        },
    )

    # when January's report arrives late
    job = upload(hospital, django_capture_on_commit_callbacks, csv_file(["T-HOSP-A;M000;2026-01;0;100;30;0;0;70;0"]))

    # then the level stays at 40, and the ledger read by date gives 70 at the end of January
    assert job["status"] == "succeeded"
    assert StockLevel.objects.get().quantity == 40
    january = StockMovement.objects.filter(business_date__lte=dt.date(2026, 1, 31))
    assert sum(january.values_list("quantity", flat=True)) == 70


def test_xlsx_upload_and_template(hospital, medicines, django_capture_on_commit_callbacks):
    template = hospital.get("/api/v1/monthly-reports/template/")
    workbook = load_workbook(io.BytesIO(template.content))
    headers = [cell.value for cell in workbook.worksheets[0][1]]
    sheet = Workbook()
    sheet.active.append(headers)
    sheet.active.append(["T-HOSP-A", "M001", dt.datetime(2026, 1, 1), 0, 12, 2, 0, 0, 10, 0, "damaged"])
    buffer = io.BytesIO()
    sheet.save(buffer)

    job = upload(hospital, django_capture_on_commit_callbacks, SimpleUploadedFile("r.xlsx", buffer.getvalue()))

    assert template.status_code == 200 and "loss_reason" in headers
    assert job["status"] == "succeeded" and StockLevel.objects.get(medicine=medicines[1]).quantity == 10


def test_a_file_with_wrong_columns_is_refused_whole(hospital, medicines, django_capture_on_commit_callbacks):
    file = SimpleUploadedFile("r.csv", b"establishment;medicine;mois\nT-HOSP-A;M000;2026-01\n")

    job = upload(hospital, django_capture_on_commit_callbacks, file)

    assert job["status"] == "failed"
    assert "month" in job["errors"][0]["message"] and "mois" in job["errors"][1]["message"]


def test_an_uploader_sees_only_their_own_jobs(
    personas, hospital, api_client_for, medicines, django_capture_on_commit_callbacks
):
    job = upload(hospital, django_capture_on_commit_callbacks, csv_file(["T-HOSP-A;M000;2026-02;0;1;0;0;0;1;0"]))

    other = api_client_for(personas.hospital_b_user).get(f"/api/v1/import-jobs/{job['id']}/")
    analyst = api_client_for(personas.analyst).get(f"/api/v1/import-jobs/{job['id']}/")

    assert other.status_code == 404 and analyst.status_code == 200
    assert ImportJob.objects.get().created_by == personas.hospital_a_user


def test_industry_users_cannot_upload_reports(personas, api_client_for, medicines):
    response = api_client_for(personas.company_user).post(
        URL, {"file": csv_file(["T-HOSP-A;M000;2026-02;0;1;0;0;0;1;0"])}, format="multipart"
    )

    assert response.status_code == 403 and not ImportJob.objects.exists()


def test_a_movement_dated_before_a_reported_month_keeps_the_reports_figures(
    personas, hospital, medicines, django_capture_on_commit_callbacks
):
    # given February reported with 3 stockout days and a closing count of 25
    upload(hospital, django_capture_on_commit_callbacks, csv_file(["T-HOSP-A;M000;2026-02;100;50;120;5;0;25;3"]))

    # when a January receipt is recorded afterwards
    hospital.post(
        "/api/v1/movements/",
        {
            "establishment": "T-HOSP-A",
            "medicine": "M000",
            "kind": "receipt",
            "quantity": 7,
            "business_date": "2026-01-15",
        },
    )

    # then the reported month is left as the report says
    february = ConsumptionMonth.objects.get(medicine=medicines[0], month=dt.date(2026, 2, 1))
    assert (february.stockout_days, february.closing_balance, february.issued) == (3, 25, 120)
    assert ConsumptionMonth.objects.get(medicine=medicines[0], month=dt.date(2026, 1, 1)).received == 7


@pytest.mark.parametrize(
    ("local_now", "accepted"),
    [
        (dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC), False),  # November is not over
        (dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC), True),  # its last day: the count is today's
    ],
)
def test_a_month_is_reported_once_it_has_ended(
    monkeypatch, hospital, medicines, django_capture_on_commit_callbacks, local_now, accepted
):
    # given
    monkeypatch.setattr(timezone, "now", lambda: local_now)

    # when November is reported
    job = upload(hospital, django_capture_on_commit_callbacks, csv_file(["T-HOSP-A;M000;2026-11;0;10;5;0;0;5;0"]))

    # then no movement is ever dated after today
    assert job["status"] == ("succeeded" if accepted else "failed")
    if not accepted:
        assert [(error["line"], error["column"]) for error in job["errors"]] == [(2, "month")]
    assert not StockMovement.objects.filter(business_date__gt=local_now.date()).exists()
    assert MonthlyReport.objects.exists() == accepted
