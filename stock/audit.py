"""The audit trail: who wrote what, when, and from where.

Two layers, so that no view or service has to be rewritten to be audited:

1. ``config.middleware.AuditMiddleware`` records every successful write request (POST, PUT, PATCH,
   DELETE) made through the API or the pages: the actor, the model and action of the view, the
   object id (from the URL, or the id of the created object), the submitted fields (secrets masked,
   long values and lists cut down), the path and the answer's status. A page that refused the
   write (its form again, or a redirect with an error message) is not recorded.
2. The services of the pages' writes (the shortage register, alerts, declarations, commitments'
   progress, API tokens) record what they wrote with ``audit_write``: the object, the action and
   the before and after values of each changed field. When one does, the generic entry of layer 1
   is skipped for that request, so a write is never recorded twice. The IP address and request id
   come from the request being served (``audit_context``); outside a request (tasks, commands)
   they are empty.

A write that finds its work already done (a token revoked again) writes nothing and says so with
``audit_nothing_written``: like a refused write, it leaves no entry, where the generic one would
record a change that did not happen.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction

from stock.models import AuditEntry

# Field names whose values never reach the audit trail.
SECRET_FIELD_MARKERS = ("password", "token", "secret", "api_key", "authorization")
DROPPED_FIELDS = frozenset({"csrfmiddlewaretoken"})
MAX_TEXT_LENGTH = 200
MAX_LIST_ITEMS = 5
MAX_DEPTH = 4


@dataclass
class AuditContext:
    """What the request being served contributes to the entries written during it."""

    ip_address: str | None = None
    request_id: str | None = None
    recorded: list[int] = field(default_factory=list)
    nothing_written: bool = False


_current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


@contextmanager
def audit_context(*, ip_address: str | None, request_id: str | None) -> Iterator[AuditContext]:
    """Binds the request's IP address and id to the audit entries written inside the block."""
    context = AuditContext(ip_address=ip_address, request_id=request_id)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def client_ip(request) -> str | None:
    """The client's address as the outermost trusted proxy saw it: with ``TRUSTED_PROXY_COUNT`` = n
    proxies in front of the site, the n-th ``X-Forwarded-For`` hop from the right (each proxy
    appends the address it received the request from, so hops further left are the client's own
    words); with none, ``REMOTE_ADDR``. Lock-out, audit trail and API rates all use this. Anything
    that is not an IP address gives None."""
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_FIELD_MARKERS)


def audit_sanitize(value: Any, *, depth: int = 0) -> Any:
    """A JSON-safe, bounded copy of submitted data: secrets masked, long text cut, long lists
    reduced to their length and first items."""
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        return {
            str(key).replace("\x00", "\ufffd"): "***" if _is_secret(str(key)) else audit_sanitize(item, depth=depth + 1)
            for key, item in value.items()
            if str(key) not in DROPPED_FIELDS
        }
    if isinstance(value, (list, tuple)):
        items = [audit_sanitize(item, depth=depth + 1) for item in value[:MAX_LIST_ITEMS]]
        if len(value) > MAX_LIST_ITEMS:
            return {"count": len(value), "first": items}
        return items
    if value is None or isinstance(value, (bool, int, float)):
        return value
    # PostgreSQL's JSON cannot hold NUL characters; a hostile payload must still be recorded.
    text = str(value).replace("\x00", "\ufffd")
    return text if len(text) <= MAX_TEXT_LENGTH else text[:MAX_TEXT_LENGTH] + "…"


