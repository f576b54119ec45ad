"""Spreadsheet upload of declarations: the whole file or nothing, every error named."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from openpyxl import Workbook

from partners.models import SupplyDeclaration, SupplyLine
from partners.services import declaration_upload
from partners.services.declaration_rows import COLUMN_NAMES
from stock.models import ImportJob
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations/upload/"


def csv_bytes(rows, *, header=COLUMN_NAMES, delimiter=";", encoding="utf-8"):
    lines = [delimiter.join(header)]
    lines += [delimiter.join(str(row.get(column, "")) for column in header) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def row(company, medicine, **values):
    base = {
        "mois": "2026-09",
        "entreprise": company.organization.name,
        "medicament": medicine.code,
        "stock": "1 200",
        "ventes_mensuelles": "400",
        "rupture": "non",
    }
    return base | values


def send(client, content, name="declarations.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)}, format="multipart")


@pytest.fixture
def medicines():
    return [factories.MedicineFactory() for _ in range(3)]


def test_a_good_csv_file_is_written_whole(personas, api_client_for, medicines):
    # given an association user, its member company, three rows (one with a disruption and two lines)
    company = personas.member_company
    rows = [
        row(company, medicines[0]),
        row(
            company,
            medicines[1],
            rupture="oui",
            cause_rupture="api",
            debut_rupture="15/10/2026",
            pays_origine_pa="Chine",
            livraison1_date="2026-11-02",
            livraison1_quantite="300",
            livraison1_type="import",
            livraison2_date="2026-12-01",
            livraison2_quantite="250",
            livraison2_type="production",
        ),
        row(company, medicines[2], stock="0", ventes_mensuelles="0"),
    ]
    # when
    response = send(api_client_for(personas.association_user), csv_bytes(rows))
    # then
    assert response.status_code == 201, response.json()
    assert response.json()["rows_written"] == 3
    disrupted = SupplyDeclaration.objects.get(medicine=medicines[1])
    assert (disrupted.disruption_cause, disrupted.api_origin_country, disrupted.disruption_start.isoformat()) == (
        "api",
        "Chine",
        "2026-10-15",
    )
    assert list(disrupted.supply_lines.values_list("quantity", "kind")) == [(300, "import"), (250, "production")]
    assert SupplyDeclaration.objects.get(medicine=medicines[0]).stock_on_hand == 1200
    job = ImportJob.objects.get()
    assert (job.kind, job.status, job.rows_written) == ("declaration", "succeeded", 3)
    assert SupplyDeclaration.objects.filter(import_job=job).count() == 3


def test_a_good_xlsx_file_is_written_whole(personas, api_client_for, medicines):
    # given a workbook with typed cells (a real date, numbers)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMN_NAMES))
    for medicine in medicines[:2]:
        sheet.append(["2026-09", "Laboratoire indépendant", medicine.code, 900, 300.0, "non"] + [None] * 13)
    buffer = io.BytesIO()
    workbook.save(buffer)
    # when
    response = send(api_client_for(personas.company_user), buffer.getvalue(), name="declarations.xlsx")
    # then
    assert response.status_code == 201, response.json()
    assert sorted(SupplyDeclaration.objects.values_list("monthly_sales", flat=True)) == [300, 300]


def test_a_bad_last_row_leaves_nothing_written(personas, api_client_for, medicines):
    # given two good rows and a last row with three problems
    company = personas.outside_company
    rows = [
        row(company, medicines[0]),
        row(company, medicines[1]),
        row(company, medicines[2], stock="-5", ventes_mensuelles="beaucoup", livraison1_quantite="10"),
    ]
    # when
    response = send(api_client_for(personas.company_user), csv_bytes(rows))
    # then
    assert response.status_code == 400
    errors = response.json()["error"]["rows"]
    assert {(error["line"], error["column"]) for error in errors} == {
        (4, "stock"),
        (4, "ventes_mensuelles"),
    }
    assert not SupplyDeclaration.objects.exists()
    assert not SupplyLine.objects.exists()
    assert ImportJob.objects.get().status == "failed"


def test_reference_and_rule_errors_are_named_by_line_and_column(personas, api_client_for, medicines):
    # given rows whose cells parse but break references and rules
    company = personas.outside_company
    rows = [
        row(company, medicines[0]),
        row(company, factories.MedicineFactory.build(code="NOPE-1")),
        row(company, medicines[1], rupture="oui"),
        row(company, medicines[2], livraison1_date="2026-11-01"),
        row(company, medicines[0]),
        row(personas.member_company, medicines[1]),
    ]
    # when
    response = send(api_client_for(personas.company_user), csv_bytes(rows))
    # then
    errors = {(error["line"], error["column"]) for error in response.json()["error"]["rows"]}
    assert errors == {
        (3, "medicament"),
        (4, "cause_rupture"),
        (4, "debut_rupture"),
        (5, "livraison1_quantite"),
        (5, "livraison1_type"),
        (6, "medicament"),
        (7, "entreprise"),
    }
    assert not SupplyDeclaration.objects.exists()


def test_a_company_user_cannot_upload_for_another_company(personas, api_client_for, medicines):
    response = send(api_client_for(personas.company_user), csv_bytes([row(personas.member_company, medicines[0])]))
    assert response.status_code == 400
    assert [(e["line"], e["column"]) for e in response.json()["error"]["rows"]] == [(2, "entreprise")]
    assert not SupplyDeclaration.objects.exists()


def test_a_windows_1252_file_is_read_with_a_warning(personas, api_client_for, medicines):
    # given the company's accented name saved by a French spreadsheet in Windows-1252
    content = csv_bytes([row(personas.outside_company, medicines[0])], encoding="cp1252")
    # when
    response = send(api_client_for(personas.company_user), content)
    # then
    assert response.status_code == 201, response.json()
    assert "Windows-1252" in response.json()["summary"]["warnings"][0]
    assert SupplyDeclaration.objects.get().company == personas.outside_company


def test_a_utf16_file_is_refused_with_the_encoding_to_use(personas, api_client_for, medicines):
    # given a spreadsheet saved as "Unicode text" (UTF-16)
    content = csv_bytes([row(personas.outside_company, medicines[0])], encoding="utf-16")
    # when
    response = send(api_client_for(personas.company_user), content)
    # then it is refused on its field, before any job, with the encoding named and how to save it
    assert response.status_code == 400
    messages = " ".join(response.json()["error"]["fields"]["file"])
    assert "UTF-16" in messages and "CSV UTF-8" in messages
    assert not SupplyDeclaration.objects.exists() and not ImportJob.objects.exists()


def test_missing_and_extra_columns_are_each_named(personas, api_client_for, medicines):
    # given a header without "ventes_mensuelles" and with an unknown "commentaire"
    header = [column for column in COLUMN_NAMES if column != "ventes_mensuelles"] + ["commentaire"]
    content = csv_bytes([row(personas.outside_company, medicines[0])], header=header)
    # when
    response = send(api_client_for(personas.company_user), content)
    # then
    messages = [error["message"] for error in response.json()["error"]["rows"]]
    assert any("ventes_mensuelles" in message and "manquantes" in message for message in messages)
    assert any("commentaire" in message and "inconnues" in message for message in messages)
    assert not SupplyDeclaration.objects.exists()


def test_a_comma_separated_file_with_a_bom_is_read(personas, api_client_for, medicines):
    content = b"\xef\xbb\xbf" + csv_bytes([row(personas.outside_company, medicines[0])], delimiter=",")
    response = send(api_client_for(personas.company_user), content)
    assert response.status_code == 201, response.json()


def test_an_empty_file_and_a_header_only_file_are_refused(personas, api_client_for):
    client = api_client_for(personas.company_user)
    assert send(client, b"").status_code == 400
    header_only = send(client, csv_bytes([]))
    assert header_only.status_code == 400
    assert "aucune ligne" in header_only.json()["error"]["rows"][0]["message"]


def test_uploading_a_period_again_adds_versions(personas, api_client_for, medicines):
    client = api_client_for(personas.company_user)
    send(client, csv_bytes([row(personas.outside_company, medicines[0], stock="10")]))
    send(client, csv_bytes([row(personas.outside_company, medicines[0], stock="20")]))
    assert list(
        SupplyDeclaration.objects.order_by("version").values_list("version", "is_current", "stock_on_hand")
    ) == [
        (1, False, 10),
        (2, True, 20),
    ]


def test_the_upload_costs_a_few_queries_per_row_at_most(personas, api_client_for, django_assert_max_num_queries):
    # given 30 rows
    client = api_client_for(personas.company_user)
    medicines = [factories.MedicineFactory() for _ in range(30)]
    content = csv_bytes([row(personas.outside_company, medicine) for medicine in medicines])
    # when / then: reading and checking costs a few queries; writing costs a few per row (versioning)
    with django_assert_max_num_queries(20 + 5 * 30):
        response = send(client, content)
    assert response.json()["rows_written"] == 30


def test_an_unexpected_database_error_leaves_the_job_failed_not_running(
    personas, api_client_for, medicines, monkeypatch
):
    # given a good file, and a database that fails while the rows are written
    def fail(**kwargs):
        raise DatabaseError("deadlock detected")

    monkeypatch.setattr(declaration_upload, "declarations_submit_many", fail)
    content = csv_bytes([row(personas.outside_company, medicines[0])])

    # when
    with pytest.raises(DatabaseError):
        send(api_client_for(personas.company_user), content)

    # then
    job = ImportJob.objects.get()
    assert (job.status, job.rows_written) == ("failed", 0)
    assert "rien n'a été enregistré" in job.errors[0]["message"]
    assert not SupplyDeclaration.objects.exists()
