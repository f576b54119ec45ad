"""What an integrator walking the API met, second round: damaged cursors answered 500 (or 404),
errors carried library text in English, /api/v1/ and unknown API paths answered an HTML page, the
month filters of the monthly lists took full dates only, and an alert's message named a field."""

from __future__ import annotations

import base64
import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import gettext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from shortages.choices import AlertKind, RunStatus
from shortages.models import Alert, ScoringRun
from shortages.services.alerts import alerts_sync
from stock.api import errors
from stock.api.pagination import INVALID_CURSOR, LargeListCursorPagination
from stock.models import AuditEntry, ConsumptionMonth
from tests import factories

pytestmark = pytest.mark.django_db

MONTH_MESSAGE = "Indiquez un mois (AAAA-MM) ou le premier jour du mois."


def cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def ledger(personas, api_client_for):
    """Two medicines at hospital A: amoxicillin received in January, paracetamol received then issued
    to zero in February."""
    factories.MedicineFactory(code="AMOX", atc_code="J01CA04")
    factories.MedicineFactory(code="PARA", atc_code="N02BE01")
    base = {"establishment": "T-HOSP-A"}
    items = [
        {**base, "medicine": "AMOX", "kind": "receipt", "quantity": 30, "business_date": "2026-01-10"},
        {**base, "medicine": "PARA", "kind": "receipt", "quantity": 10, "business_date": "2026-01-10"},
        {**base, "medicine": "PARA", "kind": "issue", "quantity": 10, "business_date": "2026-02-03"},
    ]
    response = api_client_for(personas.hospital_a_user).post("/api/v1/movements/bulk/", {"movements": items})
    assert response.status_code == 201


def assert_cursor_refused(response) -> None:
    assert response.status_code == 400, response.content
    assert response.json() == {
        "error": {"code": "invalid", "message": "Données refusées.", "fields": {"cursor": [str(INVALID_CURSOR)]}}
    }


# --- 1. damaged cursors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/movements/", {"cursor": cursor("p=abc")}),  # an id that is no number: was a 500
        ("/api/v1/stock-levels/", {"cursor": cursor("p=12abc")}),
        ("/api/v1/lots/", {"cursor": cursor("p=")}),
        ("/api/v1/consumption/", {"cursor": cursor("p=1.5")}),
        ("/api/v1/monthly-reports/", {"cursor": cursor("o=1&p=x")}),
        ("/api/v1/risk-scores/", {"cursor": cursor("p=abc")}),
        ("/api/v1/alerts/", {"cursor": cursor("p=abc")}),
        ("/api/v1/declarations/", {"cursor": cursor("p=abc")}),
        ("/api/v1/movements/", {"cursor": "%%%not-base64"}),  # REST framework answered 404 "Invalid cursor"
        ("/api/v1/movements/", {"cursor": cursor("o=-3")}),
        ("/api/v1/audit/", {"cursor": cursor("p=2026-13-45 10:00:00+00:00")}),  # an instant: Django's text
        ("/api/v1/audit/", {"cursor": cursor("p=abc")}),
        ("/api/v1/audit/", {"cursor": "not base64 at all"}),
        ("/api/v1/alerts/", {"ordering": "-opened_at", "cursor": cursor("p=hier")}),  # an instant by ?ordering
        ("/api/v1/risk-scores/", {"ordering": "score", "cursor": cursor("p=haut")}),  # a number by ?ordering
        ("/api/v1/alerts/", {"ordering": "level", "cursor": cursor("p=high\x00")}),  # text PostgreSQL refuses
    ],
)
def test_a_damaged_cursor_is_refused_with_400_naming_the_cursor(analyst, path, params):
    # when a list is asked for a page with a cursor the client altered
    response = analyst.get(path, params)
    # then the answer is a 400 in the error shape, with a French message on the cursor
    assert_cursor_refused(response)


