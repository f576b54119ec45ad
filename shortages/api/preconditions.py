"""Conditional writes of the shortages API (RFC 9110 ``If-Match``): an alert, a shortage and a
mitigation action carry their ``version`` in every answer, and as the ``ETag`` header of an answer
about that one object. A write sent with ``If-Match: "<version>"`` is refused with 412
``precondition_failed`` when the object changed since, naming what changed in ``error.fields``;
without ``If-Match`` it is not checked (docs/alerts.md, "Changes made at the same time")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.http import ETAG_MATCH
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, status

from shortages.services.concurrency import VersionConflict

IF_MATCH_HEADER = "If-Match"
IF_MATCH = OpenApiParameter(
    IF_MATCH_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        'Optional: the object\'s `version` as read, in quotes (`If-Match: "<version>"`, or the `ETag` of its '
        "answer). The write is then refused with 412 `precondition_failed` when the object changed since, "
        "`error.fields` naming each field changed with its value now. One strong entity tag, or `*`; "
        "anything else answers 400 on `If-Match`. Without the header the write is not checked."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="The object's `version` in quotes, to send back as `If-Match`.",
)
PRECONDITION_FAILED = OpenApiResponse(
    description=(
        "`precondition_failed`: the object changed since the version sent as `If-Match`; `error.fields` "
        "names each field changed with its value now (empty when the version is not one of the object's)."
    )
)
IF_MATCH_REFUSED = _(
    'If-Match attend une seule version, entre guillemets et sans « W/ » : If-Match: "<version>", la '
    "« version » lue avec l'objet."
)


class PreconditionFailed(exceptions.APIException):
    """412: the object changed since the version its client read; ``fields`` names what changed
    (``stock.api.errors`` puts them in the answer's ``error.fields``)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, conflict: VersionConflict):
        super().__init__(conflict.message, self.default_code)
        self.fields = {name: [text] for name, text in conflict.changes.items()}


def if_match_version(request) -> str | None:
    """The version the client sent as ``If-Match``: None without the header or with ``*`` (any
    version of an object that exists). One strong entity tag: a list, a weak tag (``W/``: a proxy
    that compressed the answer weakened its ``ETag``) or a value without quotes answers 400 on
    ``If-Match``, so that a client that means to be checked is never written unchecked."""
    header = request.headers.get(IF_MATCH_HEADER)
    if header is None or header.strip() == "*":
        return None
    tag = header.strip()
    if "," in tag or tag.startswith("W/") or not ETAG_MATCH.match(tag):
        raise exceptions.ValidationError({IF_MATCH_HEADER: [IF_MATCH_REFUSED]})
    return tag[1:-1]


@contextmanager
def precondition_checked() -> Iterator[None]:
    """A service's ``VersionConflict`` answered 412 ``precondition_failed``."""
    try:
        yield
    except VersionConflict as conflict:
        raise PreconditionFailed(conflict) from conflict


class VersionETagMixin:
    """An answer about one versioned object (its ``version`` at the top of the body) carries it as its
    ``ETag``, quoted, as ``If-Match`` takes it back."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if status.is_success(response.status_code) and isinstance(data, dict) and isinstance(data.get("version"), str):
            response["ETag"] = f'"{data["version"]}"'
        return response
