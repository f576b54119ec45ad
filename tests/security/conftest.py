"""Fixtures of the security tests: a clean cache (throttle and lock-out counters live there), and the
rate limits' clock held in the middle of a window (they count in fixed windows: a test that crossed
the turn of a minute would see its count start again)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from stock.api.throttling import WindowCounter

# Thirty seconds into a minute (and into an hour, a day).
WINDOW_MIDDLE = 1_800_001_830.0


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit and login counters from one test must not leak into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _window_clock(monkeypatch):
    """The rate limits read this fixed time unless a test moves it (``clock.now``)."""
    clock = Clock(WINDOW_MIDDLE)
    monkeypatch.setattr(WindowCounter, "timer", staticmethod(lambda: clock.now))
    return clock


class Clock:
    def __init__(self, now: float):
        self.now = now
