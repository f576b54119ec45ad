"""Machine-readable API errors: ``{"error": {"code", "message", "fields": {name: [messages]}}}``.

Every refusal has a stable code and a message in the request's language (French, or Arabic through
the project's catalogue). The text of a library (Django's "No StockLevel matches the given query.",
REST framework's "CSRF Failed: ...", the JSON decoder's "Expecting value ...") is never shown: it
goes to the log (``medwatch.api``) and the answer carries the project's own message for its code.
A message the project wrote itself (a permission's reason, a refused token) is kept. A refusal
that is not a validation error may name fields all the same: an exception's ``fields`` (a mapping
of names to messages, as the 412 of a write whose object changed since: what changed) go to
``error.fields``.

Codes of this handler (the views add their own, see ``docs/stock-api.md``): ``invalid`` (400),
``parse_error`` (400), ``not_authenticated`` and ``authentication_failed`` (401), ``forbidden`` and
``csrf_failed`` (403), ``not_found`` (404), ``method_not_allowed`` (405), ``not_acceptable`` (406),
``unsupported_media_type`` (415), ``throttled`` (429), ``conflict`` (409), ``error`` (any other).
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("medwatch.api")

# The project's message of each code whose text otherwise comes from a library.
MESSAGES = {
    "not_authenticated": _(
        "Identification requise : envoyez un jeton (Authorization: Bearer <jeton>) ou ouvrez une session."
    ),
    "authentication_failed": _("Identification refusée."),
    "forbidden": _("Vous n'avez pas accès à cette ressource."),
    "csrf_failed": _("Jeton CSRF absent ou invalide : rechargez la page, puis envoyez la requête avec son jeton CSRF."),
    "not_found": _(
        "Introuvable : cet objet n'existe pas ou n'est pas dans votre périmètre (ou la page demandée dépasse la fin "
        "de la liste)."
    ),
    "method_not_allowed": _("Méthode %(method)s non permise à cette adresse."),
    "not_acceptable": _("Aucun format de réponse disponible ne correspond à l'en-tête Accept de la requête."),
    "unsupported_media_type": _(
        "Type de contenu non pris en charge : envoyez du JSON (application/json), ou un fichier en multipart/form-data."
    ),
    "parse_error": _("Corps de la requête illisible : le JSON ou le formulaire envoyé est mal formé."),
    "throttled": _("Trop de requêtes : réessayez dans %(seconds)s s."),
    "error": _("La requête n'a pas pu être traitée."),
}
THROTTLED_LATER = _("Trop de requêtes : réessayez plus tard.")
# REST framework's codes the API answers under another name: one code for every refusal of a role,
# an establishment or a company (the writes of the stock services already say ``forbidden``).
CODE_ALIASES = {"permission_denied": "forbidden"}
# Codes whose exception carries the project's own reason when it is not the library's default: the
# permission classes and services (``Seuls les analystes ...``) and the token authentication.
OWN_REASONS = frozenset({"forbidden", "authentication_failed"})
CSRF_PREFIX = "CSRF Failed"


def _flatten(detail) -> dict[str, list[str]] | list[str]:
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def _code_and_message(exc: exceptions.APIException, request) -> tuple[str, str]:
    """The code and message of a refusal that is not a validation error."""
    detail = exc.detail
    text = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
    code = getattr(detail, "code", None) or exc.default_code or "error"
    code = CODE_ALIASES.get(code, code)
    if code == "forbidden" and text.startswith(CSRF_PREFIX):
        code = "csrf_failed"
    if code not in MESSAGES:
        return code, text
    if code in OWN_REASONS and text != str(exc.default_detail):
        return code, text
    if isinstance(exc, exceptions.Throttled):
        if exc.wait is None:
            return code, str(THROTTLED_LATER)
        return code, str(MESSAGES[code]) % {"seconds": math.ceil(exc.wait)}
    if code == "method_not_allowed":
        return code, str(MESSAGES[code]) % {"method": getattr(request, "method", "")}
    return code, str(MESSAGES[code])


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(getattr(exc, "message_dict", None) or {"non_field_errors": exc.messages})
    if isinstance(exc, IntegrityError):
        return Response(
            {
                "error": {
                    "code": "conflict",
                    "message": _("La modification contredit des données déjà enregistrées."),
                    "fields": {},
                }
            },
            status=status.HTTP_409_CONFLICT,
        )
    # As REST framework converts them, here so that the code below reads one kind of exception.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(detail) if isinstance(detail, dict) else {"non_field_errors": _flatten(detail)}
        message = _("Données refusées.")
        code = "invalid"
    else:
        fields = getattr(exc, "fields", None) or {}
        request = context.get("request")
        code, message = _code_and_message(exc, request)
        original = str(exc.detail)
        if original != message:
            logger.info(
                "API %s %s answered %s (%s): %s",
                getattr(request, "method", "-"),
                getattr(request, "path", "-"),
                response.status_code,
                code,
                original,
            )
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


UNKNOWN_API_PATH = _(
    "Adresse inconnue de l'API (ses adresses finissent par « / ») : la liste des ressources est à /api/v1/."
)


def error_json(code: str, message, http_status: int, **headers: str) -> JsonResponse:
    """An answer in the error shape from outside REST framework (plain Django views, middleware)."""
    body = {"error": {"code": code, "message": str(message), "fields": {}}}
    response = JsonResponse(body, status=http_status, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@csrf_exempt
def api_not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Any path under ``/api/`` that names no endpoint: a 404 in the error shape (Django answered its
    HTML page, the debug page in development). A path without its final slash whose slashed form is
    an endpoint is redirected to it on a read, as ``APPEND_SLASH`` did before this catch-all."""
    path = request.path_info
    if settings.APPEND_SLASH and not path.endswith("/") and request.method in ("GET", "HEAD"):
        try:
            match = resolve(f"{path}/", getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    logger.info("API %s %s answered 404 (not_found): no such endpoint", request.method, path)
    return error_json("not_found", UNKNOWN_API_PATH, status.HTTP_404_NOT_FOUND)
