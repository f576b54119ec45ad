"""Django's makemessages, also reading ``_l``: the views import gettext_lazy under that name for their
export columns, which xgettext would otherwise leave out of the catalogue."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """makemessages with ``_l`` as a gettext keyword."""

    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_l"]
