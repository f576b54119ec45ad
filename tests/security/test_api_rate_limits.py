"""API rate limits: past its rate, a user (or an anonymous address) is answered 429 with the delay
to wait, and nobody else is slowed down. The rates come from the environment (``API_RATE_*``);
here they are lowered so that a few requests reach them."""

from __future__ import annotations

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.security.conftest import WINDOW_MIDDLE


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


def test_the_count_starts_again_with_the_next_window_and_the_wait_is_the_rest_of_this_one(
    low_rates, api_client_for, personas, _window_clock
):
    # given a user who used up the rate 30 s into a minute
    client = api_client_for(personas.hospital_a_user)
    assert [client.get("/api/v1/stock-levels/").status_code for _ in range(3)] == [200, 200, 200]
    # when the next request comes 20 s later, then in the next minute
    _window_clock.now += 20
    refused = client.get("/api/v1/stock-levels/")
    _window_clock.now += 10
    next_minute = client.get("/api/v1/stock-levels/")
    # then the first is refused with the 10 s left of the minute, the second gets through
    assert refused.status_code == 429 and refused["Retry-After"] == "10"
    assert next_minute.status_code == 200


def test_the_counter_costs_one_entry_per_client_and_window_whatever_the_rate(api_client_for, personas):
    # given the user rate of the settings (thousands a minute)
    from django.core.cache import cache

    client = api_client_for(personas.hospital_a_user)
    # when the user sends 50 requests
    for _ in range(50):
        assert client.get("/api/v1/stock-levels/").status_code == 200
    # then one counter holds their number (REST framework's own class kept a list of 50 times)
    key = f"throttle_user_{personas.hospital_a_user.pk}:{int(WINDOW_MIDDLE // 60)}"
    assert cache.get(key) == 50
