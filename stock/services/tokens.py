"""API tokens of a user: issue (the raw value is shown once), list, revoke."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from stock.models import ApiToken

MAX_ACTIVE_TOKENS = 20


class TokenLimitReached(Exception):
    """The user already has the maximum number of active tokens."""


@transaction.atomic
def token_issue(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the raw value, which is never stored."""
    if ApiToken.objects.filter(user=user).active().count() >= MAX_ACTIVE_TOKENS:
        raise TokenLimitReached
    return ApiToken.issue(user=user, name=name.strip() or "api")


@transaction.atomic
def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke ``token`` (idempotent: an already revoked token keeps its first revocation time)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token
