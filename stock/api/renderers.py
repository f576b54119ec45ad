"""The API's JSON renderer: REST framework's answer, encoded by orjson.

A page of 50 stock levels with their names and figures is 53 kB of JSON; the standard library's
encoder took 0.40 ms of a 7.4 ms request to write it, orjson 0.03 ms (docs/performance.md, tenth
round). The bytes are REST framework's: compact, UTF-8 as is, ``U+2028`` and ``U+2029`` escaped,
dates, times and decimals through REST framework's own encoder. Two differences: a float under
0.0001 is written as orjson writes it, the same number in other digits (``0.00001`` for ``1e-05``,
``1e-7`` for ``1e-07``), and a float that is not a number is written ``null`` where the standard
encoder failed with a server error (no answer of this API holds one). A pretty-printed answer
(``Accept: application/json; indent=4``, the browsable API) and anything orjson cannot encode go
through REST framework's renderer.
"""

from __future__ import annotations

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
# The line and paragraph separators, in UTF-8 and escaped as REST framework escapes them (a JSON
# answer that is also valid JavaScript).
SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))
_encoder = JSONEncoder()


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        plain = self.compact and not self.ensure_ascii
        if not plain or self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            rendered = orjson.dumps(data, default=_encoder.default, option=OPTIONS)
        except orjson.JSONEncodeError:
            # An integer beyond 64 bits, a type neither encoder knows: the standard renderer decides.
            return super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in SEPARATORS:
            if raw in rendered:
                rendered = rendered.replace(raw, escaped)
        return rendered
