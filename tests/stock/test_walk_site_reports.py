"""What a health centre reads after a monthly report upload (walk of the site, December 2026): the
job page's counts in the right number, the rows that do not balance named by line, the reading
warnings and a way back to the upload when the file is refused, a refusal that names the page's
own replace option, and the template's help sheet in the page's language."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from stock.models import MonthlyReport
from tests import factories

# import jobs run in the test's process (tests/conftest.py)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

HEADER = "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days"


def upload(user, content: bytes, django_capture_on_commit_callbacks, *, name="novembre.csv", replace=False):
    """The job page a user reads after sending ``content`` on the upload page."""
    browser = Client()
    browser.force_login(user)
    data = {"file": SimpleUploadedFile(name, content)}
    if replace:
        data["replace"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        posted = browser.post("/stock/reports/upload/", data, HTTP_ACCEPT_LANGUAGE="fr")
    return browser.get(posted["Location"], HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_one_row_that_does_not_balance_is_counted_in_the_singular_and_named_by_line(
    personas, django_capture_on_commit_callbacks
):
    # given one report whose count is 7 above what its flows give (108 + 260 - 221 = 147)
    factories.MedicineFactory(code="M1")
    content = f"{HEADER}\nT-HOSP-A;M1;2026-10;108;260;221;0;0;154;0\n".encode()

    # when
    page = upload(personas.hospital_a_user, content, django_capture_on_commit_callbacks)

    # then
    assert MonthlyReport.objects.get().discrepancy == -7
    assert "1 ligne enregistrée." in page and "1 lignes" not in page
    assert "1 rapport ne s'équilibre pas" in page
    assert 'data-testid="import-discrepancies"' in page
    assert '<td class="num">2</td><td dir="ltr">M1</td><td dir="ltr">2026-10</td>' in page
    assert '<td class="num">147</td><td class="num">154</td>' in page


def test_a_month_already_sent_names_the_pages_replace_option_and_replacing_it_counts_one_month(
    personas, django_capture_on_commit_callbacks
):
    # given a month accepted once
    factories.MedicineFactory(code="M1")
    first = f"{HEADER}\nT-HOSP-A;M1;2026-10;0;5;1;0;0;4;0\n".encode()
    upload(personas.hospital_a_user, first, django_capture_on_commit_callbacks)
    corrected = f"{HEADER}\nT-HOSP-A;M1;2026-10;0;6;1;0;0;5;0\n".encode()

    # when it is sent again, then again with the page's replace option
    refused = upload(personas.hospital_a_user, corrected, django_capture_on_commit_callbacks)
    replaced = upload(personas.hospital_a_user, corrected, django_capture_on_commit_callbacks, replace=True)

    # then
    assert 'data-status="failed"' in refused
    assert "« Remplacer les mois déjà déclarés »" in refused
    assert 'href="/stock/reports/upload/"' in refused.split('data-testid="import-errors"')[1]
    assert "1 mois remplacé." in replaced
    assert MonthlyReport.objects.get().received == 6


def test_a_refused_file_still_shows_how_it_was_read(personas, django_capture_on_commit_callbacks):
    # given a Windows-1252 file with an unknown medicine
    content = f"{HEADER}\nT-HOSP-A;INCONNU-é;2026-10;0;5;1;0;0;4;0\n".encode("cp1252")

    # when
    page = upload(personas.hospital_a_user, content, django_capture_on_commit_callbacks)

    # then
    assert 'data-status="failed"' in page
    assert "Windows-1252" in page


def test_the_template_help_sheet_follows_the_request_language(api_client_for, personas):
    # given the descriptions of the help sheet in Arabic
    with translation.override("ar"):
        arabic = translation.gettext("Code du médicament")
    assert arabic != "Code du médicament"

    # when the template is asked for in Arabic
    answer = api_client_for(personas.hospital_a_user).get(
        "/api/v1/monthly-reports/template/?format=xlsx", HTTP_ACCEPT_LANGUAGE="ar"
    )

    # then
    notes = openpyxl.load_workbook(io.BytesIO(answer.content))["aide"]
    descriptions = {row[0]: row[3] for row in notes.iter_rows(min_row=2, values_only=True) if row[0]}
    assert descriptions["medicine"] == arabic
