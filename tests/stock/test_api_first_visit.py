"""What a first visitor of the API meets: the report template links work, the schema answers parallel
first requests, and the viewers carry the site's favicon and fetch nothing from another host."""

from __future__ import annotations

import io
import re
import threading
import urllib.error
import urllib.request

import pytest
from drf_spectacular.plumbing import OpenApiGeneratorExtension
from openpyxl import load_workbook


def _extension_classes() -> list[type]:
    found, todo = [], [OpenApiGeneratorExtension]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.append(subclass)
            todo.append(subclass)
    return found


# Taken when the module is collected, before any test has generated a schema: drf-spectacular
# replaces these dotted names by classes (or None) on first use, which is where the race was.
EXTENSION_TARGETS = {cls: cls.target_class for cls in _extension_classes() if isinstance(cls.target_class, str)}


@pytest.mark.django_db
def test_the_report_upload_page_links_download_both_templates(client, personas):
    # given
    client.force_login(personas.hospital_a_user)
    page = client.get("/stock/reports/upload/").content.decode()
    links = re.findall(r'href="(/api/v1/monthly-reports/template/[^"]*)"', page)
    # when
    answers = {link: client.get(link.replace("&amp;", "&")) for link in links}
    # then: one link per format, each a file
    assert len(links) == 2
    kinds = {answer["Content-Type"].split(";")[0] for answer in answers.values()}
    assert all(answer.status_code == 200 for answer in answers.values())
    assert kinds == {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@pytest.mark.django_db
@pytest.mark.parametrize(("fmt", "extension"), [("csv", "csv"), ("xlsx", "xlsx")])
def test_the_template_answers_the_format_query_parameter(api_client_for, personas, fmt, extension):
    # when
    answer = api_client_for(personas.hospital_a_user).get("/api/v1/monthly-reports/template/", {"format": fmt})
    # then
    assert answer.status_code == 200
    assert answer["Content-Disposition"].endswith(f'.{extension}"')
    if fmt == "csv":
        assert answer.content.decode("utf-8-sig").startswith("establishment;medicine;month")
    else:
        assert load_workbook(io.BytesIO(answer.content)).active["A1"].value == "establishment"


@pytest.mark.django_db
def test_an_anonymous_template_request_is_refused_in_json(api_client_for):
    # when
    answer = api_client_for(None).get("/api/v1/monthly-reports/template/", {"format": "csv"})
    # then
    assert answer.status_code == 401
    assert answer["Content-Type"].startswith("application/json")


@pytest.mark.django_db(transaction=True)
def test_parallel_first_requests_for_the_schema_all_succeed(live_server, monkeypatch):
    # given: a process that has not generated a schema yet
    for cls, target in EXTENSION_TARGETS.items():
        monkeypatch.setattr(cls, "target_class", target)
    start = threading.Barrier(6)
    statuses: list[int] = []

    def fetch() -> None:
        start.wait()
        try:
            with urllib.request.urlopen(f"{live_server.url}/api/schema/", timeout=60) as answer:  # noqa: S310 - the live server
                statuses.append(answer.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    # when: Swagger UI and ReDoc (and more) load it at once
    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert statuses == [200] * 6


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/schema/redoc/", "/api/schema/swagger/"])
def test_the_api_viewers_show_the_site_favicon(client, path):
    # when
    page = client.get(path).content.decode()
    # then
    assert re.search(r'<link rel="icon"[^>]* href="/static/img/favicon\.svg"', page)


@pytest.mark.django_db
def test_the_redoc_bundle_takes_its_logo_from_the_site(client):
    # when
    page = client.get("/api/schema/redoc/").content.decode()
    bundle_url = re.search(r'<script src="([^"]+)"', page).group(1)
    bundle = client.get(bundle_url)
    # then
    assert bundle.status_code == 200
    body = bundle.content.decode()
    assert "cdn.redoc.ly" not in body
    assert "/static/img/favicon.svg" in body
