"""The journal's entries in words (see ``stock.audit_display``)."""

from __future__ import annotations

from typing import Any

from django import template

from stock.audit_display import AuditDescription, audit_describe

register = template.Library()


@register.filter
def audit_description(entry: Any) -> AuditDescription:
    return audit_describe(entry)
