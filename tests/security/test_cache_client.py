"""The Redis cache keeps one client per connection pool (Django's builds one per operation), and
that client still answers every operation the API's rate limits and lock-outs use."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from config.cache import ResilientRedisCache

pytestmark = pytest.mark.services


def test_one_client_serves_every_operation_of_the_cache():
    # given the services profile's cache
    cache = caches["default"]
    assert isinstance(cache, ResilientRedisCache)
    cache.delete_many(["client-reuse:value", "client-reuse:count"])
    # when two operations ask for a client
    first = cache._cache.get_client("client-reuse:value", write=True)
    second = cache._cache.get_client("client-reuse:count", write=True)
    # then they are the same object, and reads, writes and counters still answer through it
    assert first is second
    cache.set("client-reuse:value", {"units": 41}, 30)
    assert cache.get("client-reuse:value") == {"units": 41}
    assert [cache.count("client-reuse:count", 30) for _ in range(3)] == [1, 2, 3]
    assert 0 < first.ttl(cache.make_and_validate_key("client-reuse:count")) <= 30
    cache.delete_many(["client-reuse:value", "client-reuse:count"])
