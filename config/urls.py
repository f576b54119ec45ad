"""URL root: pages of each app, the API under ``/api/v1/``, the schema and its viewers.

``/api/v1/`` itself answers a small JSON index (each resource's address, the schema's and its
viewers'); any other path under ``/api/`` that names no endpoint answers a 404 in the API's error
shape (``stock.api.errors.api_not_found``), never Django's HTML page."""

from __future__ import annotations

from functools import lru_cache

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLResolver, get_resolver, include, path, re_path, reverse
from django.views.decorators.csrf import csrf_exempt

from config.api_docs import RedocView, SchemaView, SwaggerView, redoc_bundle
from config.health import health
from stock.api.errors import MESSAGES, api_not_found, error_json

API_ROOT = "api/v1/"


@lru_cache(maxsize=1)
def _api_resources() -> tuple[tuple[str, str], ...]:
    """(name, path) of each collection of the API: the list route of each registered viewset and
    each plain view without a parameter, in the order of the URL configuration."""
    found: dict[str, str] = {}
    todo = [(API_ROOT, pattern) for pattern in get_resolver("config.api_urls").url_patterns]
    while todo:
        prefix, pattern = todo.pop(0)
        if isinstance(pattern, URLResolver):
            todo[:0] = [(prefix + str(pattern.pattern), inner) for inner in pattern.url_patterns]
            continue
        route = str(pattern.pattern).removeprefix("^").removesuffix("$")
        if not pattern.name or "<" in route or "(?P" in route or not route.endswith("/"):
            continue
        if pattern.name.endswith("-list") or "/" not in route.removesuffix("/"):
            found.setdefault(route.removesuffix("/"), f"/{prefix}{route}")
    return tuple(found.items())


@csrf_exempt
def api_root(request: HttpRequest) -> HttpResponse:
    """``GET /api/v1/``: where each resource is, and where the schema says the rest. Public, as the
    schema is; every resource asks for its own credentials."""
    if request.method not in ("GET", "HEAD"):
        message = str(MESSAGES["method_not_allowed"]) % {"method": request.method}
        return error_json("method_not_allowed", message, 405, Allow="GET, HEAD")
    absolute = request.build_absolute_uri
    body = {
        "version": "v1",
        "schema": absolute(reverse("schema")),
        "swagger_ui": absolute(reverse("swagger-ui")),
        "redoc": absolute(reverse("redoc")),
        "resources": {name: absolute(address) for name, address in _api_resources()},
    }
    return JsonResponse(body)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path(API_ROOT, api_root),
    path(API_ROOT, include("config.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/schema/swagger/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/schema/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("api/schema/redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    # Last of the API's paths: what none of them matched (no name: not an endpoint).
    re_path(r"^api/", api_not_found),
    path("", include("config.site_urls")),
    path("", include("stock.urls")),
    path("", include("partners.urls")),
    path("", include("shortages.urls")),
]
