"""Roles are Django groups; these helpers are the one place that reads them.

``analyst`` sees all data, or only the establishments of the regions or provinces it is linked to
(:mod:`stock.scopes`); ``industry`` users are linked to organizations (partners app);
``establishment`` users are linked to establishments; superusers are site administrators.
"""

from __future__ import annotations

from typing import Any

ANALYST = "analyst"
INDUSTRY = "industry"
ESTABLISHMENT = "establishment"
ROLES = (ANALYST, INDUSTRY, ESTABLISHMENT)


def role_names(user: Any) -> frozenset[str]:
    """The role groups of ``user``, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._role_names = cached
    return cached


def is_analyst(user: Any) -> bool:
    """Analysts and site administrators (what they see: :mod:`stock.scopes`)."""
    return bool(user and user.is_authenticated and (user.is_superuser or ANALYST in role_names(user)))


def is_industry(user: Any) -> bool:
    return INDUSTRY in role_names(user)


def is_establishment(user: Any) -> bool:
    return ESTABLISHMENT in role_names(user)
