"""Security headers, request ids, the access log and request size limits."""

from __future__ import annotations

import json
import logging

from django.test import override_settings


def test_pages_carry_a_strict_content_security_policy(client):
    # when an anonymous visitor opens the login page
    response = client.get("/login/")

    # then the page forbids inline scripts and styles, framing and foreign form targets
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_our_pages_have_no_inline_script(client, personas):
    # given a logged-in user
    client.force_login(personas.analyst)

    # when the home page is rendered
    html = client.get("/", follow=True).content.decode()

    # then every script is an external file, so the strict policy does not break the page
    assert "<script>" not in html
    assert " onclick=" not in html and " onchange=" not in html


def test_api_viewers_get_a_policy_relaxed_for_styles_only(client, personas):
    # given a logged-in user
    client.force_login(personas.analyst)

    # when the Swagger page and its init script are fetched
    page = client.get("/api/schema/swagger/")
    script = client.get("/api/schema/swagger/?script=")

    # then the page loads its init script from the same origin, and inline scripts stay forbidden
    assert page.status_code == 200
    assert b'src="/api/schema/swagger/?script="' in page.content
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    policy = page["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy


def test_each_response_carries_a_request_id_and_one_access_log_line(client, caplog):
    # when a request is served, one with a well-formed id from the proxy and one with a hostile id
    with caplog.at_level(logging.INFO, logger="medwatch.access"):
        forwarded = client.get("/login/", HTTP_X_REQUEST_ID="proxy-123")
        hostile = client.get("/login/", HTTP_X_REQUEST_ID="bad id\nwith newline")

    # then the proxy's id is kept, the hostile one replaced, and each request logged once with it
    assert forwarded["X-Request-ID"] == "proxy-123"
    assert hostile["X-Request-ID"] != "bad id\nwith newline"
    assert len(hostile["X-Request-ID"]) == 32
    records = [record for record in caplog.records if record.name == "medwatch.access"]
    assert [record.request_id for record in records] == ["proxy-123", hostile["X-Request-ID"]]
    assert records[0].status == 200 and records[0].method == "GET" and records[0].path == "/login/"


def test_access_log_lines_are_json_documents_with_the_request_fields(client, caplog):
    from config.logging import JsonFormatter

    # given the JSON formatter of the production profile
    with caplog.at_level(logging.INFO, logger="medwatch.access"):
        client.get("/login/", HTTP_X_REQUEST_ID="abc")

    # when the access record is formatted
    record = next(record for record in caplog.records if record.name == "medwatch.access")
    document = json.loads(JsonFormatter().format(record))

    # then it is one JSON object with the request's fields
    assert document["request_id"] == "abc"
    assert document["method"] == "GET"
    assert document["path"] == "/login/"
    assert document["status"] == 200
    assert isinstance(document["duration_ms"], float)


@override_settings(API_MAX_JSON_BYTES=1000)
def test_oversized_json_is_refused_with_413_before_it_is_read(api_client_for, personas):
    # given a JSON body larger than the limit
    client = api_client_for(personas.hospital_a_user)
    body = json.dumps({"padding": "x" * 2000})

    # when it is posted to the API
    response = client.post("/api/v1/audit/", data=body, content_type="application/json")

    # then it is refused with a clear, machine-readable error
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert "1\xa0000 octets" in response.json()["error"]["message"]


@override_settings(UPLOAD_MAX_BYTES=1000)
def test_oversized_upload_is_refused_with_413(client, personas):
    # given a logged-in user and a file far above the upload limit
    client.force_login(personas.hospital_a_user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.csv", b"a,b\n" * 50_000, content_type="text/csv")

    # when it is posted to a page
    response = client.post("/login/", {"file": big})

    # then it is refused before being parsed
    assert response.status_code == 413
    assert "limit" in response.content.decode()
