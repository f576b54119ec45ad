"""Establishment and industry users manage their API tokens on a French page: create one (its value
shown once), see them by name, revoke one; the page is linked from their home."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from stock.models import ApiToken, AuditEntry
from stock.services.tokens import MAX_ACTIVE_TOKENS

pytestmark = pytest.mark.django_db


def test_a_hospital_user_creates_a_token_that_opens_the_api(client, personas, api_client_for):
    # given
    client.force_login(personas.hospital_a_user)
    # when
    with translation.override("fr"):
        page = client.post(reverse("stock:token_list"), {"name": "Logiciel de la pharmacie"})
    # then: the value is shown once, and it works as a bearer token
    html = page.content.decode()
    raw = re.search(r'data-testid="token-value">([^<]+)<', html).group(1)
    assert "Copiez-le maintenant : il ne sera plus jamais affiché." in html
    token = ApiToken.objects.get(user=personas.hospital_a_user)
    assert token.name == "Logiciel de la pharmacie" and token.key_hash != raw
    answer = client.get("/api/v1/stock-levels/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert answer.status_code == 200
    # and a second visit shows the token by name, never its value
    again = client.get(reverse("stock:token_list")).content.decode()
    assert "Logiciel de la pharmacie" in again and raw not in again


def test_an_industry_user_revokes_a_token_and_it_stops_working(client, personas):
    # given
    token, raw = ApiToken.issue(user=personas.company_user, name="ERP")
    client.force_login(personas.company_user)
    # when
    response = client.post(reverse("stock:token_revoke", args=[token.pk]), follow=True)
    # then
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Jeton « ERP » révoqué" in response.content.decode()
    assert client.get("/api/v1/declarations/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert AuditEntry.objects.filter(
        action="revoke", object_type="stock.apitoken", actor=personas.company_user
    ).exists()


def test_revoking_a_token_already_revoked_says_so_and_leaves_the_journal_as_it_was(client, personas):
    # given a token revoked from one tab, its page still open in another
    token, _ = ApiToken.issue(user=personas.company_user, name="ERP")
    client.force_login(personas.company_user)
    client.post(reverse("stock:token_revoke", args=[token.pk]), follow=True)
    token.refresh_from_db()
    first, entries = token.revoked_at, AuditEntry.objects.count()
    # when the second tab revokes it again
    with translation.override("fr"):
        response = client.post(reverse("stock:token_revoke", args=[token.pk]), follow=True)
    # then nothing changed, the page says so, and the journal holds no entry for it
    token.refresh_from_db()
    assert token.revoked_at == first
    page = html.unescape(response.content.decode())
    day = timezone.localtime(first).strftime("%d/%m/%Y")
    assert f"Le jeton « ERP » avait déjà été révoqué le {day} : rien n'a changé." in page
    assert "message--info" in page and "Jeton « ERP » révoqué :" not in page
    assert AuditEntry.objects.count() == entries


def test_nobody_revokes_another_users_token(client, personas):
    # given
    token, _ = ApiToken.issue(user=personas.hospital_b_user, name="B")
    client.force_login(personas.hospital_a_user)
    # when
    response = client.post(reverse("stock:token_revoke", args=[token.pk]))
    # then
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_limit_of_active_tokens_is_said_in_french(client, personas):
    # given
    for n in range(MAX_ACTIVE_TOKENS):
        ApiToken.issue(user=personas.hospital_a_user, name=f"t{n}")
    client.force_login(personas.hospital_a_user)
    # when
    with translation.override("fr"):
        response = client.post(reverse("stock:token_list"), {"name": "un de trop"})
    # then
    assert response.status_code == 400
    assert f"Vous avez déjà {MAX_ACTIVE_TOKENS} jetons actifs" in response.content.decode()
    assert ApiToken.objects.filter(user=personas.hospital_a_user).count() == MAX_ACTIVE_TOKENS


@pytest.mark.parametrize("user", ["association_user", "hospital_a_user"])
def test_the_page_is_linked_from_the_home_page(client, personas, user):
    # given
    client.force_login(getattr(personas, user))
    # when
    home = client.get("/", follow=True).content.decode()
    # then
    assert f'href="{reverse("stock:token_list")}"' in home


def test_a_user_without_a_role_has_no_token_page(client, personas):
    # given
    client.force_login(personas.no_role_user)
    # when / then
    assert client.get(reverse("stock:token_list")).status_code == 403