def test_the_cursors_the_api_writes_still_page_and_only_a_damaged_one_is_refused(analyst, ledger):
    # given the first page of one movement, and an audit entry
    first = analyst.get("/api/v1/movements/", {"page_size": 1}).json()
    AuditEntry.objects.create(action="create", object_type="test", object_id="1")
    # when the next and previous links are followed, a position is written without its offset or
    # beyond any id, and the next link's position is altered
    second = analyst.get(first["next"])
    back = analyst.get(second.json()["previous"])
    naive = analyst.get("/api/v1/audit/", {"cursor": cursor("p=2999-01-01 00:00:00")})
    huge = analyst.get("/api/v1/movements/", {"cursor": cursor("p=" + "9" * 30)})
    written = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    altered = analyst.get("/api/v1/movements/", {"cursor": cursor(base64.b64decode(written).decode() + "x")})
    # then the links answer the neighbouring pages, the odd but valid positions a page, the altered one a 400
    assert [answer.status_code for answer in (second, back, naive, huge)] == [200, 200, 200, 200]
    assert back.json()["results"] == first["results"]
    assert second.json()["results"][0]["id"] < first["results"][0]["id"]
    assert len(naive.json()["results"]) == AuditEntry.objects.count() == 2
    assert_cursor_refused(altered)


def test_a_cursor_on_a_date_ordering_is_checked_as_a_date(personas):
    # given a cursor pagination ordered by a date column
    class ByMonth(LargeListCursorPagination):
        ordering = "-month"

    def page(position: str):
        request = Request(APIRequestFactory().get("/", {"cursor": cursor(f"p={position}")}))
        return ByMonth().paginate_queryset(ConsumptionMonth.objects.all(), request)

    # when a page is asked with a date, then with positions that are no date
    assert page("2026-02-01") == []
    for position in ("2026-02-30", "02/2026", ""):
        with pytest.raises(ValidationError) as refused:
            page(position)
        # then each is the 400 of the cursor
        assert refused.value.detail == {"cursor": [str(INVALID_CURSOR)]}


# --- 2. French messages with stable codes ---------------------------------------------------------


def test_a_missing_object_answers_not_found_in_french(analyst):
    # when an object that does not exist is asked for
    response = analyst.get("/api/v1/stock-levels/999999/")
    # then the code is not_found and the message the project's own, not Django's
    assert response.status_code == 404
    body = response.json()["error"]
    assert body["code"] == "not_found"
    assert body["message"] == str(errors.MESSAGES["not_found"])
    assert body["message"].startswith("Introuvable") and "matches" not in body["message"]


def test_the_not_found_message_follows_the_request_language(analyst):
    # when the same object is asked for in Arabic
    response = analyst.get("/api/v1/movements/999999/", HTTP_ACCEPT_LANGUAGE="ar")
    # then the message is the catalogue's Arabic for it
    with translation.override("ar"):
        expected = str(errors.MESSAGES["not_found"])
    assert response.json()["error"] == {"code": "not_found", "message": expected, "fields": {}}


def test_a_browser_write_without_its_csrf_token_answers_csrf_failed(personas):
    # given a signed-in browser that holds the CSRF cookie
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.hospital_a_user)
    # when it posts to the API without the token
    response = browser.post("/api/v1/movements/", {}, content_type="application/json")
    # then the refusal says csrf_failed, in French, without REST framework's text
    assert response.status_code == 403
    body = response.json()["error"]
    assert body["code"] == "csrf_failed"
    assert body["message"] == str(errors.MESSAGES["csrf_failed"])
    assert "CSRF Failed" not in body["message"]


def test_a_body_that_is_not_json_answers_parse_error(personas, api_client_for):
    # when a write carries broken JSON
    response = api_client_for(personas.hospital_a_user).post(
        "/api/v1/movements/", data='{"quantity": ', content_type="application/json"
    )
    # then the code is parse_error and the message French, without the decoder's text
    assert response.status_code == 400
    body = response.json()["error"]
    assert body == {"code": "parse_error", "message": str(errors.MESSAGES["parse_error"]), "fields": {}}


@override_settings(API_MAX_JSON_BYTES=1000)
def test_a_body_too_large_answers_too_large_in_french(personas, api_client_for):
    # when a JSON body above the limit is posted
    client = api_client_for(personas.hospital_a_user)
    response = client.post("/api/v1/movements/", data=json.dumps({"x": "y" * 2000}), content_type="application/json")
    arabic = client.post(
        "/api/v1/movements/",
        data=json.dumps({"x": "y" * 2000}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )
    # then it is refused with the code too_large and the limit, in French (or in the request's language)
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "too_large",
        "message": "Corps de la requête trop volumineux : la limite est de 1\xa0000 octets.",
        "fields": {},
    }
    with translation.override("ar"):
        expected = gettext("Corps de la requête trop volumineux : la limite est de %(limit)s octets.")
    assert arabic.json()["error"]["message"] == expected % {"limit": "1\xa0000"}


