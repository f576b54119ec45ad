"""Helpers shared by the partners pages: role guards, the uploads' rate and pagination."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator

from stock import roles, scopes

PAGE_SIZE = 50


def role_required(*checks):
    """The view needs a signed-in user passing one of ``checks`` (roles.is_analyst, ...); 403 otherwise."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not any(check(request.user) for check in checks):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


analyst_required = role_required(roles.is_analyst)
#: Writes of national data (reviews of declarations): the rule of ``stock.scopes``.
national_analyst_required = role_required(scopes.is_national_analyst)
declarant_required = role_required(roles.is_analyst, roles.is_industry)
registry_reader_required = role_required(roles.is_analyst, roles.is_industry, roles.is_establishment)


def paginate(request, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))
