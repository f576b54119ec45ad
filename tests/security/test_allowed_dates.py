"""One rule of allowed dates for every write (``stock.dates``): nothing before 2000-01-01; recorded
facts (movements, transfers, reports, declared months) not after today; planned dates (expected
deliveries and disruption dates) at most ten years ahead. Monthly reports, declarations (API, form,
upload), movements and transfers all refuse the same dates, naming the field or cell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.models import SupplyDeclaration
from partners.services.declaration_rows import COLUMN_NAMES
from stock.models import MonthlyReport, StockMovement, Transfer
from tests import factories

CORPUS = Path(__file__).parent / "corpus"


# import jobs run in the test's process (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("tasks_in_process")


@pytest.fixture
def medicine(db):
    return factories.MedicineFactory(code="M000")


def test_a_report_for_absurd_years_is_refused_on_each_month_cell(
    personas, medicine, api_client_for, django_capture_on_commit_callbacks
):
    # given a hospital's software, and the report for 0201-11 and 1900-01 of the corpus
    client = api_client_for(personas.hospital_a_user)
    content = (CORPUS / "report_absurd_years.csv").read_bytes()

    # when it is uploaded
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/monthly-reports/upload/", {"file": SimpleUploadedFile("y.csv", content)}, format="multipart"
        )
    job = client.get(f"/api/v1/import-jobs/{response.json()['id']}/").json()

    # then both month cells are refused with the earliest month, and no count reset any stock
    assert job["status"] == "failed"
    assert [(error["line"], error["column"]) for error in job["errors"]] == [(2, "month"), (3, "month")]
    assert all("2000-01" in error["message"] for error in job["errors"])
    assert not MonthlyReport.objects.exists() and not StockMovement.objects.exists()


def declaration(personas, medicine, **changes) -> dict:
    body = {
        "company": personas.outside_company.pk,
        "medicine": medicine.pk,
        "month": "2026-09",
        "stock_on_hand": 100,
        "monthly_sales": 50,
        "supply_lines": [{"expected_on": "2026-10-20", "quantity": 40, "kind": "import"}],
    }
    return body | changes


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"month": "0201-11"}, "month"),
        ({"month": "1900-01"}, "month"),
        ({"disruption": True, "disruption_cause": "api", "disruption_start": "0201-11-01"}, "disruption_start"),
        ({"supply_lines": [{"expected_on": "9999-01-01", "quantity": 40, "kind": "import"}]}, "supply_lines"),
    ],
    ids=["month-0201", "month-1900", "disruption-0201", "delivery-9999"],
)
def test_a_declaration_with_an_absurd_date_is_refused_naming_the_field(
    personas, medicine, api_client_for, changes, field
):
    # when a company declares with an absurd date through the API
    response = api_client_for(personas.company_user).post(
        "/api/v1/declarations/", declaration(personas, medicine, **changes), format="json"
    )

    # then the field is named, and nothing is written
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert not SupplyDeclaration.objects.exists()


def test_a_declaration_file_for_1900_is_refused_on_its_month_cell(personas, medicine, api_client_for):
    # given a declaration file for 1900-01
    cells = {
        "mois": "1900-01",
        "entreprise": personas.outside_company.organization.name,
        "medicament": "M000",
        "stock": "10",
        "ventes_mensuelles": "5",
    }
    content = (";".join(COLUMN_NAMES) + "\n" + ";".join(cells.get(name, "") for name in COLUMN_NAMES) + "\n").encode()

    # when it is uploaded
    response = api_client_for(personas.company_user).post(
        "/api/v1/declarations/upload/", {"file": SimpleUploadedFile("d.csv", content)}, format="multipart"
    )

    # then the cell is named, and nothing is written
    assert response.status_code == 400
    assert [(row["line"], row["column"]) for row in response.json()["error"]["rows"]] == [(2, "mois")]
    assert not SupplyDeclaration.objects.exists()


def test_the_declaration_form_refuses_1900(client, personas, medicine):
    # given a company user on the declaration form
    client.force_login(personas.company_user)
    data = {
        "company": personas.outside_company.pk,
        "medicine": medicine.code,
        "month": "1900-01",
        "stock_on_hand": "100",
        "monthly_sales": "50",
        "disruption_cause": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
    }

    # when it is posted, then the month field is in error and nothing is written
    response = client.post(reverse("partners:declaration_create"), data)
    assert response.status_code == 200
    assert "month" in response.context["form"].errors
    assert not SupplyDeclaration.objects.exists()


@pytest.mark.parametrize("day", ["1999-12-31", "0201-11-30"])
def test_a_movement_before_2000_is_refused(personas, medicine, api_client_for, day):
    # when a receipt dated before 2000 is posted
    item = {"establishment": "T-HOSP-A", "medicine": "M000", "kind": "receipt", "business_date": day, "quantity": 5}
    response = api_client_for(personas.hospital_a_user).post("/api/v1/movements/", item, format="json")

    # then the date is named, and nothing is written
    assert response.status_code == 400
    assert "01/01/2000" in json.dumps(response.json()["error"]["fields"]["business_date"])
    assert not StockMovement.objects.exists()


def test_a_transfer_shipped_in_0201_is_refused(personas, medicine, api_client_for):
    # given stock at hospital A
    client = api_client_for(personas.analyst)
    receipt = {"establishment": "T-HOSP-A", "medicine": "M000", "kind": "receipt", "business_date": "2026-01-05"}
    assert client.post("/api/v1/movements/", {**receipt, "quantity": 50}, format="json").status_code == 201

    # when a transfer dated 0201-11-30 is shipped
    response = client.post(
        "/api/v1/transfers/",
        {
            "source": "T-HOSP-A",
            "destination": "T-HOSP-B",
            "medicine": "M000",
            "quantity": 5,
            "shipped_on": "0201-11-30",
        },
        format="json",
    )

    # then the date is named, and nothing moved
    assert response.status_code == 400, response.content
    assert "shipped_on" in response.json()["error"]["fields"]
    assert not Transfer.objects.exists() and StockMovement.objects.count() == 1
