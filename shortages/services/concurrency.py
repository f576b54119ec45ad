"""Optimistic concurrency of the alerts and the shortage register: a change sent with the version of
the row its author read (the hidden ``version`` of a page's form, the API's ``If-Match``) is
refused when the row changed since, naming what changed. The services compare under the row's lock,
so that of two analysts who read the same version, the second is refused whatever the timing.

A change sent without a version is not checked: the last one written wins, as it always did
(docs/alerts.md, "Changes made at the same time").
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shortages.versions import parts_changed
from stock.dates import shown_date

# The words of each versioned field, those of the pages' labels.
LABELS = {
    "status": gettext_lazy("Statut"),
    "level": gettext_lazy("Niveau"),
    "assignee": gettext_lazy("Assignée à"),
    "snoozed_until": gettext_lazy("En sommeil jusqu'au"),
    "cause": gettext_lazy("Cause"),
    "started_on": gettext_lazy("Début"),
    "expected_end": gettext_lazy("Fin prévue"),
    "actual_end": gettext_lazy("Fin réelle"),
    "description": gettext_lazy("Description"),
    "kind": gettext_lazy("Action"),
    "owner": gettext_lazy("Responsable"),
    "owner_organization": gettext_lazy("Organisation"),
    "due_date": gettext_lazy("Échéance"),
    "quantity": gettext_lazy("Quantité"),
}
# A description is named by its first words, not written out whole.
SHOWN_TEXT_CHARS = 80


class VersionConflict(Exception):
    """The row changed since its version was read: ``message`` says so, ``changes`` maps each field
    that changed (by the API's name) to a sentence giving its value now (empty when the version sent
    is none of the row's)."""

    def __init__(self, message: str, changes: dict[str, str]):
        super().__init__(message)
        self.message = message
        self.changes = changes

    def lines(self) -> list[str]:
        """The message, then what changed, as a page lists them."""
        return [self.message, *self.changes.values()]


def _shown(row: models.Model, name: str) -> str:
    """The value of ``row``'s versioned field ``name`` as a page writes it, "—" when empty."""
    if name == "snoozed_until":
        until = getattr(row, "snoozed_until", None)
        return f"{shown_date(until)} ({row.snooze_reason})" if until else "—"
    value = getattr(row, name)
    if value is None or value == "":
        return "—"
    if row._meta.get_field(name).choices:
        return str(getattr(row, f"get_{name}_display")())
    if isinstance(value, AbstractBaseUser):
        return value.get_full_name() or value.get_username()
    if hasattr(value, "isoformat"):
        return shown_date(value)
    return Truncator(str(value)).chars(SHOWN_TEXT_CHARS)


def version_require(*, row, seen: str | None, message: str) -> None:
    """Refuse (``VersionConflict`` with ``message``) a change to ``row``, read under its lock, when
    ``seen``, the version its author read, is not its version now; nothing when ``seen`` is None."""
    if seen is None:
        return
    current = row.version
    if seen == current:
        return
    names = [name for name, _value in row.version_parts()]
    changed = parts_changed(seen, current, names)
    if changed is None:
        raise VersionConflict(_("Version inconnue : renvoyez telle quelle la « version » lue avec l'objet."), {})
    raise VersionConflict(
        message,
        {
            name: _("%(label)s — désormais : %(value)s.") % {"label": LABELS[name], "value": _shown(row, name)}
            for name in changed
        },
    )
