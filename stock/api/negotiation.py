"""Content negotiation for endpoints whose ``?format=`` names a file to download."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class FileFormatNegotiation(DefaultContentNegotiation):
    """REST framework reads ``?format=`` as the choice of a renderer and answers 404 when none is
    called ``csv`` or ``xlsx``; here the view reads it and answers the file itself, so the first
    renderer (JSON) serves only the refusals (401, 403)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type
