"""The OpenAPI schema and its two viewers, served without any outside host.

- The schema is generated one request at a time: drf-spectacular resolves its extensions lazily on
  first use, and two first requests at once (Swagger UI and ReDoc opened together) raced into a 500.
- ReDoc's bundle draws its footer logo from the vendor's CDN; the bundle is served here with that
  address replaced by the application's own icon.
- Both viewers show the application's favicon.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import drf_spectacular_sidecar
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

REDOC_BUNDLE = Path(drf_spectacular_sidecar.__file__).parent / "static/drf_spectacular_sidecar/redoc/bundles"
REDOC_OUTSIDE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
FAVICON = "img/favicon.svg"

_schema_lock = threading.Lock()


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated under a lock (see the module's docstring)."""

    def _get_schema_response(self, request):
        with _schema_lock:
            return super()._get_schema_response(request)


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI with the application's favicon."""

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return static(FAVICON)


class RedocView(SpectacularRedocView):
    """ReDoc from the bundle of :func:`redoc_bundle`."""

    @staticmethod
    def _redoc_standalone() -> str:
        return reverse("redoc-bundle")


@lru_cache(maxsize=1)
def _redoc_source(logo: str) -> bytes:
    source = (REDOC_BUNDLE / "redoc.standalone.js").read_text(encoding="utf-8")
    return source.replace(REDOC_OUTSIDE_LOGO, logo).encode("utf-8")


@require_GET
def redoc_bundle(request: HttpRequest) -> HttpResponse:
    """ReDoc's standalone bundle with its footer logo taken from this site."""
    return HttpResponse(_redoc_source(static(FAVICON)), content_type="text/javascript; charset=utf-8")
