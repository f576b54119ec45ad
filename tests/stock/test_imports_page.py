"""The imports page (/imports/): the import jobs a user may see, newest first, with their outcome and
a link to each job's page; reached from the navigation, the upload pages and the job page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stock.choices import ImportKind, ImportStatus
from stock.models import ImportJob
from stock.views import IMPORTS_PAGE_SIZE
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/imports/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def job_of(user, file_name: str, **fields) -> ImportJob:
    fields.setdefault("kind", ImportKind.MONTHLY_REPORT)
    fields.setdefault("status", ImportStatus.SUCCEEDED)
    return ImportJob.objects.create(file_name=file_name, created_by=user, **fields)


def listed(response, status: int = 200) -> list[str]:
    """The file names of the table's rows, in the order shown (the page answered ``status``)."""
    assert response.status_code == status
    return [job.file_name for job in response.context["page_obj"]]


@pytest.fixture
def regional(personas):
    user = factories.UserFactory(username="regional", roles=["analyst"])
    personas.hospital_a.region.analysts.add(user)
    return user


@pytest.fixture
def uploads(personas, regional):
    """One upload by each user who uploads: reports by the hospitals and analysts, declarations by the
    association."""
    return {
        "hospital_a": job_of(personas.hospital_a_user, "hopital-a.csv"),
        "hospital_b": job_of(personas.hospital_b_user, "hopital-b.csv"),
        "association": job_of(personas.association_user, "declarations-at.xlsx", kind=ImportKind.DECLARATION),
        "analyst": job_of(personas.analyst, "national.csv"),
        "regional": job_of(regional, "region.csv"),
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("analyst", {"hopital-a.csv", "hopital-b.csv", "declarations-at.xlsx", "national.csv", "region.csv"}),
        ("regional", {"region.csv"}),
        ("hospital_a_user", {"hopital-a.csv"}),
        ("hospital_b_user", {"hopital-b.csv"}),
        ("association_user", {"declarations-at.xlsx"}),
        ("company_user", set()),
    ],
)
def test_each_role_sees_the_imports_of_the_api_and_job_page_rule(personas, regional, uploads, persona, expected):
    # given a user and the import jobs the API lists for them
    user = regional if persona == "regional" else getattr(personas, persona)
    api = {job.file_name for job in ImportJob.objects.visible_to(user)}
    # when
    response = browser_for(user).get(URL)
    # then the page lists exactly those, and each one's page opens for that user
    assert set(listed(response)) == expected == api
    html = response.content.decode()
    for job in response.context["page_obj"]:
        assert f'href="/imports/{job.pk}/"' in html
        assert browser_for(user).get(f"/imports/{job.pk}/").status_code == 200


def test_a_row_shows_date_in_local_time_kind_file_who_status_and_counts(personas):
    # given a refused declaration file and an accepted report file, at known instants
    refused = job_of(
        personas.analyst,
        "refus.xlsx",
        kind=ImportKind.DECLARATION,
        status=ImportStatus.FAILED,
        summary={"errors_total": 1234},
    )
    accepted = job_of(personas.analyst, "mars.csv", rows_written=2500)
    ImportJob.objects.filter(pk=refused.pk).update(created_at=dt.datetime(2026, 1, 15, 10, 30, tzinfo=dt.UTC))
    ImportJob.objects.filter(pk=accepted.pk).update(created_at=dt.datetime(2026, 1, 14, 23, 30, tzinfo=dt.UTC))
    personas.analyst.first_name, personas.analyst.last_name = "Salma", "Bennani"
    personas.analyst.save()
    # when
    html = browser_for(personas.analyst).get(URL).content.decode()
    # then each row reads in French, in Morocco's time (UTC+1 in January)
    rows = [re.sub(r"<[^>]+>", "|", row) for row in re.findall(r"<tr data-job.*?</tr>", html, re.S)]
    cells = [[cell.strip() for cell in row.split("|") if cell.strip()] for row in rows]
    assert cells == [
        [
            "15/01/2026 11:30",
            "Déclaration d&#x27;approvisionnement",
            "refus.xlsx",
            "Salma Bennani",
            "Échoué",
            "0",
            "1\xa0234",
        ],
        ["15/01/2026 00:30", "Rapport mensuel de stock", "mars.csv", "Salma Bennani", "Réussi", "2\xa0500", "0"],
    ]


def test_a_job_still_running_has_no_counts_yet(personas):
    # given
    job_of(personas.hospital_a_user, "en-cours.csv", status=ImportStatus.RUNNING, total_rows=10)
    # when
    html = browser_for(personas.hospital_a_user).get(URL).content.decode()
    # then
    row = re.search(r"<tr data-job.*?</tr>", html, re.S).group()
    assert "En cours" in row and row.count('<td class="num">—</td>') == 2


