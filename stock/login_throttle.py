"""Login throttling against password guessing.

Failed logins are counted in the cache per (username, client IP) and per client IP. Past
``LOGIN_FAILURE_LIMIT`` failures for a username from one address (or ``LOGIN_FAILURE_LIMIT_PER_IP``
from one address across usernames), logins from there are refused for ``LOGIN_LOCKOUT_SECONDS``,
even with the right password. A successful login clears the username's counter.

``ThrottledModelBackend`` applies it to every login form (the site's and the admin's);
``ThrottledAuthenticationForm`` tells the user they are locked out rather than mistaken.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from stock.audit import client_ip


def _key(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def _keys(*, username: str, ip_address: str | None) -> tuple[str, str]:
    address = ip_address or "unknown"
    return _key("user", username.strip().lower(), address), _key("ip", address)


def login_is_locked(*, username: str, ip_address: str | None) -> bool:
    """True while ``username`` (from that address) or the address itself is locked out."""
    user_key, ip_key = _keys(username=username, ip_address=ip_address)
    counts = cache.get_many([user_key, ip_key])
    return (
        counts.get(user_key, 0) >= settings.LOGIN_FAILURE_LIMIT
        or counts.get(ip_key, 0) >= settings.LOGIN_FAILURE_LIMIT_PER_IP
    )


def _increment(key: str) -> int:
    # add() then incr() is atomic on Redis and on the local-memory cache; the window starts at the
    # first failure.
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        return 1


def login_failure_record(*, username: str, ip_address: str | None) -> int:
    """Counts one failed login; returns the username's failure count from that address."""
    user_key, ip_key = _keys(username=username, ip_address=ip_address)
    _increment(ip_key)
    return _increment(user_key)


def login_failures_clear(*, username: str, ip_address: str | None) -> None:
    """Forgets the username's failures from that address after a successful login."""
    user_key, _ip_key = _keys(username=username, ip_address=ip_address)
    cache.delete(user_key)


class ThrottledModelBackend(ModelBackend):
    """The model backend behind a lock-out: a locked-out login is refused before the password is
    checked, and ``request.login_locked_out`` is set for the form to explain it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self.user_model_field(), "")
        ip_address = client_ip(request) if request is not None else None
        if login_is_locked(username=username or "", ip_address=ip_address):
            if request is not None:
                request.login_locked_out = True
            raise PermissionDenied("too many failed logins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username or "", ip_address=ip_address)
        else:
            login_failures_clear(username=username or "", ip_address=ip_address)
        return user

    @staticmethod
    def user_model_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, with a distinct message when the login is locked out."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": _("Trop de tentatives de connexion échouées. Réessayez dans quelques minutes."),
    }

    locked_out = False

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "login_locked_out", False):
                self.locked_out = True
                raise ValidationError(self.error_messages["locked_out"], code="locked_out") from None
            raise
