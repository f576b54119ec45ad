"""What a month of declaring showed a company, an association and an analyst: a quantity refused in
the reader's language by the API, an upload's count said once and in the right number, the
safety-stock duty and the deadline on a declaration's page, the commitments' figures."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.models import SupplyDeclaration
from partners.services.declaration_rows import COLUMN_NAMES
from tests import factories
from tests.partners.factories import CommitmentFactory, CommitmentProgressFactory, DeclarationFactory

pytestmark = pytest.mark.django_db

CASABLANCA = ZoneInfo("Africa/Casablanca")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Un nombre entier valide est requis."), ("ar", "الرجاء إدخال رقم صحيح صالح.")],
)
def test_the_api_refuses_a_quantity_that_is_not_whole_in_the_readers_language(
    personas, api_client_for, language, expected
):
    # given a company user and a body whose quantities are not whole numbers
    client = api_client_for(personas.company_user)
    body = {
        "company": personas.outside_company.pk,
        "medicine": factories.MedicineFactory().code,
        "month": "2026-09",
        "stock_on_hand": "beaucoup",
        "monthly_sales": 1.5,
        "supply_lines": [{"expected_on": "2026-10-15", "quantity": "x", "kind": "import"}],
    }
    # when
    response = client.post("/api/v1/declarations/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)
    # then every field names the refusal in the reader's language, not REST framework's English
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["stock_on_hand"] == [expected]
    assert fields["monthly_sales"] == [expected]
    assert fields["supply_lines"]["0"]["quantity"] == [expected]
    assert "biginteger" not in response.content.decode()
    assert not SupplyDeclaration.objects.exists()


def _csv(rows) -> bytes:
    lines = [";".join(COLUMN_NAMES)]
    lines += [";".join(str(row.get(column, "")) for column in COLUMN_NAMES) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_an_upload_of_one_row_says_its_count_once_in_the_singular(client, personas):
    # given an association user and a file of one row for its member
    client.force_login(personas.association_user)
    medicine = factories.MedicineFactory()
    content = _csv(
        [
            {
                "mois": "2026-09",
                "entreprise": personas.member_company.organization.name,
                "medicament": medicine.code,
                "stock": "1200",
                "ventes_mensuelles": "400",
                "rupture": "non",
            }
        ]
    )
    # when
    response = client.post(
        reverse("partners:declaration_upload"), {"file": SimpleUploadedFile("novembre.csv", content)}
    )
    # then the page says it once, as the count needs
    page = response.content.decode()
    assert response.status_code == 200
    assert SupplyDeclaration.objects.count() == 1
    assert page.count("1 déclaration enregistrée.") == 1
    assert "déclarations enregistrées" not in page


def test_a_declaration_page_shows_the_company_its_safety_stock_duty(client, personas):
    # given a declaration of 1 000 units in stock for 500 sold in the month
    declaration = DeclarationFactory(company=personas.outside_company, stock_on_hand=1000, monthly_sales=500)
    client.force_login(personas.company_user)
    # when
    response = client.get(reverse("partners:declaration_detail", args=[declaration.pk]))
    # then three months of sales are required (1 500), 500 are missing and it is not compliant
    page = response.content.decode()
    assert '<dd data-testid="required-stock">1\xa0500</dd>' in page
    compliant = page.split('data-testid="compliant">')[1].split("</dd>")[0]
    assert "Non" in compliant
    assert "Manque 500" in compliant


def test_a_compliant_declaration_says_so(client, personas):
    declaration = DeclarationFactory(company=personas.outside_company, stock_on_hand=3000, monthly_sales=1000)
    client.force_login(personas.company_user)
    page = client.get(reverse("partners:declaration_detail", args=[declaration.pk])).content.decode()
    compliant = page.split('data-testid="compliant">')[1].split("</dd>")[0]
    assert "Oui" in compliant
    assert "Manque" not in compliant


def _declared_at(declaration, when: dt.datetime) -> None:
    SupplyDeclaration.objects.filter(pk=declaration.pk).update(created_at=when)


def test_a_declaration_page_says_when_the_company_declared_its_month_after_the_5th(client, personas):
    # given September first declared on 5 October at 00:30 in Casablanca: late (the 5th has begun)
    declaration = DeclarationFactory(company=personas.outside_company, month=dt.date(2026, 9, 1))
    _declared_at(declaration, dt.datetime(2026, 10, 5, 0, 30, tzinfo=CASABLANCA))
    client.force_login(personas.company_user)
    # when
    page = client.get(reverse("partners:declaration_detail", args=[declaration.pk])).content.decode()
    # then
    deadline = page.split('data-testid="deadline">')[1].split("</dd>")[0]
    assert deadline.startswith("05/10/2026")
    assert 'data-late="true"' in deadline
    assert "En retard" in deadline
    assert "Déclarée le 05/10/2026" in deadline


def test_a_month_declared_before_the_5th_is_on_time_for_every_medicine_of_it(client, personas):
    # given September's first medicine declared on 4 October at 23:30 in Casablanca, another on the 20th
    company = personas.outside_company
    first = DeclarationFactory(company=company, month=dt.date(2026, 9, 1))
    _declared_at(first, dt.datetime(2026, 10, 4, 23, 30, tzinfo=CASABLANCA))
    later = DeclarationFactory(company=company, month=dt.date(2026, 9, 1))
    _declared_at(later, dt.datetime(2026, 10, 20, 9, 0, tzinfo=CASABLANCA))
    client.force_login(personas.analyst)
    # when the later medicine's page is read
    page = client.get(reverse("partners:declaration_detail", args=[later.pk])).content.decode()
    # then the company declared its month on time (the rule of the late-declarants page)
    deadline = page.split('data-testid="deadline">')[1].split("</dd>")[0]
    assert deadline.strip() == "05/10/2026"


def test_commitment_figures_read_alike_in_the_table_and_the_history(client, personas):
    # given a commitment from 10 to 30 with progress reported by a named analyst
    personas.analyst.first_name, personas.analyst.last_name = "Nadia", "Alaoui"
    personas.analyst.save(update_fields=["first_name", "last_name"])
    commitment = CommitmentFactory(baseline=10, target=30, due_date=dt.date(2030, 12, 31))
    CommitmentProgressFactory(commitment=commitment, reported_on=dt.date(2026, 6, 1), value=20, reported_by=None)
    CommitmentProgressFactory(
        commitment=commitment, reported_on=dt.date(2026, 11, 2), value="20.5", reported_by=personas.analyst
    )
    client.force_login(personas.analyst)
    # when
    table = client.get(reverse("partners:commitment_list")).content.decode()
    progress = client.get(reverse("partners:commitment_progress", args=[commitment.pk])).content.decode()
    # then whole figures without decimals, others with two, the same on both pages
    row = table.split(f'data-commitment="{commitment.pk}"')[1].split("</tr>")[0]
    cells = row.split('<td class="num">')[1:]
    assert cells[0].startswith("10<") and cells[1].startswith("30<")
    assert cells[2].startswith("20,50<")
    assert '<td class="num">20,50</td><td>Nadia Alaoui</td>' in progress
    assert '<td class="num">20</td><td>—</td>' in progress
    assert "référence 10, cible 30" in progress
