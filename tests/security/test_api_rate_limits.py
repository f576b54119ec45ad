"""API rate limits: past its rate, a user (or an anonymous address) is answered 429 with the delay
to wait, and nobody else is slowed down. The rates come from the environment (``API_RATE_*``);
here they are lowered so that a few requests reach them."""

from __future__ import annotations

import pytest
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture
def low_rates(monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "3/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/min")


def test_a_user_past_the_rate_is_answered_429_and_others_are_not(low_rates, api_client_for, personas):
    # given two hospital users
    first, second = api_client_for(personas.hospital_a_user), api_client_for(personas.hospital_b_user)

    # when the first sends one request more than the rate allows
    answers = [first.get("/api/v1/stock-levels/").status_code for _ in range(4)]
    refused = first.get("/api/v1/stock-levels/")

    # then the fourth and later are refused with the wait, the second user still gets through
    assert answers == [200, 200, 200, 429]
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
    assert second.get("/api/v1/stock-levels/").status_code == 200


def test_anonymous_requests_are_limited_per_address(low_rates, client):
    # when an anonymous client reads the public schema three times
    answers = [client.get("/api/schema/", HTTP_ACCEPT="application/json").status_code for _ in range(3)]

    # then the third is refused
    assert answers == [200, 200, 429]
