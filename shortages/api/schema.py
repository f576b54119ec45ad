"""OpenAPI post-processing of the shortages app's API."""

from __future__ import annotations

EXPAND_MARK = "expand="


def expanded_fields_optional(result, generator, request, public):
    """A field present only when ``expand`` asks for it (its description starts with "expand=") is
    not required in an answer: a list without ``expand`` leaves it out."""
    for component in result.get("components", {}).get("schemas", {}).values():
        properties = component.get("properties", {})
        optional = {
            name for name, field in properties.items() if str(field.get("description", "")).startswith(EXPAND_MARK)
        }
        if optional and "required" in component:
            component["required"] = [name for name in component["required"] if name not in optional]
    return result
