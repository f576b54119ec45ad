"""Fixtures of the security tests: a clean cache (throttle and lock-out counters live there)."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit and login counters from one test must not leak into the next."""
    cache.clear()
    yield
    cache.clear()
