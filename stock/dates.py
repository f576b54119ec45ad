"""The one rule of allowed dates, applied by every write (movements, transfers, monthly reports,
declarations through the API, the form and the upload), and by the ledger engine as a last guard.

- Nothing before ``EARLIEST_DATE`` (2000-01-01): the platform's history cannot start earlier, and a
  year typed ``0201`` or ``1900`` is a mistake, never a fact.
- A recorded fact (a movement, a transfer, a reported or declared month) is not after today.
- A planned date (an expected delivery, a disruption's expected start or end) is at most
  ``PLANNED_YEARS_AHEAD`` years after today.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

EARLIEST_DATE = dt.date(2000, 1, 1)
PLANNED_YEARS_AHEAD = 10


def shown_date(value: dt.date) -> str:
    """``value`` as a message shows it in the active language: 07/12/2036 in French and in Arabic."""
    return date_format(value, "SHORT_DATE_FORMAT")


def latest_planned_date(today: dt.date | None = None) -> dt.date:
    """The last day a planned date may fall on."""
    today = today or timezone.localdate()
    return dt.date(today.year + PLANNED_YEARS_AHEAD, today.month, min(today.day, 28))


def date_refusal(value: dt.date, *, planned: bool = False, today: dt.date | None = None) -> str | None:
    """Why ``value`` may not be written (None when it may): before 2000-01-01, after today for a
    recorded fact, more than ten years ahead for a planned date."""
    today = today or timezone.localdate()
    if value < EARLIEST_DATE:
        return _("Date trop ancienne : au plus tôt le %(date)s.") % {"date": shown_date(EARLIEST_DATE)}
    if not planned and value > today:
        return _("La date ne peut pas être dans le futur.")
    if planned and value > latest_planned_date(today):
        return _("Date trop lointaine : au plus tard le %(date)s.") % {"date": shown_date(latest_planned_date(today))}
    return None


def month_refusal(month: dt.date, *, today: dt.date | None = None) -> str | None:
    """Why a reported or declared ``month`` (its first day) may not be written: before 2000-01, or
    after the current month."""
    today = today or timezone.localdate()
    if month < EARLIEST_DATE:
        return _("Mois trop ancien : au plus tôt %(month)s.") % {"month": EARLIEST_DATE.strftime("%Y-%m")}
    if month > today.replace(day=1):
        return _("Le mois ne peut pas être dans le futur.")
    return None
