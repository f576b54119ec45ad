"""Positions (establishment, medicine) and months: the keys of stock levels and summaries."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Q

Position = tuple[int, int]
WRITE_BATCH = 2000
# Positions per filter: SQLite refuses expression trees deeper than 1000, and an OR of pairs is one.
POSITION_BATCH = 300


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def positions_q(positions: Iterable[Position], prefix: str = "") -> Q:
    """A filter matching exactly these (establishment, medicine) pairs: two IN lists when the pairs
    are every combination of their establishments and medicines (one establishment's batch, a
    report file), else an OR of pairs."""
    pairs = set(positions)
    if not pairs:
        return Q(pk__in=[])
    establishments = {e for e, _m in pairs}
    medicines = {m for _e, m in pairs}
    if len(establishments) * len(medicines) == len(pairs):
        return Q(**{f"{prefix}establishment_id__in": establishments, f"{prefix}medicine_id__in": medicines})
    return reduce(or_, [Q(**{f"{prefix}establishment_id": e, f"{prefix}medicine_id": m}) for e, m in pairs])


def position_batches(positions: Iterable[Position]) -> Iterable[list[Position]]:
    """Sorted positions cut into batches small enough for one ``positions_q`` filter."""
    ordered = sorted(set(positions))
    for start in range(0, len(ordered), POSITION_BATCH):
        yield ordered[start : start + POSITION_BATCH]
