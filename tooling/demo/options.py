"""Options of the demo generator and the calendar helpers every part shares."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

#: Written in ``Organization.source`` of every organization the generator creates; ``--reset``
#: and the "already there" check look for it.
DEMO_SOURCE = "Données de démonstration générées (generate_demo)"
#: First words of the description of every shortage the generator writes in the register.
DEMO_SHORTAGE_PREFIX = "[démo]"
#: The demo logins: what each is for, and its username.
DEMO_USERS = (
    ("analyst", "demo.analyste"),
    ("regional", "demo.regional"),
    ("hospital", "demo.hopital"),
    ("health centre", "demo.centre"),
    ("association", "demo.association"),
    ("company", "demo.laboratoire"),
)
DEMO_USERNAMES = tuple(username for _, username in DEMO_USERS)


@dataclass(frozen=True)
class DemoOptions:
    """Sizes and seed of one demo history. ``as_of`` is the demo's "today": the history covers
    ``months`` complete months ending with the month before it."""

    seed: int = 2026
    months: int = 24
    hospitals: int = 170
    centres: int = 250
    medicines: int = 150
    hospital_medicines: int = 100
    centre_medicines: int = 40
    ledger_hospitals: int = 8
    shortages: int = 6
    as_of: dt.date = field(default_factory=timezone.localdate)

    def validate(self) -> None:
        """Raise ``ValueError`` naming the option when a size makes no sense."""
        minimums = {
            "months": 12,
            "hospitals": 0,
            "centres": 0,
            "medicines": 1,
            "hospital_medicines": 1,
            "centre_medicines": 1,
            "ledger_hospitals": 0,
            "shortages": 0,
        }
        for name, minimum in minimums.items():
            if getattr(self, name) < minimum:
                raise ValueError(f"--{name.replace('_', '-')} must be at least {minimum}.")
        if self.hospitals + self.centres == 0:
            raise ValueError("--hospitals and --centres cannot both be 0.")

    @property
    def month_starts(self) -> list[dt.date]:
        """First days of the generated months, oldest first; the last is the month before ``as_of``."""
        last = month_add(self.as_of.replace(day=1), -1)
        return [month_add(last, offset) for offset in range(-(self.months - 1), 1)]


def month_add(month: dt.date, offset: int) -> dt.date:
    """The first day of the month ``offset`` months after ``month``."""
    index = month.year * 12 + month.month - 1 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def days_in(month: dt.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def month_days(months: list[dt.date]) -> np.ndarray:
    """Days in each month, as an int array aligned with ``months``."""
    return np.array([days_in(month) for month in months], dtype=np.int64)
