"""Access checks for pages: a page is for some roles only; everybody else gets 403. An upload page
past the uploads' rate answers 429 (:func:`too_many_uploads`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from stock import roles

ROLE_CHECKS = {
    roles.ANALYST: roles.is_analyst,
    roles.INDUSTRY: roles.is_industry,
    roles.ESTABLISHMENT: roles.is_establishment,
}


def role_required(*role_names: str) -> Callable:
    """Login required, then one of ``role_names`` (analysts and superusers pass ``analyst``), else 403."""
    checks = [ROLE_CHECKS[name] for name in role_names]

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not any(check(request.user) for check in checks):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def too_many_uploads(request: Any, template_name: str, context: dict[str, Any], *, wait: float) -> HttpResponse:
    """The upload page ``template_name`` answered 429 past the uploads' rate
    (``stock.api.throttling.upload_wait``): the wait as ``upload_refusal`` and ``Retry-After``. The
    form (``context["form"]``) is shown empty: the file sent is left unread (no browser fills a file
    field again anyway)."""
    seconds = max(int(wait), 1)
    refusal = _("Trop de requêtes : réessayez dans %(seconds)s s.") % {"seconds": seconds}
    context = {**context, "form": type(context["form"])(), "upload_refusal": refusal}
    response = render(request, template_name, context, status=429)
    response["Retry-After"] = str(seconds)
    return response
