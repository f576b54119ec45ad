"""Pagination: page numbers for reference lists, cursors for large, growing lists."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.db.models import Field, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination, PageNumberPagination

INVALID_CURSOR = _("Curseur de page invalide : suivez les liens « next » et « previous » des réponses.")


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class LargeListCursorPagination(CursorPagination):
    """For lists that grow with the data (movements, stock levels, scores): stable under inserts,
    constant cost per page.

    A cursor the client altered or cut (not base64, a bad offset, or a position that is no value of
    the ordering field: ``p=abc`` for an id, a date that is no date) is refused with a 400 naming
    ``cursor``, before any query: REST framework answered 404 for the first, and the database's
    error (a 500) for the second. The position is checked against the first ordering field, whatever
    its type (ids, dates, instants, numbers, or an annotation), the way the page's filter reads it."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"

    def paginate_queryset(self, queryset, request, view=None):
        self._queryset = queryset
        try:
            return super().paginate_queryset(queryset, request, view)
        finally:
            del self._queryset

    def decode_cursor(self, request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise _invalid_cursor() from None
        if cursor is None or cursor.position is None:
            return cursor
        queryset = getattr(self, "_queryset", None)
        if queryset is None:
            return cursor
        return cursor._replace(position=_checked_position(queryset, self.ordering[0].lstrip("-"), cursor.position))


def _invalid_cursor() -> ValidationError:
    return ValidationError({"cursor": [INVALID_CURSOR]})


def _ordering_field(queryset: QuerySet, name: str) -> Field | None:
    """The model field (or annotation) a cursor position is compared with; None when unknown."""
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        try:
            return annotation.output_field
        except (AttributeError, FieldDoesNotExist):  # an annotation without a resolvable type
            return None
    options = queryset.model._meta
    try:
        return options.pk if name == "pk" else options.get_field(name)
    except FieldDoesNotExist:
        return None


def _checked_position(queryset: QuerySet, name: str, position: str) -> str:
    """``position`` as the value the filter ``<name>__lt/__gt`` reads, written back as REST
    framework writes positions (``str`` of the value); a value that is none of that field's type,
    or that the database cannot take, raises the 400 of :func:`_invalid_cursor`."""
    field = _ordering_field(queryset, name)
    if field is None:
        return position
    try:
        value = field.to_python(position)
        if value is None or (isinstance(value, str) and "\x00" in value):  # PostgreSQL refuses NUL in text
            raise _invalid_cursor()
        if isinstance(value, dt.datetime) and settings.USE_TZ and timezone.is_naive(value):
            value = timezone.make_aware(value)
        field.get_db_prep_value(value, connection=connections[queryset.db], prepared=False)
    except (DjangoValidationError, ValueError, TypeError, OverflowError):
        raise _invalid_cursor() from None
    return str(value)
