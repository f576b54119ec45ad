"""CSV and XLSX exports: the filtered rows, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shortages.models import Alert
from stock.exports import safe_cell
from tests.web.world import build_world


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Rabat", "Rabat"),
        (-5, -5),
        (None, ""),
    ],
)
def test_safe_cell_quotes_formula_text_only(value, expected):
    # when / then
    assert safe_cell(value) == expected


def test_alert_export_csv_follows_filters_and_defuses_formulas(client, personas):
    # given
    world = build_world(personas, size=1)
    Alert.objects.filter(pk=world.alerts[0].pk).update(message="=cmd|' /C calc'!A0")
    client.force_login(personas.analyst)
    # when
    response = client.get(reverse("shortages:alert_list"), {"format": "csv", "level": "critical"})
    # then
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="alertes.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["id", "type", "niveau"]
    assert {row[2] for row in rows[1:]} == {"Critique"}
    expected = Alert.objects.filter(level="critical").count()
    assert len(rows) - 1 == expected
    messages = [row[-1] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in messages


def test_establishment_stock_export_xlsx(client, personas):
    # given
    world = build_world(personas, size=1)
    client.force_login(personas.hospital_a_user)
    # when
    response = client.get(reverse("shortages:establishment_detail", args=[personas.hospital_a.pk]), {"format": "xlsx"})
    # then
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "code"
    assert sorted(row[0] for row in values[1:]) == sorted(m.code for m in world.medicines)


def test_compliance_export_quotes_a_company_name_that_looks_like_a_formula(client, personas):
    from partners.models import Organization
    from tests.partners.factories import DeclarationFactory

    # given a company whose name a spreadsheet would run
    Organization.objects.filter(pk=personas.outside_company.organization_id).update(name='=HYPERLINK("http://x")')
    DeclarationFactory(company=personas.outside_company, stock_on_hand=1000, monthly_sales=500)
    client.force_login(personas.analyst)
    # when both formats are downloaded
    csv_export = client.get(reverse("partners:compliance"), {"month": "2026-09", "format": "csv"})
    xlsx_export = client.get(reverse("partners:compliance"), {"month": "2026-09", "format": "xlsx"})
    # then the name is text in both
    rows = list(csv.reader(io.StringIO(csv_export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][1] == '\'=HYPERLINK("http://x")'
    sheet = load_workbook(io.BytesIO(xlsx_export.content)).active
    assert sheet.cell(row=2, column=2).value == '\'=HYPERLINK("http://x")'


def test_declaration_list_exports_the_filtered_rows(client, personas):
    from tests.partners.factories import DeclarationFactory

    # given two declarations of the association's member, one disrupted
    disrupted = DeclarationFactory(company=personas.member_company, disruption=True, disruption_cause="api")
    DeclarationFactory(company=personas.member_company)
    client.force_login(personas.association_user)
    # when the disrupted ones are exported
    response = client.get(reverse("partners:declaration_list"), {"disruption": "true", "format": "csv"})
    # then
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["mois", "entreprise", "code_medicament"]
    assert [row[2] for row in rows[1:]] == [disrupted.medicine.code]
    assert response["Content-Disposition"] == 'attachment; filename="declarations.csv"'
