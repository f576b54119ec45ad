"""Idempotent writes: a request resent with the same ``Idempotency-Key`` gets the first answer back
and writes nothing; the same key with another body is a conflict.

Only successful answers (2xx) are kept: a refused request wrote nothing, so sending it again (after
fixing the data, or once stock has arrived) simply runs it again. Keys are per user and scope (the
endpoint): an answer is only ever replayed to the user who sent the request.

Concurrent requests with one key: the first one claims the key (its record row is inserted before
its writes), and every other one waits on the unique index until that transaction ends; it then
replays the committed answer, or, when the first one was refused and rolled back, runs itself.
Every one of them thus gets the first answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from stock.models import IdempotencyRecord

MAX_KEY_LENGTH = 100


class IdempotencyConflict(Exception):
    """The key was already used for a request with a different body."""


@dataclass(frozen=True)
class IdempotentResult:
    status_code: int
    body: Any
    replayed: bool


def request_fingerprint(payload: Any) -> str:
    """SHA-256 of the request body in a canonical JSON form (sorted keys)."""
    canonical = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent_run(
    *, user: Any, scope: str, key: str | None, payload: Any, action: Callable[[], tuple[int, Any]]
) -> IdempotentResult:
    """Run ``action`` (returning status and JSON-able body) once per (user, scope, key)."""
    if not key:
        status_code, body = action()
        return IdempotentResult(status_code, body, replayed=False)
    fingerprint = request_fingerprint(payload)
    previous = _replay(user=user, scope=scope, key=key, fingerprint=fingerprint)
    if previous is not None:
        return previous
    try:
        with transaction.atomic():
            # The claim: a concurrent request with this key blocks on this insert until we end.
            record = IdempotencyRecord.objects.create(
                user=user, scope=scope, key=key, request_hash=fingerprint, status_code=0, response={}
            )
            status_code, body = action()
            body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            if 200 <= status_code < 300:
                record.status_code, record.response = status_code, body
                record.save(update_fields=["status_code", "response"])
            else:
                record.delete()
    except IntegrityError:
        previous = _replay(user=user, scope=scope, key=key, fingerprint=fingerprint)
        if previous is None:
            raise
        return previous
    return IdempotentResult(status_code, body, replayed=False)


def _replay(*, user: Any, scope: str, key: str, fingerprint: str) -> IdempotentResult | None:
    record = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyConflict(key)
    return IdempotentResult(record.status_code, record.response, replayed=True)
