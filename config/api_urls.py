"""The API router: each app registers its viewsets in its ``api/urls.py``."""

from django.urls import include, path

urlpatterns = [
    path("", include("stock.api.urls")),
    path("", include("partners.api.urls")),
    path("", include("shortages.api.urls")),
]
