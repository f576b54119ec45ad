"""API tokens do not outlive their user's password, their user's account or their lifetime.

The review's finding: a token made from a session kept answering 200 after the password was changed
(the session itself was logged out), and tokens never expired, so a stolen session could mint up to
20 permanent tokens. Every refusal is a 401 ``authentication_failed`` whose message says why.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from stock.models import ApiToken, hash_token
from stock.models.access import password_digest
from tests.factories import DEFAULT_PASSWORD

STOCK_LEVELS = "/api/v1/stock-levels/"
NEW_PASSWORD = "Un-nouveau-mot-de-passe-2026"


def _client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _refusal(response) -> str:
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    error = response.json()["error"]
    assert error["code"] == "authentication_failed"
    return error["message"]


@pytest.fixture
def clock(monkeypatch):
    """``clock(moment)`` makes ``timezone.now()`` answer ``moment`` (the project has no time-freezing
    library; the token checks read the time through ``timezone.now``)."""

    def move(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return move


def test_a_token_made_from_a_session_is_refused_once_the_password_changes(client, personas):
    # given a hospital user who made a token from a signed-in session, as demo.centre did
    user = personas.hospital_a_user
    client.force_login(user)
    raw = client.post("/api/v1/tokens/", {"name": "pharmacie"}, content_type="application/json").json()["token"]
    assert _client(raw).get(STOCK_LEVELS).status_code == 200

    # when the password is changed
    user.set_password(NEW_PASSWORD)
    user.save()

    # then the session is logged out and the token is refused too, saying why
    assert client.get(STOCK_LEVELS).status_code == 401
    message = _refusal(_client(raw).get(STOCK_LEVELS))
    assert "mot de passe" in message and "/acces-api/" in message
    # and a token made with the new password works
    _, fresh = ApiToken.issue(user=user, name="nouveau")
    assert _client(fresh).get(STOCK_LEVELS).status_code == 200


def test_a_token_made_by_the_command_is_refused_once_the_password_changes(personas):
    # given a token an administrator made for a user
    out = io.StringIO()
    call_command("api_token", "create", "hospital_a", "--name", "cli", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]

    # when the user's password is changed (set_password, then save of some fields only)
    user = personas.hospital_a_user
    user.set_password(NEW_PASSWORD)
    user.save(update_fields=["password"])

    # then the token is refused
    assert "mot de passe" in _refusal(_client(raw).get(STOCK_LEVELS))


def test_a_token_is_refused_once_it_has_expired(personas, settings, clock):
    # given tokens living 30 days, and one made now
    settings.API_TOKEN_MAX_AGE_DAYS = 30
    made = timezone.now()
    token, raw = ApiToken.issue(user=personas.hospital_a_user, name="erp")
    assert token.expires_at - made < dt.timedelta(days=30, seconds=5)

    # then it works on its 29th day
    clock(made + dt.timedelta(days=29))
    assert _client(raw).get(STOCK_LEVELS).status_code == 200

    # and on its 31st it is refused with the date it expired and how to get another one
    clock(made + dt.timedelta(days=31))
    message = _refusal(_client(raw).get(STOCK_LEVELS))
    expired_on = timezone.localdate(token.expires_at)
    assert message.startswith("Jeton expiré le ")
    assert f"{expired_on:%d/%m/%Y}" in message and "/acces-api/" in message


def test_tokens_never_expire_with_a_max_age_of_zero(personas, settings, clock):
    # given no limit of age
    settings.API_TOKEN_MAX_AGE_DAYS = 0
    token, raw = ApiToken.issue(user=personas.hospital_a_user, name="erp")

    # then the token has no expiry and works ten years later
    assert token.expires_at is None
    clock(timezone.now() + dt.timedelta(days=3650))
    assert _client(raw).get(STOCK_LEVELS).status_code == 200


def test_a_token_made_before_the_change_keeps_working_and_is_bound_on_first_use(personas, settings):
    # given a token made before tokens were bound to passwords: no digest and no expiry
    settings.API_TOKEN_MAX_AGE_DAYS = 365
    user = personas.hospital_a_user
    token, raw = ApiToken.issue(user=user, name="ancien")
    ApiToken.objects.filter(pk=token.pk).update(credential_digest=None, expires_at=None)

    # when it is used
    before = timezone.now()
    assert _client(raw).get(STOCK_LEVELS).status_code == 200

    # then it is bound to the current password and lives a full lifetime from today
    token.refresh_from_db()
    assert token.credential_digest == password_digest(user.password)
    assert before + dt.timedelta(days=365) <= token.expires_at <= timezone.now() + dt.timedelta(days=365)
    assert _client(raw).get(STOCK_LEVELS).status_code == 200
    # and it stops working when the password changes
    user.set_password(NEW_PASSWORD)
    user.save()
    assert "mot de passe" in _refusal(_client(raw).get(STOCK_LEVELS))


def test_the_migration_binds_the_tokens_already_made(personas, settings):
    # given tokens made before the migration: one in use, one revoked
    settings.API_TOKEN_MAX_AGE_DAYS = 365
    user = personas.hospital_a_user
    kept, raw = ApiToken.issue(user=user, name="ancien")
    revoked, _ = ApiToken.issue(user=user, name="révoqué")
    revoked.revoke()
    ApiToken.objects.update(credential_digest=None, expires_at=None)

    # when the migration's data step runs
    migration = importlib.import_module("stock.migrations.0008_api_token_expiry_and_password_binding")
    migration.bind_existing_tokens(apps, None)

    # then the token in use is bound to the current password and lives a year from today
    kept.refresh_from_db()
    revoked.refresh_from_db()
    assert kept.credential_digest == password_digest(user.password)
    assert kept.expires_at > timezone.now() + dt.timedelta(days=364)
    assert revoked.credential_digest is None
    assert _client(raw).get(STOCK_LEVELS).status_code == 200
    user.set_password(NEW_PASSWORD)
    user.save()
    assert _client(raw).get(STOCK_LEVELS).status_code == 401


def test_a_deactivated_users_token_is_refused(personas):
    # given a hospital user's token
    user = personas.hospital_a_user
    _, raw = ApiToken.issue(user=user, name="erp")
    assert _client(raw).get(STOCK_LEVELS).status_code == 200

    # when the user is deactivated
    user.is_active = False
    user.save(update_fields=["is_active"])

    # then the token is refused, saying so
    assert _refusal(_client(raw).get(STOCK_LEVELS)) == "Jeton refusé : le compte de son utilisateur est désactivé."


def test_unknown_tokens_keep_their_message(personas):
    assert _refusal(_client("not-a-token").get(STOCK_LEVELS)) == "Jeton inconnu ou révoqué."


def test_a_rehash_of_the_same_password_keeps_the_tokens(personas, settings):
    # given a user whose password was hashed by an older hasher (fewer iterations), and a token
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = personas.hospital_a_user
    user.password = PBKDF2PasswordHasher().encode(DEFAULT_PASSWORD, "oldsalt1234", iterations=1000)
    user.save()
    token, raw = ApiToken.issue(user=user, name="erp")
    old_hash = user.password

    # when the user signs in and Django hashes the same password again with its current hasher
    assert user.check_password(DEFAULT_PASSWORD)
    user.refresh_from_db()
    assert user.password != old_hash

    # then the token follows the new hash and keeps working
    token.refresh_from_db()
    assert token.credential_digest == password_digest(user.password)
    assert _client(raw).get(STOCK_LEVELS).status_code == 200


def test_a_token_made_under_a_retired_secret_key_is_kept_through_its_fallback(personas, settings):
    # given a token made under the previous SECRET_KEY
    _, raw = ApiToken.issue(user=personas.hospital_a_user, name="erp")
    old_key = settings.SECRET_KEY

    # when the key is rotated with the old one kept as a fallback (as sessions need it)
    settings.SECRET_KEY = "a-new-secret-key-for-the-token-lifetime-tests-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old_key]

    # then the token works and is bound again under the new key
    assert _client(raw).get(STOCK_LEVELS).status_code == 200
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.credential_digest == password_digest(personas.hospital_a_user.password)
    settings.SECRET_KEY_FALLBACKS = []
    assert _client(raw).get(STOCK_LEVELS).status_code == 200


def test_the_token_command_prints_and_lists_each_tokens_expiry(personas, settings):
    # given tokens living 365 days
    settings.API_TOKEN_MAX_AGE_DAYS = 365
    out = io.StringIO()

    # when an administrator creates one
    call_command("api_token", "create", "hospital_a", "--name", "cli", stdout=out)
    token = ApiToken.objects.get(key_hash=hash_token(out.getvalue().strip().splitlines()[-1]))
    expires = f"expires {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"

    # then the creation prints its expiry
    assert expires in out.getvalue().splitlines()[0]

    # and the listing shows, for each token, what the API answers to it and its expiry
    expired, _ = ApiToken.issue(user=personas.hospital_a_user, name="vieux")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    settings.API_TOKEN_MAX_AGE_DAYS = 0
    endless, _ = ApiToken.issue(user=personas.hospital_a_user, name="sans-fin")
    listing = io.StringIO()
    call_command("api_token", "list", "hospital_a", stdout=listing)
    rows = {line.split("\t")[2]: line.split("\t") for line in listing.getvalue().splitlines()}
    assert rows["cli"][3:5] == ["active", expires]
    assert rows["vieux"][3].startswith("expired ") and rows["vieux"][4].startswith("expires ")
    assert rows["sans-fin"][3:5] == ["active", "no expiry"]

    # and a password change shows on every token
    user = personas.hospital_a_user
    user.set_password(NEW_PASSWORD)
    user.save()
    listing = io.StringIO()
    call_command("api_token", "list", "hospital_a", stdout=listing)
    states = [line.split("\t")[3] for line in listing.getvalue().splitlines()]
    assert states == ["refused: password changed since"] * 3


def test_voided_tokens_free_the_quota_and_the_page_and_api_say_why_they_are_refused(client, personas):
    # given a hospital user whose 20 tokens were all made before a change of password
    from stock.services.tokens import MAX_ACTIVE_TOKENS, token_issue

    user = personas.hospital_a_user
    for n in range(MAX_ACTIVE_TOKENS):
        token_issue(user=user, name=f"ancien-{n}")
    user.set_password(NEW_PASSWORD)
    user.save()
    # when the user signs in again and creates a token: the voided ones no longer fill the quota
    client.force_login(user)
    created = client.post("/api/v1/tokens/", {"name": "nouveau"}, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["expires_at"] is not None
    # then the page shows each token's expiry and why the API refuses the old ones
    page = client.get("/acces-api/").content.decode()
    assert page.count("Refusé : mot de passe changé depuis sa création") == MAX_ACTIVE_TOKENS
    assert page.count("Actif") >= 1 and "Expire le" in page
    listed = {row["name"]: row for row in client.get("/api/v1/tokens/").json()["results"]}
    assert listed["nouveau"]["expires_at"] is not None
