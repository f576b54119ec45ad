"""Content negotiation for endpoints whose ``?format=`` names a file to download."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation


class FileFormatNegotiation(DefaultContentNegotiation):
    """REST framework reads ``?format=`` as the choice of a renderer and answers 404 when none is
    called ``csv`` or ``xlsx``; here the view reads it and answers the file itself, so the first
    renderer (JSON) serves only the refusals (401, 403)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_template_action(view_method):
    """A list route ``template/`` that answers an upload's template file (``?format=xlsx`` by
    default, or ``csv``): its schema, no pagination or filters, and :class:`FileFormatNegotiation`.
    The monthly reports' and the declarations' templates are served this way."""
    routed = action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        filter_backends=[],
        content_negotiation_class=FileFormatNegotiation,
    )(view_method)
    return extend_schema(
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["xlsx", "csv"])],
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.BINARY},
    )(routed)
