"""A Redis cache that keeps the site answering when Redis is down.

The cache only holds what can be rebuilt or forgotten: rate-limit and login-failure counters,
import progress, the scoring debounce. Losing them for a while is better than refusing every
request, so when Redis does not answer, reads return their default, writes are dropped, and a
warning is logged. After a failure Redis is left alone for ``RETRY_AFTER_SECONDS`` so that requests
do not each wait for a connection timeout. Rate limits and the login lock-out are therefore not
enforced while Redis is down (they fail open); /health/ reports Redis as down meanwhile.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("medwatch.cache")

RETRY_AFTER_SECONDS = 5.0
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


def _degrades_to(fallback):
    """Runs the cache operation, or gives ``fallback(*args, **kwargs)`` while Redis is unreachable."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._unavailable_until:
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as error:
                self._unavailable_until = time.monotonic() + RETRY_AFTER_SECONDS
                logger.warning("cache unavailable, continuing without it: %s", error)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _default(key, default=None, *args, **kwargs):
    return default


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, keeping one ``redis.Redis`` object per connection pool: Django's
    builds a new one around the pool for every operation (about 0.1 ms, twice per API request: the
    invalid-token lock-out and the rate limit). The object holds no connection of its own (it takes
    one from the pool per command), so sharing it is what redis-py allows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[object, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, degrading to "no cache" while Redis is unreachable."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._unavailable_until = 0.0

    get = _degrades_to(_default)(RedisCache.get)
    set = _degrades_to(lambda *args, **kwargs: None)(RedisCache.set)
    add = _degrades_to(lambda *args, **kwargs: True)(RedisCache.add)
    touch = _degrades_to(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _degrades_to(lambda *args, **kwargs: False)(RedisCache.delete)
    has_key = _degrades_to(lambda *args, **kwargs: False)(RedisCache.has_key)
    incr = _degrades_to(lambda key, delta=1, *args, **kwargs: delta)(RedisCache.incr)
    get_many = _degrades_to(lambda *args, **kwargs: {})(RedisCache.get_many)
    set_many = _degrades_to(lambda *args, **kwargs: [])(RedisCache.set_many)
    delete_many = _degrades_to(lambda *args, **kwargs: None)(RedisCache.delete_many)
    clear = _degrades_to(lambda *args, **kwargs: False)(RedisCache.clear)

    @_degrades_to(lambda *args, **kwargs: 0)
    def count(self, key, timeout: int) -> int:
        """Adds one to the counter ``key`` and (re)sets its time to live, in one round trip (the API
        rate limits' windows, ``stock.api.throttling``); 0 while Redis is unreachable."""
        key = self.make_and_validate_key(key)
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, int(timeout))
        return pipeline.execute()[0]
