"""API tokens of a user: issue (the raw value is shown once), list, revoke.

A token is made from a signed-in session or by an administrator's command, never with another
token: a token therefore never outlives the credential that made it (revoking a leaked token
leaves no copy of it behind). The limit of active tokens holds under parallel creations: each
issue locks the user's row before counting.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from stock.audit import audit_nothing_written, audit_write
from stock.models import ApiToken

MAX_ACTIVE_TOKENS = 20


class TokenLimitReached(Exception):
    """The user already has the maximum number of active tokens."""


@transaction.atomic
def token_issue(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the raw value, which is never stored."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # serialises the count below
    if ApiToken.objects.usable(user).count() >= MAX_ACTIVE_TOKENS:  # expired or voided tokens do not count
        raise TokenLimitReached
    token, raw = ApiToken.issue(user=user, name=name.strip() or "api")
    audit_write(actor=user, action="create", obj=token, after={"name": token.name})
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, by: Any = None) -> bool:
    """Revoke ``token``; ``by`` is who revokes it, its owner unless said. Returns whether this call
    revoked it: a token already revoked keeps its first revocation time, and the journal gets no
    entry for a revocation that changed nothing. ``token.revoked_at`` is read again either way."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    if revoked:
        audit_write(actor=by or token.user, action="revoke", obj=token, name=token.name)
    else:
        audit_nothing_written()
    return bool(revoked)
