"""Access checks for pages: a page is for some roles only; everybody else gets 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

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
