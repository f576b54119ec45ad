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
