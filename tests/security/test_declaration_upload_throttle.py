"""The declaration upload (a file read and checked within the request) counts against the
``uploads`` rate of the settings (``API_RATE_UPLOADS``), through the API and the page alike, on one
counter per user; here the rate is lowered so that a few uploads reach it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_uploads_an_hour(monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "uploads", "2/hour")


def _file():
    return SimpleUploadedFile("declarations.csv", b"mois;entreprise\n", content_type="text/csv")


def test_the_upload_action_has_the_uploads_scope_and_the_other_routes_none():
    upload = resolve("/api/v1/declarations/upload/").func
    listing = resolve("/api/v1/declarations/").func
    assert upload.initkwargs["throttle_scope"] == "uploads"
    assert getattr(listing.cls, "throttle_scope", None) is None


def test_an_api_upload_past_the_rate_is_answered_429(two_uploads_an_hour, personas, api_client_for):
    # given an association user and another industry user
    first, other = api_client_for(personas.association_user), api_client_for(personas.company_user)

    # when the first sends three files (a file whose rows are refused counts: it was read)
    answers = [
        first.post("/api/v1/declarations/upload/", {"file": _file()}, format="multipart").status_code for _ in range(3)
    ]

    # then the third is refused with the wait; reads and the other user go on
    assert answers[:2] == [400, 400] and answers[2] == 429
    assert first.get("/api/v1/declarations/").status_code == 200
    assert other.post("/api/v1/declarations/upload/", {"file": _file()}, format="multipart").status_code == 400


def test_the_page_shares_the_counter_and_answers_429(two_uploads_an_hour, client, personas, api_client_for):
    # given two uploads through the API
    api = api_client_for(personas.association_user)
    for _ in range(2):
        api.post("/api/v1/declarations/upload/", {"file": _file()}, format="multipart")
    client.force_login(personas.association_user)

    # when the same user uploads on the page
    response = client.post(reverse("partners:declaration_upload"), {"file": _file()})

    # then the page refuses it with the wait, and its form is still there
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Trop de requêtes" in response.content.decode()
    assert client.get(reverse("partners:declaration_upload")).status_code == 200


def test_the_monthly_report_uploads_share_the_same_counter(two_uploads_an_hour, client, personas, api_client_for):
    # given a hospital user's two monthly-report uploads through the API (accepted, then their rows refused)
    assert resolve("/api/v1/monthly-reports/upload/").func.initkwargs["throttle_scope"] == "uploads"
    api = api_client_for(personas.hospital_a_user)
    report = lambda: SimpleUploadedFile("rapport.csv", b"mois;produit\n", content_type="text/csv")  # noqa: E731
    first = [api.post("/api/v1/monthly-reports/upload/", {"file": report()}, format="multipart") for _ in range(2)]
    assert all(answer.status_code != 429 for answer in first)
    # when a third comes through the API, and one through the page
    third = api.post("/api/v1/monthly-reports/upload/", {"file": report()}, format="multipart")
    client.force_login(personas.hospital_a_user)
    page = client.post(reverse("stock:report_upload"), {"file": report()})
    # then both wait, and reading goes on
    assert third.status_code == 429 and page.status_code == 429 and int(page["Retry-After"]) > 0
    assert api.get("/api/v1/monthly-reports/").status_code == 200