def audit_diff(*, before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs between two snapshots."""
    return {
        name: [audit_sanitize(before.get(name)), audit_sanitize(after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def audit_snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` on ``obj``, to pass to ``audit_diff`` after a change."""
    return {name: getattr(obj, name) for name in fields}


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Writes one audit entry. ``obj`` gives the type (``app.model``) and id; ``object_type`` and
    ``object_id`` name something that is not a model row. Inside a request, the entry takes the
    request's IP and id, and the generic entry of the middleware is skipped."""
    context = _current.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    payload = dict(audit_sanitize(dict(changes or {})))
    if context is not None and context.request_id and "request_id" not in payload:
        payload["request_id"] = context.request_id
    # A savepoint: should the insert fail, the caller's transaction stays usable.
    with transaction.atomic():
        entry = AuditEntry.objects.create(
            actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
            action=action[:40],
            object_type=object_type[:60],
            object_id="" if object_id is None else str(object_id)[:40],
            changes=payload,
            ip_address=context.ip_address if context is not None else None,
        )
    if context is not None:
        context.recorded.append(entry.pk)
    return entry


def audit_write(
    *,
    actor,
    action: str,
    obj: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    **facts: Any,
) -> AuditEntry:
    """The entry of one write of ``obj`` by ``actor``: ``{field: [before, after]}`` for every field
    that changed (``before`` left out for a creation), plus ``facts`` (a comment, a file name)."""
    changes: dict[str, Any] = audit_diff(before=before or {}, after=after or {})
    changes.update({name: value for name, value in facts.items() if value not in (None, "")})
    return audit_record(actor=actor, action=action, obj=obj, changes=changes)


def audit_recorded_in_request() -> bool:
    """True when a service already wrote an entry for the request being served."""
    context = _current.get()
    return bool(context and context.recorded)


def audit_nothing_written() -> None:
    """The service serving the request found nothing to write (what was asked was already done):
    the request gets no generic entry."""
    context = _current.get()
    if context is not None:
        context.nothing_written = True


def audit_nothing_written_in_request() -> bool:
    """True when a service said that the request being served wrote nothing (:func:`audit_nothing_written`)."""
    context = _current.get()
    return bool(context and context.nothing_written)


# Views whose posts change nothing worth auditing (a language cookie).
UNAUDITED_VIEWS = frozenset({"set_language"})
METHOD_ACTIONS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


def _view_model_label(view_class) -> str:
    model = getattr(view_class, "model", None)
    queryset = getattr(view_class, "queryset", None)
    if model is None and queryset is not None:
        model = queryset.model
    serializer = getattr(view_class, "serializer_class", None)
    if model is None and serializer is not None:
        model = getattr(getattr(serializer, "Meta", None), "model", None)
    return model._meta.label_lower if model is not None else ""


def _is_api_response(response) -> bool:
    from rest_framework.response import Response

    return isinstance(response, Response)


def _refusal_queued(request) -> bool:
    """The page queued an error message for the next page: it redirects after refusing the write
    (an alert that is no longer open, a shortage already in the register)."""
    from django.contrib.messages import constants

    queued = getattr(getattr(request, "_messages", None), "_queued_messages", ())
    return any(message.level >= constants.ERROR for message in queued)


def _is_successful_write(response, request=None) -> bool:
    """API answers below 400 are accepted writes. A page that re-renders its form (200 HTML) has
    refused the input, and so has one that redirects with an error message; pages that accepted it
    redirect, or answer with a file or JSON."""
    status = response.status_code
    if _is_api_response(response):
        return status < 400
    if request is not None and _refusal_queued(request):
        return False
    if 300 <= status < 400 or status in (201, 202, 204):
        return True
    return status == 200 and not response.get("Content-Type", "").startswith("text/html")


def _submitted_form(request) -> dict[str, Any]:
    """Form fields and file names, only when the view has already parsed them."""
    data: dict[str, Any] = {}
    if hasattr(request, "_post"):
        data.update({key: values if len(values) > 1 else values[0] for key, values in request._post.lists()})
    if getattr(request, "_files", None):
        data.update({key: {"file": upload.name, "bytes": upload.size} for key, upload in request._files.items()})
    return data


def audit_request_record(*, request, response, submitted: Any = None) -> AuditEntry | None:
    """The generic entry of a write request (layer 1): the view's model and action, the object id
    from the URL or from the created object, what was submitted, the path and the status.
    Refused writes and unaudited views write nothing."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name in UNAUDITED_VIEWS or not _is_successful_write(response, request):
        return None
    view_class = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    viewset_actions = getattr(match.func, "actions", None) or {}
    action = viewset_actions.get(request.method.lower()) or METHOD_ACTIONS.get(request.method, request.method.lower())
    object_id = match.kwargs.get("pk") or match.kwargs.get("id") or next(iter(match.kwargs.values()), None)
    data = getattr(response, "data", None) if _is_api_response(response) else None
    if object_id is None and isinstance(data, Mapping):
        object_id = data.get("id")
    user = getattr(request, "user", None)
    return audit_record(
        actor=user,
        action=action,
        object_type=_view_model_label(view_class) or match.view_name,
        object_id=object_id,
        changes={
            "view": match.view_name,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "data": submitted if submitted is not None else _submitted_form(request),
        },
    )
