"""API rate limits keyed by the client address the trusted proxy saw (``stock.audit.client_ip``).

REST framework's classes identify an anonymous client by ``X-Forwarded-For`` as sent, which a client
rewrites at will; these take the same address as the lock-out and the audit trail.
"""

from __future__ import annotations

from rest_framework import throttling

from stock.audit import client_ip


class ClientAddressIdent:
    """``get_ident`` of the throttles: the client address, or ``unknown`` when it is not an IP."""

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"


class AnonRateThrottle(ClientAddressIdent, throttling.AnonRateThrottle):
    """Requests without credentials, per client address (``API_RATE_ANON``)."""


class UserRateThrottle(ClientAddressIdent, throttling.UserRateThrottle):
    """Requests per user, or per client address without credentials (``API_RATE_USER``)."""


class ScopedRateThrottle(ClientAddressIdent, throttling.ScopedRateThrottle):
    """Views that opt in with ``throttle_scope``, per user or client address."""


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
