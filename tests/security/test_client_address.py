"""The client's address is the one the trusted proxy saw: ``TRUSTED_PROXY_COUNT`` proxies counted from
the right of ``X-Forwarded-For``. Lock-out, audit trail and the anonymous API rate all use it, so
hops a client writes itself into the header change nothing."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.throttling import SimpleRateThrottle

from stock.models import AuditEntry
from tests.factories import DEFAULT_PASSWORD

PROXY = "10.1.1.1"  # the reverse proxy, as the web process sees it


def login(client, password: str, forwarded: str):
    return client.post(
        "/login/",
        {"username": "hospital_a", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@override_settings(TRUST_X_FORWARDED_FOR=True, TRUSTED_PROXY_COUNT=1, LOGIN_FAILURE_LIMIT=5)
def test_rotating_forged_hops_do_not_escape_the_lock_out(client, personas):
    # given a guesser behind the proxy at 198.51.100.9 who writes a new left-most hop on every try
    for attempt in range(5):
        login(client, "wrong-password", forwarded=f"203.0.113.{attempt}, 198.51.100.9")

    # when the right password is sent, with yet another forged hop
    response = login(client, DEFAULT_PASSWORD, forwarded="203.0.113.99, 198.51.100.9")

    # then the address the proxy saw is locked out
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(TRUST_X_FORWARDED_FOR=True, TRUSTED_PROXY_COUNT=1)
def test_the_audit_trail_records_the_address_the_proxy_saw(client, personas):
    # when a user signs in with a forged left-most hop
    response = login(client, DEFAULT_PASSWORD, forwarded="192.0.2.66, 198.51.100.20")

    # then the audit entry holds the proxy's view of the client, not the forged hop
    assert response.status_code == 302
    assert AuditEntry.objects.get(object_type="login").ip_address == "198.51.100.20"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_with_two_proxies_the_second_hop_from_the_right_is_the_client(client, personas):
    # when the header went through a load balancer then the local proxy
    login(client, DEFAULT_PASSWORD, forwarded="192.0.2.66, 198.51.100.30, 10.2.2.2")

    # then the client is the address the outer proxy saw
    assert AuditEntry.objects.get(object_type="login").ip_address == "198.51.100.30"


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_the_header_is_ignored(client, personas):
    # when a client sends the header straight to the application
    login(client, DEFAULT_PASSWORD, forwarded="192.0.2.66")

    # then the connection's address is recorded
    assert AuditEntry.objects.get(object_type="login").ip_address == PROXY


@pytest.fixture
def low_anonymous_rate(monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/min")


@pytest.mark.parametrize("proxies", [0, 1])
def test_forged_hops_do_not_escape_the_anonymous_rate(low_anonymous_rate, client, proxies):
    # given one client that writes a new left-most hop on each request
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        answers = [
            client.get(
                "/api/schema/",
                HTTP_ACCEPT="application/json",
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}, 198.51.100.40",
            ).status_code
            for attempt in range(3)
        ]

    # then the third request is refused all the same
    assert answers == [200, 200, 429]
