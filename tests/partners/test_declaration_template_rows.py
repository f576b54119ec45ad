"""A declaration file as a declarant fills it: the template's example row is recognised and skipped,
causes and supply kinds are given by their French label (codes still accepted), and a medicine may
be named by the EAN-13 of one of its products."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from partners.models import SupplyDeclaration
from partners.services.declaration_rows import COLUMN_NAMES
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations/upload/"


def _template_rows(client) -> list[list[str]]:
    template = client.get(reverse("partners:declaration_template"), {"format": "csv"})
    return list(csv.reader(io.StringIO(template.content.decode("utf-8-sig")), delimiter=";"))


def _line(company, medicine, **values) -> list[str]:
    cells = {"mois": "2026-09", "entreprise": company.organization.name, "medicament": medicine, "stock": "900"}
    cells |= {"ventes_mensuelles": "300", "rupture": "non"} | values
    return [str(cells.get(name, "")) for name in COLUMN_NAMES]


def _send(client, rows) -> dict:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    upload = SimpleUploadedFile("declarations.csv", buffer.getvalue().encode())
    return client.post(URL, {"file": upload}, format="multipart").json()


def test_the_template_example_row_is_skipped_and_the_filled_rows_land(client, personas, api_client_for):
    # given the downloaded template with its example row kept, and one real row under it
    client.force_login(personas.association_user)
    header, example = _template_rows(client)
    medicine = factories.MedicineFactory()
    # when
    job = _send(
        api_client_for(personas.association_user), [header, example, _line(personas.member_company, medicine.code)]
    )
    # then
    assert example[0].startswith("EXEMPLE")
    assert job["status"] == "succeeded", job["errors"]
    assert SupplyDeclaration.objects.get().medicine == medicine
    assert "Ligne d'exemple du modèle ignorée : 2." in job["summary"]["warnings"]


def test_a_file_with_only_the_example_row_says_so(client, personas, api_client_for):
    # given the template sent back untouched
    client.force_login(personas.association_user)
    rows = _template_rows(client)
    # when
    job = _send(api_client_for(personas.association_user), rows)
    # then
    assert job["error"]["code"] == "invalid_file"
    assert job["error"]["rows"][0]["message"] == (
        "Le fichier ne contient que la ligne d'exemple du modèle : remplacez-la par vos données."
    )


def test_the_xlsx_template_marks_its_example_and_explains_it(client, personas):
    # given
    client.force_login(personas.association_user)
    # when
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("partners:declaration_template"), {"format": "xlsx"}).content)
    )
    # then
    assert str(workbook.active["A2"].value).startswith("EXEMPLE")
    help_texts = " ".join(str(cell.value) for row in workbook["aide"].iter_rows() for cell in row if cell.value)
    assert "commence par EXEMPLE est un exemple" in help_texts
    assert "Hausse de la demande" in help_texts


@pytest.mark.parametrize(
    ("cause", "kind", "expected"),
    [
        ("Hausse de la demande", "Importation", ("demand", "import")),
        ("hausse de la DEMANDE ", "production locale", ("demand", "production")),
        ("Reglementaire", "import", ("regulatory", "import")),
        ("logistics", "production", ("logistics", "production")),
    ],
)
def test_causes_and_supply_kinds_are_given_by_label_or_code(personas, api_client_for, cause, kind, expected):
    # given a disruption declared with its cause in words and one delivery
    medicine = factories.MedicineFactory()
    values = {"rupture": "oui", "cause_rupture": cause, "debut_rupture": "2026-10-01"}
    values |= {"livraison1_date": "2026-11-02", "livraison1_quantite": "500", "livraison1_type": kind}
    # when
    job = _send(
        api_client_for(personas.association_user),
        [COLUMN_NAMES, _line(personas.member_company, medicine.code, **values)],
    )
    # then
    assert job["status"] == "succeeded", job["errors"]
    declaration = SupplyDeclaration.objects.get()
    assert (declaration.disruption_cause, declaration.supply_lines.get().kind) == expected


def test_an_unknown_cause_lists_the_labels(personas, api_client_for):
    # when
    values = {"rupture": "oui", "cause_rupture": "grève", "debut_rupture": "2026-10-01"}
    job = _send(
        api_client_for(personas.association_user),
        [COLUMN_NAMES, _line(personas.member_company, factories.MedicineFactory().code, **values)],
    )
    # then: the error names the cell and offers the labels a declarant reads
    error = job["error"]["rows"][0]
    assert (error["line"], error["column"]) == (2, "cause_rupture")
    assert "Fabrication ou qualité" in error["message"] and "Hausse de la demande" in error["message"]


def test_a_medicine_is_found_by_the_ean_of_one_of_its_products(personas, api_client_for):
    # given
    product = factories.ProductFactory(ean="6118000012345")
    # when
    job = _send(api_client_for(personas.association_user), [COLUMN_NAMES, _line(personas.member_company, product.ean)])
    # then
    assert job["status"] == "succeeded", job["errors"]
    assert SupplyDeclaration.objects.get().medicine == product.medicine
