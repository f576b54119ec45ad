"""Cross-cutting middleware: request ids and the access log, security headers, request size
limits, and the audit trail of writes.

Order in ``settings.MIDDLEWARE``: ``RequestIdMiddleware`` first (so every later log line carries the
id), ``RequestSizeLimitMiddleware`` before anything reads the body, ``SecurityHeadersMiddleware``
anywhere, ``NoStoreMiddleware`` and ``AuditMiddleware`` after authentication.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from config.logging import current_request_id

access_logger = logging.getLogger("medwatch.access")
audit_logger = logging.getLogger("medwatch.audit")

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_CONTENT_TYPES = ("application/json", "application/merge-patch+json")
UPLOAD_ENVELOPE_BYTES = 16 * 1024
FILE_TOO_LARGE = _("Fichier trop volumineux : la limite est de %(limit)s octets.")
BODY_TOO_LARGE = _("Corps de la requête trop volumineux : la limite est de %(limit)s octets.")


class RequestIdMiddleware:
    """Gives each request an id (the proxy's ``X-Request-ID`` when well formed, else a new one),
    returns it as a response header, stamps log records with it, and writes one access-log line
    per request (method, path, status, duration, user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request.request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            if settings.ACCESS_LOG:
                user = getattr(request, "user", None)
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.monotonic() - started) * 1000, 1),
                        "user_id": user.pk if user is not None and user.is_authenticated else None,
                    },
                )
            return response
        finally:
            current_request_id.reset(token)


def _too_large(request: HttpRequest, limit: int, message) -> HttpResponse:
    """413 with ``message`` (lazy, ``%(limit)s`` the limit in bytes) in the request's language: this
    middleware answers before ``LocaleMiddleware`` has chosen it, so it is read here the same way
    (language cookie, then ``Accept-Language``)."""
    with translation.override(translation.get_language_from_request(request)):
        text = str(message) % {"limit": number_format(limit, force_grouping=True)}
    if request.path.startswith("/api/"):
        body = {"error": {"code": "too_large", "message": text, "fields": {}}}
        return JsonResponse(body, status=413, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")


class RequestSizeLimitMiddleware:
    """Refuses oversized bodies before anything reads them: JSON and other non-file bodies above
    ``API_MAX_JSON_BYTES`` (REST framework reads the stream itself, so Django's own
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not protect the API), file uploads above
    ``UPLOAD_MAX_BYTES``. The answer is 413 with a message stating the limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length:
            if request.content_type == "multipart/form-data":
                # The body holds the file plus the multipart envelope and the other fields.
                if length > settings.UPLOAD_MAX_BYTES + UPLOAD_ENVELOPE_BYTES:
                    return _too_large(request, settings.UPLOAD_MAX_BYTES, FILE_TOO_LARGE)
            elif length > settings.API_MAX_JSON_BYTES:
                return _too_large(request, settings.API_MAX_JSON_BYTES, BODY_TOO_LARGE)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Sets the content security policy (a relaxed one on the API viewers and the admin, whose
    pages carry inline styles) and a restrictive ``Permissions-Policy``; a view may set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        relaxed = request.path.startswith(settings.CONTENT_SECURITY_POLICY_RELAXED_PATHS)
        policy = settings.CONTENT_SECURITY_POLICY_RELAXED if relaxed else settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with ``private`` and an expiry in the past) on every API answer
    and on every answer to a signed-in user: pages and exports hold data of one user's scope, which
    neither the browser's disk nor a shared proxy may keep. Static files never reach this layer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response


def _submitted_json(request: HttpRequest):
    """The JSON body of a write, read before the view (which then reads the cached copy)."""
    if not request.content_type or request.content_type not in JSON_CONTENT_TYPES:
        return None
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # the view answers the bad body
        return None


class AuditMiddleware:
    """Records each successful write request in the audit trail (see ``stock.audit``), unless a
    service wrote its own entry or found nothing to write. A failure to write the entry is logged
    and never turns an accepted write into an error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in UNSAFE_METHODS:
            return self.get_response(request)
        from stock import audit  # models are not loaded when the middleware module is imported

        submitted = _submitted_json(request)
        with audit.audit_context(ip_address=audit.client_ip(request), request_id=getattr(request, "request_id", None)):
            response = self.get_response(request)
            if not (audit.audit_recorded_in_request() or audit.audit_nothing_written_in_request()):
                try:
                    audit.audit_request_record(request=request, response=response, submitted=submitted)
                except Exception:  # noqa: BLE001 - the write itself is already committed
                    audit_logger.exception("audit entry not written for %s %s", request.method, request.path)
        return response
