"""Machinery of the permission matrix: enumerate the site's URLs, and ask one URL as one role.

The table of expected answers lives in ``test_permission_matrix.py``; this module only knows how
to walk the URL configuration and how to send a request as a role, leaving the data untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from stock.models import ApiToken
from tests.security.matrix_world import ROLES, MatrixWorld

# URL namespaces and names that are not the application's own endpoints: Django's admin (its own
# permission system, checked by its own tests), the language switch, the schema and its viewers
# (tested explicitly in test_permission_matrix.py).
SKIPPED_NAMESPACES = ("admin",)


@dataclass(frozen=True)
class Endpoint:
    """One URL name and the methods it answers."""

    name: str
    route: str
    methods: tuple[str, ...]
    is_api: bool
    takes_pk: bool
    # False for function views: their methods cannot be read from the URL configuration.
    methods_known: bool


def _view_methods(callback) -> tuple[tuple[str, ...], bool]:
    actions = getattr(callback, "actions", None)
    if actions:
        return tuple(sorted(method.upper() for method in actions if method not in ("head", "options"))), True
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if view_class is not None:
        allowed = [
            method.upper()
            for method in view_class.http_method_names
            if method not in ("head", "options") and hasattr(view_class, method)
        ]
        return tuple(sorted(allowed)), True
    return ("GET",), False


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern), pattern


def site_endpoints() -> dict[str, Endpoint]:
    """Every named URL of the site (format-suffix duplicates folded), admin excluded."""
    endpoints: dict[str, Endpoint] = {}
    for name, route, pattern in _walk(get_resolver().url_patterns):
        if name.split(":")[0] in SKIPPED_NAMESPACES or name in endpoints:
            continue
        methods, known = _view_methods(pattern.callback)
        endpoints[name] = Endpoint(
            name=name,
            route=route,
            methods=methods,
            methods_known=known,
            is_api=route.startswith("api/"),
            takes_pk="<" in route,
        )
    return endpoints


class Asker:
    """Sends requests as each role: API clients with tokens, browsers with sessions."""

    def __init__(self, world: MatrixWorld):
        self.world = world
        self.api_clients: dict[str, APIClient] = {}
        self.browsers: dict[str, Client] = {}
        for role in ROLES:
            api_client, browser = APIClient(raise_request_exception=False), Client(raise_request_exception=False)
            user = world.user(role)
            if user is not None:
                _, raw = ApiToken.issue(user=user, name="matrix")
                api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
                browser.force_login(user)
            self.api_clients[role], self.browsers[role] = api_client, browser

    def ask(self, endpoint: Endpoint, method: str, role: str, kwargs=None, body: dict | None = None, multipart=False):
        """The response to one request; whatever it wrote is rolled back."""
        url = reverse(endpoint.name, kwargs=kwargs)
        client = self.api_clients[role] if endpoint.is_api else self.browsers[role]
        cache.clear()  # rate-limit counters: the matrix sends far more requests than one client would
        cookies = copy.deepcopy(client.cookies)  # a logout must not end the session for the next request
        savepoint = transaction.savepoint()
        try:
            if endpoint.is_api and multipart:
                response = client.post(url, data=body or {}, format="multipart")
            elif endpoint.is_api:
                response = client.generic(method, url, data=_json(body), content_type="application/json")
            elif method == "GET":
                response = client.get(url)
            else:
                response = client.generic(method, url, data=_form(body), content_type=_FORM)
        finally:
            transaction.savepoint_rollback(savepoint)
            client.cookies = cookies
        return response


_FORM = "application/x-www-form-urlencoded"


def _json(body: dict | None) -> str:
    import json

    return json.dumps(body or {})


def _form(body: dict | None) -> str:
    from urllib.parse import urlencode

    return urlencode(body or {})