@override_settings(UPLOAD_MAX_BYTES=1000)
def test_a_page_upload_too_large_is_refused_in_french(client, personas):
    client.force_login(personas.hospital_a_user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/login/", {"file": SimpleUploadedFile("big.csv", b"a,b\n" * 5_000)})

    assert response.status_code == 413
    assert response.content.decode() == "Fichier trop volumineux : la limite est de 1\xa0000 octets."


def test_every_library_refusal_has_its_code_and_a_french_message(personas, api_client_for):
    # given an anonymous client and a hospital's client
    anonymous, hospital = api_client_for(None), api_client_for(personas.hospital_a_user)
    # when each kind of refusal REST framework raises is provoked
    answers = {
        "not_authenticated": anonymous.get("/api/v1/movements/"),
        "authentication_failed": Client().get("/api/v1/movements/", HTTP_AUTHORIZATION="Bearer unknown-token"),
        "method_not_allowed": hospital.delete("/api/v1/movements/"),
        "unsupported_media_type": hospital.post("/api/v1/movements/", data="quantity=1", content_type="text/plain"),
        "not_acceptable": hospital.get("/api/v1/regions/", HTTP_ACCEPT="application/xml"),
    }
    # then each answers its code with a French message of the project
    statuses = {code: answer.status_code for code, answer in answers.items()}
    assert statuses == {
        "not_authenticated": 401,
        "authentication_failed": 401,
        "method_not_allowed": 405,
        "unsupported_media_type": 415,
        "not_acceptable": 406,
    }
    bodies = {code: answer.json()["error"] for code, answer in answers.items()}
    assert {code: body["code"] for code, body in bodies.items()} == {code: code for code in answers}
    assert bodies["not_authenticated"]["message"] == str(errors.MESSAGES["not_authenticated"])
    assert bodies["authentication_failed"]["message"] == "Jeton inconnu ou révoqué."  # the project's own reason
    assert bodies["method_not_allowed"]["message"] == "Méthode DELETE non permise à cette adresse."
    assert bodies["unsupported_media_type"]["message"] == str(errors.MESSAGES["unsupported_media_type"])
    assert bodies["not_acceptable"]["message"] == str(errors.MESSAGES["not_acceptable"])


# --- 5. one code for every refusal of a role or a scope -------------------------------------------


def test_refusals_of_a_role_and_of_an_establishment_share_the_code_forbidden(personas, api_client_for):
    # given a hospital user and an industry user
    factories.MedicineFactory(code="AMOX")
    hospital, industry = api_client_for(personas.hospital_a_user), api_client_for(personas.company_user)
    movement = {"medicine": "AMOX", "kind": "receipt", "quantity": 1, "business_date": "2026-01-10"}
    # when each does what its role or scope does not allow
    role = hospital.get("/api/v1/audit/")
    industry_write = industry.post("/api/v1/movements/", {**movement, "establishment": "T-HOSP-A"})
    other_site = hospital.post("/api/v1/movements/", {**movement, "establishment": "T-HOSP-B"})
    # then all three say forbidden, each with its own French reason
    assert [answer.status_code for answer in (role, industry_write, other_site)] == [403, 403, 403]
    assert {answer.json()["error"]["code"] for answer in (role, industry_write, other_site)} == {"forbidden"}
    assert role.json()["error"]["message"] == "Seuls les analystes lisent le journal."


# --- 3. the API root and unknown API paths --------------------------------------------------------


def test_the_api_root_lists_the_resources_and_the_schema(client):
    # when an integrator opens /api/v1/
    response = client.get("/api/v1/")
    # then it is a JSON index with every collection and the schema's address
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["schema"] == "http://testserver/api/schema/"
    resources = body["resources"]
    for name in ("movements", "stock-levels", "lots", "consumption", "monthly-reports", "declarations", "alerts"):
        assert resources[name] == f"http://testserver/api/v1/{name}/"
    assert resources["compliance"] == "http://testserver/api/v1/compliance/"
    assert not any("<" in address or "(" in address for address in resources.values())


def test_the_api_root_refuses_writes_in_the_error_shape(client):
    response = client.post("/api/v1/", {})

    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/", "/api/v1/nothing/", "/api/v2/movements/", "/api/v1/movements/1/nothing/"])
def test_an_unknown_api_path_answers_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": str(errors.UNKNOWN_API_PATH), "fields": {}}}


def test_an_unknown_api_path_answers_json_to_a_write_too(client):
    response = client.post("/api/v1/nothing", {})

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_path_without_its_final_slash_is_redirected_to_an_endpoint_or_answered_json(client):
    # when an endpoint and an unknown path are read without their final slash
    endpoint = client.get("/api/v1/movements?page_size=2")
    unknown = client.get("/api/v1/nothing")
    # then the first is redirected as before, the second answers the API's 404
    assert endpoint.status_code == 301 and endpoint["Location"] == "/api/v1/movements/?page_size=2"
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"


# --- 4. month filters -----------------------------------------------------------------------------


def test_the_consumption_months_are_given_as_yyyy_mm(analyst, ledger):
    # when the consumption list is filtered by month, in the form of the declarations and as a first day
    by_month = analyst.get("/api/v1/consumption/", {"month_from": "2026-02"})
    by_day = analyst.get("/api/v1/consumption/", {"month_from": "2026-02-01"})
    exact = analyst.get("/api/v1/consumption/", {"month": "2026-01", "medicine": "AMOX"})
    # then both forms list the same months
    assert by_month.status_code == 200, by_month.json()
    rows = [(row["medicine"], row["month"]) for row in by_month.json()["results"]]
    assert rows == [("PARA", "2026-02-01")]
    assert by_day.json()["results"] == by_month.json()["results"]
    assert [(row["medicine"], row["month"]) for row in exact.json()["results"]] == [("AMOX", "2026-01-01")]


@pytest.mark.parametrize("path", ["/api/v1/consumption/", "/api/v1/monthly-reports/"])
@pytest.mark.parametrize(
    ("name", "value"),
    [("month", "2026-11-15"), ("month_from", "2026-13"), ("month_to", "novembre"), ("month", "26-11")],
)
def test_a_month_that_is_not_one_is_refused_naming_the_form(analyst, path, name, value):
    # when a month filter is given a day that is not a first, or text of another form
    response = analyst.get(path, {name: value})
    # then it is refused on that filter, with a message naming AAAA-MM (never an empty list)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {name: [MONTH_MESSAGE]}


def test_the_month_refusal_is_translated(analyst):
    response = analyst.get("/api/v1/monthly-reports/", {"month": "2026-11-15"}, HTTP_ACCEPT_LANGUAGE="ar")

    with translation.override("ar"):
        expected = gettext(MONTH_MESSAGE)
    assert response.json()["error"]["fields"] == {"month": [expected]}


def test_the_schema_announces_the_monthly_lists_months_as_yyyy_mm():
    # given the API's schema
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("/api/v1/consumption/", "/api/v1/monthly-reports/"):
        parameters = {parameter["name"]: parameter for parameter in schema["paths"][path]["get"]["parameters"]}
        for name in ("month", "month_from", "month_to"):
            # when each month parameter is read, then it is text of the form AAAA-MM, not a full date
            assert parameters[name]["schema"]["type"] == "string"
            assert "format" not in parameters[name]["schema"]
            assert parameters[name]["schema"]["pattern"] == r"^\d{4}-\d{2}(-01)?$"
            assert "AAAA-MM" in parameters[name]["description"]


# --- 6. the alert's message ---------------------------------------------------------------------


def test_an_alert_message_names_its_figure_in_french_words(personas):
    # given a run whose conditions hold a stockout and a national safety-stock breach
    run = ScoringRun.objects.create(as_of=dt.date(2026, 3, 31), status=RunStatus.RUNNING)
    medicine = factories.MedicineFactory()
    conditions = pd.DataFrame(
        {
            "kind": [AlertKind.STOCKOUT.value, AlertKind.SAFETY_STOCK.value, AlertKind.HIGH_PROBABILITY.value],
            "medicine_id": [medicine.pk] * 3,
            "establishment_id": [personas.hospital_a.pk, float("nan"), personas.hospital_b.pk],
            "region_id": [float("nan")] * 3,
            "level": ["critical", "high", "high"],
            "metric": ["usable_stock", "industry_mos", "stockout_probability"],
            "value": [0.0, 1.25, 0.355],
        }
    )
    # when the alerts are synchronised
    alerts_sync(run=run, conditions=conditions, notify=False)
    # then each message reads as words, never a field name
    messages = dict(Alert.objects.values_list("kind", "message"))
    assert messages == {
        "stockout": "Rupture de stock — stock utilisable : 0",
        "safety_stock": "Stock de sécurité non respecté — mois de ventes en stock déclarés : 1,3",
        "high_probability": "Probabilité de rupture élevée — probabilité de rupture : 36 %",
    }
