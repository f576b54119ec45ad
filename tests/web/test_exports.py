"""CSV and XLSX exports: the filtered rows, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation
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
    assert rows[0][:5] == ["N°", "Type", "Code type", "Niveau", "Code niveau"]
    assert {(row[3], row[4]) for row in rows[1:]} == {("Critique", "critical")}
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
    assert values[0][0] == "Code médicament"
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
    assert rows[0][:3] == ["Mois", "Entreprise", "Code médicament"]
    assert [row[2] for row in rows[1:]] == [disrupted.medicine.code]
    assert response["Content-Disposition"] == 'attachment; filename="declarations.csv"'


def test_a_french_csv_opens_as_numbers_in_french_excel(client, personas):
    # given an establishment whose positions have 100/120 = 0.8333... months of stock
    build_world(personas, size=1)
    client.force_login(personas.hospital_b_user)
    url = reverse("shortages:establishment_detail", args=[personas.hospital_b.pk])
    # when
    with translation.override("fr"):
        response = client.get(url, {"format": "csv"})
    # then: BOM, ';', rounded figures with a decimal comma, units in the headers, label and code apart
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    header = rows[0]
    assert "Mois de stock (mois)" in header and "Stock utilisable (unités)" in header
    assert "Consommation mensuelle moyenne (unités par mois)" in header
    mos = {row[header.index("Mois de stock (mois)")] for row in rows[1:]}
    assert mos == {"0,8"}
    amc = {row[header.index("Consommation mensuelle moyenne (unités par mois)")] for row in rows[1:]}
    assert amc == {"120"}
    states = {(row[header.index("État")], row[header.index("Code état")]) for row in rows[1:]}
    assert all(label and code and label != code for label, code in states)
    assert all("." not in cell for row in rows[1:] for cell in row[5:10])


def test_the_xlsx_export_has_number_cells_with_formats(client, personas):
    # given
    build_world(personas, size=1)
    client.force_login(personas.analyst)
    # when
    response = client.get(reverse("shortages:medicine_list"), {"format": "xlsx"})
    # then
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    mos = header.index("Mois de stock (mois)") + 1
    scored = header.index("Date du score") + 1
    cells = [sheet.cell(row=row, column=mos) for row in range(2, sheet.max_row + 1)]
    assert cells and all(isinstance(cell.value, float) for cell in cells)
    assert {cell.number_format for cell in cells} == {"#,##0.0"}
    assert sheet.cell(row=2, column=scored).number_format == "DD/MM/YYYY"
    assert sheet.cell(row=2, column=scored).is_date
    assert header[header.index("Niveau") + 1] == "Code niveau"


def test_the_compliance_cover_is_rounded_with_its_unit(client, personas):
    # given
    from tests.partners.factories import DeclarationFactory

    DeclarationFactory(company=personas.outside_company, stock_on_hand=1000, monthly_sales=600)
    client.force_login(personas.analyst)
    # when
    with translation.override("fr"):
        csv_export = client.get(reverse("partners:compliance"), {"month": "2026-09", "format": "csv"})
    # then: 1000 / 600 = 1.666... months, rounded to one digit with its unit
    rows = list(csv.reader(io.StringIO(csv_export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][rows[0].index("Couverture (mois de ventes)")]
    assert rows[1][rows[0].index("Couverture (mois de ventes)")] == "1,7"
    assert rows[1][rows[0].index("Conforme")] == "non"
