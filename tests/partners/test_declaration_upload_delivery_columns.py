"""The upload's delivery columns: the first delivery's are always in a file, the second's and the
third's may be left out, each set of three whole (the template keeps all three:
test_declaration_api_template.py)."""

import io

import pytest
from openpyxl import Workbook

from partners.models import SupplyDeclaration
from partners.services.declaration_rows import COLUMN_NAMES
from tests import factories
from tests.partners.test_declaration_upload import csv_bytes, row, send

pytestmark = pytest.mark.django_db

FIRST_DELIVERY_ONLY = [name for name in COLUMN_NAMES if not name.startswith(("livraison2_", "livraison3_"))]


def messages_of(response) -> list[str]:
    return [error["message"] for error in response.json()["error"]["rows"]]


def test_a_csv_with_only_the_first_delivery_columns_is_written(personas, api_client_for):
    # given a file with the columns of livraison1 and none of livraison2 or livraison3
    medicine = factories.MedicineFactory()
    rows = [
        row(
            personas.outside_company,
            medicine,
            livraison1_date="2026-10-15",
            livraison1_quantite="500",
            livraison1_type="Importation",
        )
    ]
    # when
    response = send(api_client_for(personas.company_user), csv_bytes(rows, header=FIRST_DELIVERY_ONLY))
    # then
    assert response.status_code == 201, response.json()
    declaration = SupplyDeclaration.objects.get()
    assert list(declaration.supply_lines.values_list("quantity", "kind")) == [(500, "import")]


def test_a_workbook_with_the_first_two_deliveries_is_written(personas, api_client_for):
    # given a workbook with livraison1 and livraison2, without livraison3
    header = [name for name in COLUMN_NAMES if not name.startswith("livraison3_")]
    workbook = Workbook()
    workbook.active.append(header)
    values = {
        "mois": "2026-09",
        "entreprise": personas.outside_company.organization.name,
        "medicament": factories.MedicineFactory().code,
        "stock": 900,
        "ventes_mensuelles": 300,
        "livraison2_date": "2026-11-02",
        "livraison2_quantite": 40,
        "livraison2_type": "production",
    }
    workbook.active.append([values.get(name) for name in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    # when
    response = send(api_client_for(personas.company_user), buffer.getvalue(), name="declarations.xlsx")
    # then
    assert response.status_code == 201, response.json()
    assert list(SupplyDeclaration.objects.get().supply_lines.values_list("quantity", flat=True)) == [40]


def test_a_partial_delivery_set_is_refused_naming_its_missing_columns(personas, api_client_for):
    # given livraison2 with its date only, livraison3 absent
    header = [*FIRST_DELIVERY_ONLY, "livraison2_date"]
    content = csv_bytes([row(personas.outside_company, factories.MedicineFactory())], header=header)
    # when
    response = send(api_client_for(personas.company_user), content)
    # then
    assert response.status_code == 400
    messages = messages_of(response)
    assert len(messages) == 1
    assert "livraison2_quantite, livraison2_type" in messages[0]
    assert "livraison2_date" not in messages[0] and "livraison3" not in messages[0]
    assert not SupplyDeclaration.objects.exists()


def test_the_first_delivery_columns_stay_required_and_are_named_with_a_partial_set(personas, api_client_for):
    # given no livraison1_type, and livraison3 without its quantity
    header = [name for name in COLUMN_NAMES if name not in ("livraison1_type", "livraison3_quantite")]
    content = csv_bytes([row(personas.outside_company, factories.MedicineFactory())], header=header)
    # when
    response = send(api_client_for(personas.company_user), content)
    # then both are named, each in its own message
    messages = messages_of(response)
    assert response.status_code == 400
    assert any("manquantes" in message and "livraison1_type" in message for message in messages)
    assert any("livraison3_quantite" in message and "Livraison 3" in message for message in messages)
