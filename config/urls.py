"""URL root: pages of each app, the API under ``/api/v1/``, the schema and its viewers."""

from django.contrib import admin
from django.urls import include, path

from config.api_docs import RedocView, SchemaView, SwaggerView, redoc_bundle
from config.health import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/schema/swagger/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/schema/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("api/schema/redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    path("", include("config.site_urls")),
    path("", include("stock.urls")),
    path("", include("partners.urls")),
    path("", include("shortages.urls")),
]
