"""The commitment status rule at each of its boundaries (partners.commitment_status)."""

import datetime as dt
from decimal import Decimal

import pytest

from partners.commitment_status import StatusInputs, commitment_status, elapsed_share, progress_share

START, DUE = dt.date(2024, 1, 1), dt.date(2025, 1, 1)  # 366 days
HALFWAY = dt.date(2024, 7, 2)  # day 183 of 366: elapsed share 0.5


def status(value, *, today=HALFWAY, baseline=10, target=30, start=START, due=DUE):
    inputs = StatusInputs(
        baseline=None if baseline is None else Decimal(baseline),
        target=None if target is None else Decimal(target),
        start_date=start,
        due_date=due,
        latest_value=None if value is None else Decimal(str(value)),
    )
    return commitment_status(inputs, today=today)


def test_shares_are_computed_as_documented():
    assert elapsed_share(start=START, due=DUE, today=HALFWAY) == Decimal("0.5")
    assert elapsed_share(start=START, due=DUE, today=dt.date(2023, 1, 1)) == 0
    assert elapsed_share(start=START, due=DUE, today=dt.date(2026, 1, 1)) == 1
    assert progress_share(baseline=Decimal(10), target=Decimal(30), value=Decimal(20)) == Decimal("0.5")


def test_without_progress_it_is_not_started_until_the_due_date_then_late():
    assert status(None, today=DUE) == "not_started"
    assert status(None, today=DUE + dt.timedelta(days=1)) == "late"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(30, "achieved"), ("29.99", "on_track"), (31, "achieved")],
)
def test_achieved_from_the_target_upward(value, expected):
    assert status(value) == expected


def test_achieved_wins_over_late():
    assert status(30, today=DUE + dt.timedelta(days=400)) == "achieved"


def test_late_starts_the_day_after_the_due_date():
    # progress 0.95 against elapsed 1.0 is on track on the due date itself (tolerance 0.10)
    assert status(29, today=DUE) == "on_track"
    assert status(29, today=DUE + dt.timedelta(days=1)) == "late"


def test_on_track_down_to_elapsed_share_minus_tolerance():
    # halfway: elapsed 0.5, so the boundary is a progress share of 0.4, i.e. a value of 18
    assert status(18) == "on_track"
    assert status("17.99") == "at_risk"


def test_a_value_below_the_baseline_is_at_risk():
    assert status(5, today=dt.date(2024, 1, 2)) == "at_risk"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(70, "achieved"), ("70.01", "on_track"), (82, "on_track"), ("82.01", "at_risk"), (90, "at_risk")],
)
def test_a_decreasing_target_counts_downward(value, expected):
    # imports from 90 % down to 70 %: halfway, the boundary share of 0.4 is a value of 82
    assert status(value, baseline=90, target=70) == expected


def test_a_qualitative_commitment_uses_percent_complete():
    assert status(100, baseline=None, target=None) == "achieved"
    assert status(40, baseline=None, target=None) == "on_track"
    assert status("39.99", baseline=None, target=None) == "at_risk"


def test_a_qualitative_commitment_ignores_a_recorded_baseline():
    assert status(40, baseline=80, target=None) == "on_track"


def test_without_a_due_date_any_progress_is_on_track():
    assert status("10.01", due=None) == "on_track"
    assert status(10, due=None) == "at_risk"


def test_a_commitment_due_on_its_start_day_counts_as_fully_elapsed():
    assert status(28, start=DUE, today=DUE) == "on_track"  # share 0.9 = 1 - tolerance
    assert status("27.99", start=DUE, today=DUE) == "at_risk"
    assert status(30, start=DUE, today=DUE) == "achieved"


def test_the_tolerance_can_be_changed():
    inputs = StatusInputs(Decimal(10), Decimal(30), START, DUE, Decimal(19))
    assert commitment_status(inputs, today=HALFWAY, tolerance=Decimal(0)) == "at_risk"
    assert commitment_status(inputs, today=HALFWAY) == "on_track"
