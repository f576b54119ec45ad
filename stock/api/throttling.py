"""API rate limits keyed by the client address the trusted proxy saw (``stock.audit.client_ip``).

REST framework's classes identify an anonymous client by ``X-Forwarded-For`` as sent, which a client
rewrites at will; these take the same address as the lock-out and the audit trail.

They count in fixed windows (:class:`WindowCounter`): REST framework's own classes keep the time of
every request of the last window in one cache entry, read and written back whole on each request, so
that each request costs more the more a client sends (a user at 6,000 requests a minute has a list
of 6,000 times pickled both ways on every request).
"""

from __future__ import annotations

from rest_framework import exceptions, throttling

from stock.audit import client_ip

#: The scope of the file uploads, whose rate counts only the uploads accepted for processing.
UPLOADS_SCOPE = "uploads"


class WindowCounter(throttling.SimpleRateThrottle):
    """Counts a client's requests in fixed windows of the rate's period (the minute, the hour): one
    counter per client and window, incremented in one round trip to the cache, whatever the rate.
    A client can send up to twice its rate across the boundary of two windows; the wait it is told
    is the rest of the current window. While the cache is unreachable, requests are let through
    (``config.cache``: rate limits fail open). Last among a throttle's bases, so that REST
    framework's classes set the scope and the rate before it counts."""

    #: True while :meth:`admit` counts a request that a view accepted.
    _admitting = False

    def allow_request(self, request, view) -> bool:
        window_key = self._window_key(request, view)
        if window_key is None:
            return True
        if self.counts_when_accepted() and not self._admitting:
            # The view counts the request once it accepts it (admit): here, the count so far only.
            return window_read(self.cache, window_key) < self.num_requests
        return window_count(self.cache, window_key, self.duration) <= self.num_requests

    def admit(self, request, view) -> bool:
        """Counts a request that ``view`` accepted, where only accepted requests count
        (:meth:`counts_when_accepted`): False when it is past the rate (the view then refuses it)."""
        self._admitting = True
        try:
            return self.allow_request(request, view)
        finally:
            self._admitting = False

    def counts_when_accepted(self) -> bool:
        """True when a request counts only once its view accepts it (:meth:`admit`); every request
        counts otherwise."""
        return False

    def wait(self) -> float:
        return max(self.window_end - self.now, 1.0)

    def _window_key(self, request, view) -> str | None:
        """The key of the client's counter in the current window (None when nothing is counted)."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return None
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        return f"{self.key}:{window}"


def window_read(cache, key: str) -> int:
    """The counter ``key`` as it stands (0 when it does not exist, or while the cache is unreachable)."""
    return int(cache.get(key) or 0)


def window_count(cache, key: str, timeout: int) -> int:
    """Adds one to the counter ``key`` (created with ``timeout`` seconds to live) and returns it: one
    round trip on Redis (``ResilientRedisCache.count``), add then increment elsewhere."""
    count = getattr(cache, "count", None)
    if count is not None:
        return count(key, timeout)
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout)
        return 1


class ClientAddressIdent:
    """``get_ident`` of the throttles: the client address, or ``unknown`` when it is not an IP."""

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"


class AnonRateThrottle(ClientAddressIdent, throttling.AnonRateThrottle, WindowCounter):
    """Requests without credentials, per client address (``API_RATE_ANON``)."""


class UserRateThrottle(ClientAddressIdent, throttling.UserRateThrottle, WindowCounter):
    """Requests per user, or per client address without credentials (``API_RATE_USER``)."""


class ScopedRateThrottle(ClientAddressIdent, throttling.ScopedRateThrottle, WindowCounter):
    """Views that opt in with ``throttle_scope``, per user or client address. In the ``uploads``
    scope only the uploads accepted for processing count: a request is checked against the count so
    far, and the view counts its file once the file passed its form (:func:`upload_admit`)."""

    def counts_when_accepted(self) -> bool:
        return self.scope == UPLOADS_SCOPE


class InvalidTokenThrottle(ClientAddressIdent, throttling.SimpleRateThrottle):
    """Unknown or revoked API tokens per client address, at the ``auth`` rate: the authentication
    records each failure and refuses an address past the rate before looking its token up."""

    scope = "auth"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": "invalid-token", "ident": self.get_ident(request)}

    def _load(self, request) -> None:
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration]

    def is_blocked(self, request) -> bool:
        """True while the address has used up its rate of failures."""
        self._load(request)
        return len(self.history) >= self.num_requests

    def failure_record(self, request) -> None:
        """Counts one failed token from the request's address."""
        self._load(request)
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


class _UploadsScope:
    """What the scoped throttle reads of a view: its scope."""

    throttle_scope = UPLOADS_SCOPE


def upload_wait(request) -> float | None:
    """The seconds ``request``'s user must wait before an upload of theirs is accepted, once their
    accepted uploads have reached the ``uploads`` rate (``API_RATE_UPLOADS``); None while they are
    below it. Counts nothing: a page checks it before reading the file, as the API's throttle does."""
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, _UploadsScope()):
        return None
    return throttle.wait()


def upload_admit(request) -> float | None:
    """Counts one upload of ``request``'s user accepted for processing (its file passed the form),
    against the ``uploads`` rate, on one counter for the API and the pages (declarations, monthly
    reports): None while within it, then process the file; else the seconds to wait, and the file
    is refused (uploads sent side by side pass :func:`upload_wait` together, one counter decides)."""
    throttle = ScopedRateThrottle()
    if throttle.admit(request, _UploadsScope()):
        return None
    return throttle.wait()


def upload_admitted(request) -> None:
    """:func:`upload_admit` in an API view: raises ``Throttled`` (429 with ``Retry-After``) when the
    upload is past the rate."""
    if (wait := upload_admit(request)) is not None:
        raise exceptions.Throttled(wait=wait)
