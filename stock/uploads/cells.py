"""Converting one cell of an uploaded table to its column's kind (see :mod:`stock.uploads`)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _

from stock.uploads.limits import MAX_CELL_CHARS, quoted, too_long

if TYPE_CHECKING:
    from stock.uploads import ColumnSpec


class CellError(ValueError):
    """A cell that does not fit its column; the message, in the page's language, says why."""


TRUE_WORDS = {"1", "oui", "o", "yes", "y", "true", "vrai", "x"}
FALSE_WORDS = {"0", "non", "n", "no", "false", "faux"}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def convert(raw: Any, spec: ColumnSpec) -> Any:
    if isinstance(raw, str) and len(raw) > MAX_CELL_CHARS:
        raise CellError(too_long(len(raw)))
    if is_blank(raw):
        if spec.required:
            raise CellError(_("Valeur obligatoire manquante."))
        return spec.default
    return CONVERTERS[spec.kind](raw, spec)


def _to_str(raw: Any, spec: ColumnSpec) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    value = str(raw).strip()
    if spec.max_length is not None and len(value) > spec.max_length:
        raise CellError(_("Au plus %(n)d caractères.") % {"n": spec.max_length})
    if spec.choices is not None:
        lookup = _choice_lookup(spec)
        if _choice_key(value) not in lookup:
            shown = [str(label) for _, label in spec.choice_labels] or list(spec.choices)
            raise CellError(
                _("Valeur « %(value)s » non reconnue ; valeurs possibles : %(choices)s.")
                % {"value": quoted(value), "choices": ", ".join(shown)}
            )
        value = lookup[_choice_key(value)]
    return value


def _choice_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).casefold().split())


def _choice_lookup(spec: ColumnSpec) -> dict[str, str]:
    return _choice_lookup_in(spec, translation.get_language())


@lru_cache(maxsize=64)
def _choice_lookup_in(spec: ColumnSpec, language: str | None) -> dict[str, str]:
    """Code or label (French, and ``language``'s) -> code."""
    lookup = {_choice_key(choice): choice for choice in spec.choices or ()}
    for code, label in spec.choice_labels:
        lookup.setdefault(_choice_key(str(label)), code)
        with translation.override("fr"):
            lookup.setdefault(_choice_key(str(label)), code)
    return lookup


def _bounded(value: Any, spec: ColumnSpec) -> Any:
    if spec.min_value is not None and value < spec.min_value:
        raise CellError(_("Doit être supérieur ou égal à %(n)s.") % {"n": spec.min_value})
    if spec.max_value is not None and value > spec.max_value:
        raise CellError(_("Doit être inférieur ou égal à %(n)s.") % {"n": spec.max_value})
    return value


# Far above any real quantity, and inside a 64-bit database column whatever the column's own bounds.
MAX_ABS_INT = 10**12


def _int_bounded(value: int | Decimal, spec: ColumnSpec) -> int:
    if abs(value) > MAX_ABS_INT:
        raise CellError(_("Nombre hors limites (au plus %(n)s en valeur absolue).") % {"n": MAX_ABS_INT})
    return _bounded(int(value), spec)


def _to_int(raw: Any, spec: ColumnSpec) -> int:
    if isinstance(raw, bool):
        raise CellError(_("Nombre entier attendu."))
    if isinstance(raw, int):
        return _int_bounded(raw, spec)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise CellError(_("Nombre entier attendu, pas « %(value)s ».") % {"value": quoted(raw)})
        return _int_bounded(int(raw), spec)
    text = re.sub(r"[\s\u00a0\u202f]", "", str(raw))
    if re.fullmatch(r"[+-]?\d+([.,]0+)?", text):
        # Through Decimal: int() refuses more than 4,300 digits with an English message of its own.
        return _int_bounded(Decimal(re.split(r"[.,]", text)[0]), spec)
    raise CellError(_("Nombre entier attendu, pas « %(value)s ».") % {"value": quoted(raw)})


def _to_decimal(raw: Any, spec: ColumnSpec) -> Decimal:
    text = re.sub(r"[\s\u00a0\u202f]", "", str(raw)).replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError(_("Nombre attendu, pas « %(value)s ».") % {"value": quoted(raw)})
    if not value.is_finite():
        raise CellError(_("Nombre attendu, pas « %(value)s ».") % {"value": quoted(raw)})
    return _bounded(value, spec)


def _to_date(raw: Any, spec: ColumnSpec) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("Date attendue (AAAA-MM-JJ ou JJ/MM/AAAA), pas « %(value)s ».") % {"value": quoted(text)})


def _to_month(raw: Any, spec: ColumnSpec) -> dt.date:
    if isinstance(raw, dt.date | dt.datetime):
        day = raw.date() if isinstance(raw, dt.datetime) else raw
        return day.replace(day=1)
    text = str(raw).strip()
    for pattern in ("%Y-%m", "%m/%Y", "%Y/%m", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date().replace(day=1)
        except ValueError:
            continue
    raise CellError(_("Mois attendu (AAAA-MM), pas « %(value)s ».") % {"value": quoted(text)})


def _to_bool(raw: Any, spec: ColumnSpec) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("Oui ou non attendu, pas « %(value)s ».") % {"value": quoted(raw)})


CONVERTERS: dict[str, Callable[[Any, ColumnSpec], Any]] = {
    "str": _to_str,
    "int": _to_int,
    "decimal": _to_decimal,
    "date": _to_date,
    "month": _to_month,
    "bool": _to_bool,
}
