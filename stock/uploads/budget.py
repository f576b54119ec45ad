"""The time budget of an import: past its deadline the import stops where it stands, its transaction
rolls back (nothing is written) and its job fails with a message saying so.

The deadline lives in a context variable set by the job runner; the reading loop, the row checks and
the writing loops call :func:`budget_check`, so no function between them passes it along::

    with import_budget(seconds=settings.IMPORT_TIME_BUDGET_SECONDS):
        ...                      # any loop of the import calls budget_check()
    # raises ImportTimeExceeded once the deadline has passed
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils.translation import gettext as _

_deadline: ContextVar[tuple[float, int] | None] = ContextVar("import_deadline", default=None)


class ImportTimeExceeded(Exception):
    """The import ran past its time budget; ``seconds`` is that budget."""

    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(budget_message(seconds))


@contextmanager
def import_budget(*, seconds: int) -> Iterator[None]:
    """Gives the import run inside the block ``seconds`` of wall-clock time."""
    token = _deadline.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def budget_check() -> None:
    """Raises ImportTimeExceeded when the running import is past its deadline (no-op outside one)."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() >= deadline[0]:
        raise ImportTimeExceeded(deadline[1])


def budget_message(seconds: int) -> str:
    """The job's error when the budget ran out."""
    return _(
        "Import interrompu : il a dépassé le temps alloué (%(seconds)d s). Rien n'a été enregistré ; "
        "découpez le fichier en plusieurs envois plus petits."
    ) % {"seconds": seconds}