def test_the_list_is_newest_first_and_paginated(personas):
    # given one page and one more of a hospital's uploads
    for number in range(IMPORTS_PAGE_SIZE + 1):
        job = job_of(personas.hospital_a_user, f"rapport-{number:02d}.csv")
        ImportJob.objects.filter(pk=job.pk).update(
            created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=number)
        )
    browser = browser_for(personas.hospital_a_user)
    # when
    first = browser.get(URL)
    second = browser.get(URL + "?page=2")
    # then
    assert listed(first)[:2] == [f"rapport-{IMPORTS_PAGE_SIZE:02d}.csv", f"rapport-{IMPORTS_PAGE_SIZE - 1:02d}.csv"]
    assert len(listed(first)) == IMPORTS_PAGE_SIZE
    assert listed(second) == ["rapport-00.csv"]
    assert 'href="?page=2"' in first.content.decode() and "Page 1 sur 2" in first.content.decode()


def test_the_list_filters_by_status_and_kind(personas):
    # given an analyst's refused report, accepted report and accepted declaration file
    job_of(personas.analyst, "refuse.csv", status=ImportStatus.FAILED, summary={"errors_total": 3})
    job_of(personas.analyst, "accepte.csv")
    job_of(personas.analyst, "declarations.csv", kind=ImportKind.DECLARATION)
    browser = browser_for(personas.analyst)
    # when
    failed = browser.get(URL + "?status=failed")
    declarations = browser.get(URL + "?kind=declaration&status=succeeded")
    unknown = browser.get(URL + "?status=perdu")
    # then
    assert listed(failed) == ["refuse.csv"]
    assert listed(declarations) == ["declarations.csv"]
    # a status it cannot read is refused as on every list page: 400, its rows without that filter
    assert sorted(listed(unknown, status=400)) == ["accepte.csv", "declarations.csv", "refuse.csv"]
    assert "field--error" in unknown.content.decode()


def test_anonymous_visitors_are_sent_to_login_and_users_without_a_role_refused(personas):
    # when
    anonymous = Client().get(URL)
    no_role = browser_for(personas.no_role_user).get(URL)
    # then
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert no_role.status_code == 403


@pytest.mark.parametrize(
    ("persona", "label"),
    [("analyst", "Imports"), ("hospital_a_user", "Mes imports"), ("association_user", "Mes imports")],
)
def test_the_navigation_leads_to_the_imports_page(personas, persona, label):
    # given
    browser = browser_for(getattr(personas, persona))
    # when
    home = browser.get(reverse("home"), follow=True).content.decode()
    page = browser.get(URL).content.decode()
    # then the entry is in the menu, and marked as the current page on the imports page
    nav = re.search(r'<nav class="main-nav".*?</nav>', home, re.S).group()
    assert f'<a href="{URL}">{label}</a>' in nav
    assert f'<a href="{URL}" aria-current="page">{label}</a>' in page


def test_the_upload_pages_and_the_job_page_lead_to_all_imports(personas):
    # given
    job = job_of(personas.association_user, "declarations.csv", kind=ImportKind.DECLARATION)
    pages = [
        (personas.hospital_a_user, reverse("stock:report_upload")),
        (personas.association_user, reverse("partners:declaration_upload")),
        (personas.association_user, reverse("stock:import_job", args=[job.pk])),
    ]
    for user, url in pages:
        # when
        html = browser_for(user).get(url).content.decode()
        # then
        assert f'<a class="btn" href="{URL}">Tous les imports</a>' in html, url


def test_the_imports_page_offers_the_uploads_of_the_role(personas):
    # when
    hospital = browser_for(personas.hospital_a_user).get(URL).content.decode()
    association = browser_for(personas.association_user).get(URL).content.decode()
    analyst = browser_for(personas.analyst).get(URL).content.decode()
    # then
    report_upload, declaration_upload = reverse("stock:report_upload"), reverse("partners:declaration_upload")
    assert f'href="{report_upload}"' in hospital and f'href="{declaration_upload}"' not in hospital
    assert f'href="{declaration_upload}"' in association and f'href="{report_upload}"' not in association
    assert f'href="{report_upload}"' in analyst and f'href="{declaration_upload}"' in analyst


def _queries(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["analyst", "regional", "hospital_a_user", "association_user"])
def test_the_query_count_does_not_grow_with_the_imports(personas, regional, persona):
    # given a user's page with a few imports, then with more than a page of them with long error lists
    user = regional if persona == "regional" else getattr(personas, persona)
    client = browser_for(user)
    job_of(user, "premier.csv")
    small = _queries(client, URL)
    errors = [{"line": line, "column": "stock", "message": "Quantité négative."} for line in range(200)]
    for number in range(IMPORTS_PAGE_SIZE + 10):
        other = personas.hospital_b_user if number % 2 else user
        job_of(other, f"f{number}.csv", status=ImportStatus.FAILED, errors=errors, summary={"errors_total": 200})
    # when
    large = _queries(client, URL)
    # then
    assert large == small
