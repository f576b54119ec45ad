"""An industry user submits a declaration through the form, then uploads a file with a bad row and
reads the per-row error report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from partners.models import SupplyDeclaration
from tests import factories


def _last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_industry_user_submits_a_declaration(page, live_server, login, personas):
    # given
    medicine = factories.MedicineFactory(code="MED-BROWSER-1")
    month = _last_month()
    login(personas.association_user)
    expect(page.get_by_role("heading", name="Déclarations mensuelles")).to_be_visible()
    # when
    page.goto(f"{live_server.url}/declarations/nouvelle/")
    page.select_option("select[name=company]", label=str(personas.member_company))
    page.fill("input[name=medicine]", medicine.code)
    page.fill("input[name=month]", f"{month:%Y-%m}")
    page.fill("input[name=stock_on_hand]", "9000")
    page.fill("input[name=monthly_sales]", "3000")
    page.locator("form button[type=submit]").last.click()
    # then
    expect(page.locator(".message--success")).to_contain_text("Déclaration enregistrée")
    declaration = SupplyDeclaration.objects.get(company=personas.member_company, medicine=medicine, month=month)
    assert (declaration.stock_on_hand, declaration.monthly_sales) == (9000, 3000)
    assert declaration.submitted_by == personas.association_user


def test_industry_user_reads_the_error_report_of_a_bad_upload(page, live_server, login, personas):
    # given
    good, other = factories.MedicineFactory(code="MED-UP-1"), factories.MedicineFactory(code="MED-UP-2")
    month = f"{_last_month():%Y-%m}"
    company = personas.member_company.organization.name
    login(personas.association_user)
    # when: fill two rows into the downloaded template, the second with a negative stock
    page.goto(f"{live_server.url}/declarations/import/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Modèle CSV").click()
    header = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    columns = header.split(";")

    def row(**values: str) -> str:
        return ";".join(values.get(column, "") for column in columns)

    content = "\n".join(
        [
            header,
            row(mois=month, entreprise=company, medicament=good.code, stock="1200", ventes_mensuelles="400"),
            row(mois=month, entreprise=company, medicament=other.code, stock="-5", ventes_mensuelles="400"),
        ]
    ).encode()
    page.set_input_files(
        "input[type=file]", files=[{"name": "declarations.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.locator("form[enctype] button[type=submit]").click()
    # then: the report names the row and the column, and nothing was written
    report = page.get_by_test_id("import-errors")
    expect(report).to_be_visible()
    row = report.locator("tbody tr").first
    expect(row.locator("td").nth(0)).to_have_text("3")
    expect(row.locator("td").nth(1)).to_have_text("stock")
    assert not SupplyDeclaration.objects.filter(medicine__in=[good, other]).exists()
