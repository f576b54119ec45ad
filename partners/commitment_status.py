"""The status of a commitment, derived from its latest reported value and its dates (pure: no ORM).

The rule, in order:

1. No value reported yet: ``late`` if the due date has passed, else ``not_started``.
2. ``achieved`` when the latest value reaches the target in the direction baseline -> target:
   value >= target when the target is at or above the baseline, value <= target when below.
3. ``late`` when the due date has passed (``today > due_date``) and the target is not reached.
4. ``on_track`` when progress share >= elapsed share - tolerance, else ``at_risk``, where
   progress share = (value - baseline) / (target - baseline) and
   elapsed share = (today - start) / (due - start), clamped to [0, 1] (1 once start >= due).
   With no due date, ``on_track`` as soon as the progress share is above 0, ``at_risk`` otherwise.

A commitment without a target is qualitative: its progress is reported as percent complete,
baseline 0 and target 100 (a recorded baseline is then ignored). Otherwise a missing baseline is 0. The default tolerance is 0.10 (ten points).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from partners.choices import CommitmentStatus

DEFAULT_TOLERANCE = Decimal("0.10")
QUALITATIVE_TARGET = Decimal(100)


@dataclass(frozen=True)
class StatusInputs:
    """What the rule reads: the commitment's figures and dates, and its latest reported value."""

    baseline: Decimal | None
    target: Decimal | None
    start_date: dt.date | None
    due_date: dt.date | None
    latest_value: Decimal | None


def progress_share(*, baseline: Decimal, target: Decimal, value: Decimal) -> Decimal:
    """How far ``value`` has gone from ``baseline`` to ``target`` (1 = reached; may exceed [0, 1])."""
    if target == baseline:
        return Decimal(1) if value == target else Decimal(0)
    return (Decimal(value) - baseline) / (target - baseline)


def elapsed_share(*, start: dt.date, due: dt.date, today: dt.date) -> Decimal:
    """The share of the period start -> due that has passed on ``today``, in [0, 1]."""
    if due <= start:
        return Decimal(1) if today >= start else Decimal(0)
    share = Decimal((today - start).days) / Decimal((due - start).days)
    return min(Decimal(1), max(Decimal(0), share))


def commitment_status(
    inputs: StatusInputs, *, today: dt.date, tolerance: Decimal = DEFAULT_TOLERANCE
) -> CommitmentStatus:
    """The status of one commitment on ``today`` (see the module docstring for the rule)."""
    past_due = inputs.due_date is not None and today > inputs.due_date
    if inputs.latest_value is None:
        return CommitmentStatus.LATE if past_due else CommitmentStatus.NOT_STARTED
    if inputs.target is None:
        baseline, target = Decimal(0), QUALITATIVE_TARGET
    else:
        baseline, target = Decimal(inputs.baseline or 0), Decimal(inputs.target)
    value = Decimal(inputs.latest_value)
    reached = value >= target if target >= baseline else value <= target
    if reached:
        return CommitmentStatus.ACHIEVED
    if past_due:
        return CommitmentStatus.LATE
    share = progress_share(baseline=baseline, target=target, value=value)
    if inputs.due_date is None:
        return CommitmentStatus.ON_TRACK if share > 0 else CommitmentStatus.AT_RISK
    start = inputs.start_date or inputs.due_date
    if share >= elapsed_share(start=start, due=inputs.due_date, today=today) - tolerance:
        return CommitmentStatus.ON_TRACK
    return CommitmentStatus.AT_RISK
