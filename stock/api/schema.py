"""The answers every API operation may give besides its own, added to the published schema (a
drf-spectacular postprocessing hook): each in the shared error shape of ``stock.api.errors``.

- 401 where credentials are required (no token, or an unknown or revoked one);
- 403 where credentials are required (a role or an establishment the user may not use, CSRF);
- 404 where the path or the body names an object (absent, or not visible to the user), or a list
  is asked for a page past its end;
- 400 where the request carries a body or parameters (a field, a filter or a page cursor refused);
- 413 and 415 where the request carries a body (too large; a content type the endpoint does not take);
- 429 everywhere (API rates, and repeated unknown tokens).

Request bodies that refuse the fields they do not know (``stock.api.serializers.InputSerializer``)
say so (``additionalProperties: false``).

An operation that documents one of these itself keeps its own description. Any other error answer
an operation declares without a body (the 409 of the stock writes) gets the error shape too: a
client generated from the schema otherwise reads the 409's body as nothing.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "A refusal: a code, a message, and the messages of each field by name.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
DESCRIPTIONS = {
    "400": "Invalid input: `error.fields` names each field (or filter) refused.",
    "401": "No credentials, or an unknown or revoked token.",
    "403": "Not allowed for this user (role, establishment or company), or a browser write without its CSRF token.",
    "404": "No such object, or not one this user may see; or a page past the end of the list.",
    "413": "Body too large: a JSON body above `API_MAX_JSON_BYTES`, or a file above `UPLOAD_MAX_BYTES`.",
    "415": "A `Content-Type` this endpoint does not take.",
    "429": "Too many requests: wait for the number of seconds in `Retry-After`.",
}
METHODS = ("get", "put", "patch", "post", "delete")


ERROR_CONTENT = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}


def _response(code: str) -> dict[str, Any]:
    return {"description": DESCRIPTIONS[code], "content": ERROR_CONTENT}


def _strict_request_components() -> set[str]:
    """The request components of the write bodies that refuse unknown fields (drf-spectacular names
    a serializer ``XSerializer``'s request body ``XRequest``)."""
    from stock.api.serializers import InputSerializer

    names, pending = set(), [InputSerializer]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        names.add(cls.__name__.removesuffix("Serializer") + "Request")
    return names


def error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Adds the error answers above to every operation of the schema ``result``."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_COMPONENT] = ERROR_SCHEMA
    for name in _strict_request_components() & set(schemas):
        schemas[name]["additionalProperties"] = False
    for path, item in result.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            codes = ["429"]
            if {} not in operation.get("security", [{}]):
                codes += ["401", "403"]
            parameters = {parameter.get("name") for parameter in operation.get("parameters", [])}
            if "{" in path or "requestBody" in operation or parameters & {"page", "cursor"}:
                codes.append("404")
            if "requestBody" in operation or operation.get("parameters"):
                codes.append("400")
            if "requestBody" in operation:
                codes += ["413", "415"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                if code not in responses or not responses[code].get("content"):
                    description = responses.get(code, {}).get("description") or DESCRIPTIONS[code]
                    responses[code] = _response(code) | {"description": description}
            for code, response in responses.items():
                if str(code)[:1] in ("4", "5") and not response.get("content"):
                    response["content"] = ERROR_CONTENT
    return result
