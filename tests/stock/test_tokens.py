"""API tokens (stored hashed, shown once, revocable by their owner, through the API and the command)
and browser sessions, which write only with their CSRF token."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from stock.models import ApiToken, AuditEntry, StockMovement, hash_token
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_user_creates_a_token_sees_it_once_and_revokes_it(personas):
    # given a signed-in user (a token cannot make another token)
    client = APIClient()
    client.force_login(personas.hospital_a_user)

    # when
    created = client.post("/api/v1/tokens/", {"name": "pharmacie"})
    raw = created.json()["token"]
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    before = fresh.get("/api/v1/stock-levels/")
    listed = client.get("/api/v1/tokens/").json()["results"]
    revoked = client.post(f"/api/v1/tokens/{created.json()['id']}/revoke/")
    after = fresh.get("/api/v1/stock-levels/")

    # then
    assert created.status_code == 201
    assert ApiToken.objects.get(pk=created.json()["id"]).key_hash == hash_token(raw)
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert all("token" not in row for row in listed)
    assert before.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert after.status_code == 401


def test_revoking_a_revoked_token_again_answers_it_as_it_is_and_writes_no_journal_entry(personas):
    # given a token its owner revoked through the API
    token, _ = ApiToken.issue(user=personas.hospital_a_user, name="pharmacie")
    client = APIClient()
    client.force_login(personas.hospital_a_user)
    first = client.post(f"/api/v1/tokens/{token.pk}/revoke/").json()["revoked_at"]
    entries = list(AuditEntry.objects.values_list("action", "object_type", "object_id"))
    # when revoked again
    again = client.post(f"/api/v1/tokens/{token.pk}/revoke/")
    # then the answer is the token with its first revocation time, and the journal is as it was
    assert again.status_code == 200 and again.json()["revoked_at"] == first
    assert entries == [("revoke", "stock.apitoken", str(token.pk))]
    assert list(AuditEntry.objects.values_list("action", "object_type", "object_id")) == entries


def test_a_user_cannot_revoke_someone_elses_token(personas, api_client_for):
    other, _ = ApiToken.issue(user=personas.hospital_b_user, name="b")

    response = api_client_for(personas.hospital_a_user).post(f"/api/v1/tokens/{other.pk}/revoke/")

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_the_command_creates_lists_and_revokes(personas):
    out = io.StringIO()

    call_command("api_token", "create", "hospital_a", "--name", "cli", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    call_command("api_token", "list", "hospital_a", stdout=out)
    call_command("api_token", "revoke", "hospital_a", str(token.pk), stdout=out)

    token.refresh_from_db()
    assert token.revoked_at is not None and "cli" in out.getvalue()
    # and says so when the token was already revoked
    call_command("api_token", "revoke", "hospital_a", str(token.pk), stdout=out)
    assert out.getvalue().strip().splitlines()[-1].startswith(f"Token {token.pk} (cli) was already revoked ")


def test_a_browser_session_reads_the_api_and_writes_only_with_its_csrf_token(personas):
    # given a hospital user signed in with a browser, which holds the CSRF cookie of a page
    factories.MedicineFactory(code="SESS-1")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.hospital_a_user)
    browser.get("/stock/reports/upload/")
    item = {
        "establishment": "T-HOSP-A",
        "medicine": "SESS-1",
        "kind": "receipt",
        "quantity": 4,
        "business_date": "2026-03-02",
    }

    # when
    read = browser.get("/api/v1/stock-levels/")
    without_token = browser.post("/api/v1/movements/", item, content_type="application/json")
    with_token = browser.post(
        "/api/v1/movements/",
        item,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )

    # then
    assert read.status_code == 200
    assert without_token.status_code == 403 and "CSRF" in without_token.json()["error"]["message"]
    assert with_token.status_code == 201 and with_token.json()["created_by"] == "hospital_a"
    assert StockMovement.objects.count() == 1
