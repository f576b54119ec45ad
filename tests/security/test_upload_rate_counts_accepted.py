"""The ``uploads`` rate (``API_RATE_UPLOADS``) counts the uploads accepted for processing, through
the API and the pages alike: a file the form or the serializer refuses (no file, another format, too
big) costs nothing of it, while every accepted file counts, on one counter per user, however the
uploads are sent. Here the rate is lowered so that a few uploads reach it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory, override_settings
from rest_framework.throttling import SimpleRateThrottle

from stock.api.throttling import upload_admit, upload_wait
from stock.models import ImportJob
from tests import factories
from tests.partners.test_declaration_upload import csv_bytes, row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

REPORT_HEADER = (
    "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days"
)
# (who uploads, where): every route shares the user's one counter
ROUTES = {
    "reports-api": ("hospital_a_user", "/api/v1/monthly-reports/upload/"),
    "declarations-api": ("company_user", "/api/v1/declarations/upload/"),
    "reports-page": ("hospital_a_user", "/stock/reports/upload/"),
    "declarations-page": ("company_user", "/declarations/import/"),
}
# Files the form refuses (None: no file at all); ``UPLOAD_MAX_BYTES`` is lowered to 400 bytes.
REFUSED = [
    None,
    ("r.txt", f"{REPORT_HEADER}\n".encode()),
    ("rapport", f"{REPORT_HEADER}\n".encode()),
    ("rapport.csv", b"\x00\x01binary" * 10),
    ("rapport.xlsx", b"no workbook at all\n"),
    ("big.csv", f"{REPORT_HEADER}\n".encode() * 10),
]


@pytest.fixture(autouse=True)
def two_uploads_an_hour(monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "uploads", "2/hour")


@pytest.fixture
def upload(personas, api_client_for, client):
    """``upload(route, file)``: posts ``(name, content)`` (or no file) on the route; returns the response."""

    def post(route: str, file: tuple[str, bytes] | None, **headers):
        persona, url = ROUTES[route]
        user = getattr(personas, persona)
        data = {} if file is None else {"file": SimpleUploadedFile(*file)}
        with override_settings(UPLOAD_MAX_BYTES=400):
            if route.endswith("-api"):
                return api_client_for(user).post(url, data, format="multipart", **headers)
            client.force_login(user)
            return client.post(url, data, **headers)

    return post


def accepted_file() -> tuple[str, bytes]:
    """A file every route accepts for processing (its rows are then refused, which does not matter)."""
    return ("accepted.csv", b"mois;entreprise\n")


@pytest.mark.parametrize("route", ROUTES)
def test_refused_files_do_not_count_and_accepted_ones_do(route, upload):
    # when a user sends files that the form refuses, more of them than the rate
    refused = [upload(route, file) for file in REFUSED]

    # then each is refused on its field (not 429), and no job was made
    assert [response.status_code for response in refused] == [400 if route.endswith("-api") else 200] * len(REFUSED)
    assert not ImportJob.objects.exists()

    # and the user may still send the rate's two files, each processed (a job each)
    accepted = [upload(route, accepted_file()) for _ in range(2)]
    assert all(response.status_code != 429 for response in accepted), [r.status_code for r in accepted]
    assert ImportJob.objects.count() == 2

    # but not a third: 429 with the wait, and no job
    third = upload(route, accepted_file())
    assert third.status_code == 429 and int(third["Retry-After"]) > 0
    assert ImportJob.objects.count() == 2


def test_the_api_and_the_pages_count_accepted_files_on_one_counter(upload):
    # given a hospital user's accepted files, one through the API and one through the page
    assert upload("reports-api", accepted_file()).status_code == 202
    assert upload("reports-page", accepted_file()).status_code == 302

    # when the same user sends a refused file, then an accepted one, on either side
    page = upload("reports-page", ("r.txt", b"x\n"))
    api = upload("reports-api", accepted_file())

    # then past the rate, both are refused with the wait, before the file is looked at
    assert page.status_code == api.status_code == 429
    assert "Trop de requêtes" in page.content.decode() and "format non accepté" not in page.content.decode()
    assert ImportJob.objects.count() == 2


def test_uploads_sent_side_by_side_cannot_pass_the_rate_together(personas):
    # given one accepted upload of the user's two, then two more sent at once: both pass the check
    # made before their files are read
    request = RequestFactory().post("/stock/reports/upload/")
    request.user = personas.hospital_a_user
    assert upload_admit(request) is None
    assert upload_wait(request) is None and upload_wait(request) is None

    # when each is accepted by its form and counted
    first, second = upload_admit(request), upload_admit(request)

    # then the counter lets one through, and the other is told to wait
    assert first is None
    assert second is not None and second > 0
    assert upload_wait(request) is not None


def test_an_upload_answered_again_for_its_idempotency_key_does_not_count(personas, upload):
    # given an accepted declaration file sent with an Idempotency-Key, then again with the same key
    medicine = factories.MedicineFactory()
    content = csv_bytes([row(personas.outside_company, medicine)])
    first = upload("declarations-api", ("d.csv", content), HTTP_IDEMPOTENCY_KEY="upload-0001")
    again = upload("declarations-api", ("d.csv", content), HTTP_IDEMPOTENCY_KEY="upload-0001")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"

    # when another file is sent
    other = upload("declarations-api", ("d2.csv", csv_bytes([row(personas.outside_company, medicine, mois="2026-08")])))

    # then it is the second processed, within the rate; the next one is past it
    assert other.status_code == 201, other.json()
    assert upload("declarations-api", accepted_file()).status_code == 429
