"""The base of every filter set of the API and the pages: a filter given a value it cannot read
refuses it, with a message saying what it takes, instead of dropping it (``in_transit=maybe`` listed
every position, as if no filter had been given).

- A yes/no filter takes ``true`` or ``false``, or ``1`` or ``0``, in any case; empty, it filters
  nothing. Django's field read any other value as "no filter", and its select read ``1`` so too.
- A choice filter's refusal lists the values it takes; a date's, a date-time's and a number's give
  the form they take; a filter naming a row by its id says an id is expected.

The API answers a refusal 400, the filter named in ``error.fields`` (``stock.api.errors``); a page
lists its rows without the refused filter, names it above its filters (``inc/filter_refused.html``),
offers no export and answers 400 (:func:`filters_refused`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

YES_NO_ANY = [("", _("Tous")), ("true", _("Oui")), ("false", _("Non"))]
TRUE_TEXTS = ("true", "1")
FALSE_TEXTS = ("false", "0")

#: The ids a filter takes: those a 64-bit id column can hold (``BigAutoField``). A larger number was
#: an OverflowError (a 500) on SQLite; it is a 400 naming the filter, as any other bad value.
ID_MIN, ID_MAX = 1, 2**63 - 1

DATE_REFUSED = _("Date refusée : indiquez-la sous la forme AAAA-MM-JJ (par exemple 2026-03-31).")
DATE_TIME_REFUSED = _(
    "Date et heure refusées : indiquez-les sous la forme AAAA-MM-JJTHH:MM (ISO 8601, fuseau horaire facultatif)."
)
NUMBER_REFUSED = _("Nombre refusé : indiquez un nombre, avec un point pour les décimales (par exemple 50 ou 12.5).")
ID_REFUSED = _("Valeur « %(value)s » refusée : indiquez l'identifiant (un nombre entier) d'un élément existant.")


def value_refused(value: str, expected: Iterable[str]) -> str:
    """The refusal of ``value``, naming the values a parameter takes."""
    message = gettext("Valeur « %(value)s » non reconnue ; valeurs possibles : %(choices)s.")
    return message % {"value": value, "choices": ", ".join(expected)}


def _value_refused(expected: Callable[[], Iterable[str]]) -> Promise:
    """:func:`value_refused` as a form field's message, read when it is shown (a filter's choices
    may be a callable), still holding ``%(value)s`` for the field to fill."""
    return lazy(lambda: value_refused("%(value)s", expected()), str)()


class YesNoField(forms.NullBooleanField):
    """A yes/no filter's field: ``true``/``1``, ``false``/``0`` (any case, spaces around ignored),
    nothing for an empty value, refused otherwise. Its select sends the raw value (Django's
    ``NullBooleanSelect`` read ``1`` and any unknown text as no value at all)."""

    widget = forms.Select(choices=YES_NO_ANY)
    default_error_messages = {"invalid": _value_refused(lambda: ("true", "false", "1", "0"))}

    def to_python(self, value) -> bool | None:
        if isinstance(value, bool) or value is None:
            return value
        text = str(value).strip().lower()
        if not text:
            return None
        if text in TRUE_TEXTS:
            return True
        if text in FALSE_TEXTS:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})


class IdField(forms.IntegerField):
    """A whole number in ``ID_MIN..ID_MAX``: the form field of the filters on an id."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


@extend_schema_field({"type": "integer", "minimum": ID_MIN, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """A filter on an id (``company``, ``assignee``...), refused with a 400 naming it when it is not a
    whole number or out of the ids' range."""

    field_class = IdField


def _choice_values(filter_: django_filters.Filter) -> Callable[[], list[str]]:
    def values() -> list[str]:
        choices = filter_.extra.get("choices", ())
        return [str(value) for value, _label in (choices() if callable(choices) else choices)]

    return values


def _refusals(filter_: django_filters.Filter) -> dict[str, Promise]:
    """The error messages of ``filter_``'s form field that say what it takes, by error code."""
    if isinstance(filter_, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
        return {"invalid_choice": ID_REFUSED}
    if isinstance(filter_, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter):
        return {"invalid_choice": _value_refused(_choice_values(filter_))}
    if isinstance(filter_, django_filters.DateTimeFilter):
        return {"invalid": DATE_TIME_REFUSED}
    if isinstance(filter_, django_filters.DateFilter):
        return {"invalid": DATE_REFUSED}
    if isinstance(filter_, django_filters.NumberFilter) and filter_.field_class is forms.DecimalField:
        return {"invalid": NUMBER_REFUSED}
    return {}


class FilterSet(django_filters.FilterSet):
    """The project's filter sets: every filter, declared or generated from ``Meta.fields``, refuses
    what it cannot read with a message saying what it takes. Set once, when the class is made: a
    filter set is built for each request, and the API skips building one where it can (see
    ``stock.api.filters``)."""

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for filter_ in filters.values():
            if isinstance(filter_, django_filters.BooleanFilter) and filter_.field_class is forms.NullBooleanField:
                # the filter's own class, whatever declared it (django-filter generates its
                # BooleanFilter for a model's boolean field); its form field is not built yet
                filter_.field_class = YesNoField
            if refusals := _refusals(filter_):
                filter_.extra["error_messages"] = {**refusals, **filter_.extra.get("error_messages", {})}
        return filters


def filters_refused(filterset: django_filters.FilterSet) -> bool:
    """Whether a page's filter set refused one of its values. The page then lists its rows with the
    other filters only, names the refused ones above its filters, offers no export (an export of a
    list the client did not ask for would look like one it did) and answers 400, as a refused form."""
    return filterset.is_bound and not filterset.is_valid()
