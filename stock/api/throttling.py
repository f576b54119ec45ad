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
