"""Answers of the stock API's write endpoints: refusals in the shared error format
(``{"error": {"code", "message", "fields"}}``) and idempotent replays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from stock.services.idempotency import MAX_KEY_LENGTH, IdempotencyConflict, idempotent_run
from stock.services.ledger import LedgerRejected

IDEMPOTENCY_HEADER = "Idempotency-Key"
STATUS_BY_CODE = {
    "invalid": status.HTTP_400_BAD_REQUEST,
    "insufficient_stock": status.HTTP_409_CONFLICT,
    "duplicate": status.HTTP_409_CONFLICT,
    "forbidden": status.HTTP_403_FORBIDDEN,
}
MESSAGES = {
    "invalid": _("Données refusées."),
    "insufficient_stock": _("Stock insuffisant : le solde ne peut pas devenir négatif."),
    "duplicate": _("Cette clé d'idempotence a déjà servi pour un autre mouvement."),
    "forbidden": _("Vous ne pouvez pas modifier le stock de cet établissement."),
}


def error_response(code: str, message: str, fields: dict[str, list[str]], http_status: int) -> Response:
    return Response({"error": {"code": code, "message": message, "fields": fields}}, status=http_status)


def rejected_response(rejected: LedgerRejected, *, prefix: str | None = None) -> Response:
    """A refusal naming each field; in a batch the field is ``<prefix>.<index>.<field>``."""
    fields: dict[str, list[str]] = {}
    for index, item_errors in sorted(rejected.errors.items()):
        for name, messages in item_errors.items():
            fields[f"{prefix}.{index}.{name}" if prefix else name] = messages
    return error_response(
        rejected.code, MESSAGES.get(rejected.code, MESSAGES["invalid"]), fields, STATUS_BY_CODE.get(rejected.code, 400)
    )


def flatten_errors(detail: Any, path: str = "") -> dict[str, list[str]]:
    """DRF validation errors as ``{"movements.3.quantity": [...]}``."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            out.update(flatten_errors(value, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        out = {}
        for index, value in enumerate(detail):
            if value:
                out.update(flatten_errors(value, f"{path}.{index}" if path else str(index)))
        return out
    return {path or "non_field_errors": [str(item) for item in (detail if isinstance(detail, list) else [detail])]}


def validated(serializer_class, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        raise ValidationError(flatten_errors(serializer.errors))
    return serializer.validated_data


def idempotency_key(request: Request) -> str | None:
    key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError({IDEMPOTENCY_HEADER: [_("Au plus %(max)d caractères.") % {"max": MAX_KEY_LENGTH}]})
    return key or None


def idempotent_response(
    request: Request,
    *,
    scope: str,
    action: Callable[[], tuple[int, Any]],
    error_prefix: str | None = None,
    target: Any = None,
) -> Response:
    """Run ``action`` under the request's Idempotency-Key and answer with its result or refusal.
    ``target`` names what the URL acts on (a transfer's id): with it, the same key sent for another
    target is a conflict, never a replay of the first target's answer."""
    key = idempotency_key(request)
    payload = request.data if target is None else {"target": target, "body": request.data}
    try:
        result = idempotent_run(user=request.user, scope=scope, key=key, payload=payload, action=action)
    except LedgerRejected as rejected:
        return rejected_response(rejected, prefix=error_prefix)
    except IdempotencyConflict:
        return error_response(
            "idempotency_conflict",
            _("Cette clé Idempotency-Key a déjà servi avec un autre contenu de requête."),
            {IDEMPOTENCY_HEADER: [_("Clé déjà utilisée avec un autre contenu de requête.")]},
            status.HTTP_409_CONFLICT,
        )
    response = Response(result.body, status=result.status_code)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
