"""Day-by-day stock simulation of every position of a national dataset (pure numpy, no Django).

Each position (establishment, medicine) has a mean monthly demand, an order-up-to level and a
review day: every 30 days an order brings stock back to the level, delivered or not depending on
the medicine's supply reliability (a few medicines go through a supply disruption of two to five
months in the last year). Daily demand is Poisson; what cannot be served is lost and the day counts
as a stockout day when nothing was available. Everything the database holds derives from this one
history, so the monthly summaries, the hospital ledger, stock levels and lots agree with each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

DAYS_PER_MONTH = 30.4375
REVIEW_DAYS = 30


@dataclass(frozen=True)
class Positions:
    """The positions, sorted by establishment id then medicine id; ``*_index`` point into the
    reference arrays. ``amc`` is the true mean monthly demand (units)."""

    establishment_index: np.ndarray
    medicine_index: np.ndarray
    establishment_id: np.ndarray
    medicine_id: np.ndarray
    is_hospital: np.ndarray
    amc: np.ndarray

    def __len__(self) -> int:
        return len(self.establishment_index)


@dataclass(frozen=True)
class MonthSummary:
    """One month of every position: what ``ConsumptionMonth`` stores. ``reported`` is False for
    the months a primary-care unit did not report, or before a new position's first report (no
    row is written for them)."""

    month: dt.date
    issued: np.ndarray
    received: np.ndarray
    losses: np.ndarray
    stockout_days: np.ndarray
    closing_balance: np.ndarray
    reported: np.ndarray


@dataclass(frozen=True)
class LedgerDay:
    """One day of hospital movements; each array pair is (position index, signed quantity, balance after)."""

    day: dt.date
    receipts: tuple[np.ndarray, np.ndarray, np.ndarray]
    issues: tuple[np.ndarray, np.ndarray, np.ndarray]
    losses: tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class FinalStock:
    """Stock on hand of every position at the end of the history."""

    quantity: np.ndarray


def build_positions(
    rng: np.random.Generator,
    *,
    establishment_ids: np.ndarray,
    is_hospital: np.ndarray,
    medicine_ids: np.ndarray,
    primary_mean: float = 170.0,
) -> Positions:
    """Which medicines each establishment stocks: a health centre about ``primary_mean`` of a
    1,000-medicine list (the most used ones), a hospital 75 to 100 % of the list."""
    n_medicines = len(medicine_ids)
    ranks = np.arange(n_medicines)
    primary_weights = 1.0 / (ranks + 10.0) ** 1.3
    primary_weights /= primary_weights.sum()
    hospital_weights = 1.0 / (ranks + 50.0) ** 0.5
    hospital_weights /= hospital_weights.sum()
    share = min(1.0, n_medicines / 1000.0)
    est_parts, med_parts = [], []
    for index, hospital in enumerate(is_hospital):
        if hospital:
            count = int(n_medicines * rng.uniform(0.75, 1.0))
            weights = hospital_weights
        else:
            count = int(np.clip(rng.normal(primary_mean, 20.0), 80, 240) * share)
            weights = primary_weights
        count = int(np.clip(count, 1, n_medicines))
        chosen = rng.choice(n_medicines, size=count, replace=False, p=weights)
        est_parts.append(np.full(count, index, dtype=np.int32))
        med_parts.append(chosen.astype(np.int32))
    establishment_index = np.concatenate(est_parts)
    medicine_index = np.concatenate(med_parts)
    order = np.lexsort((medicine_ids[medicine_index], establishment_ids[establishment_index]))
    establishment_index, medicine_index = establishment_index[order], medicine_index[order]
    hospital = is_hospital[establishment_index]
    medicine_factor = rng.lognormal(0.0, 0.7, size=n_medicines)
    base = np.where(hospital, 250.0, 35.0)
    amc = base * medicine_factor[medicine_index] * rng.lognormal(0.0, 0.6, size=len(order))
    amc[rng.random(len(order)) < 0.04] = 0.0  # stocked but not used
    return Positions(
        establishment_index=establishment_index,
        medicine_index=medicine_index,
        establishment_id=establishment_ids[establishment_index],
        medicine_id=medicine_ids[medicine_index],
        is_hospital=hospital,
        amc=amc,
    )


def month_starts(end: dt.date, months: int) -> list[dt.date]:
    """The first days of the ``months`` months ending with ``end``'s month, oldest first."""
    year, month = end.year, end.month
    starts = []
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _reliability(rng: np.random.Generator, n_medicines: int, days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per medicine: the probability that an order is delivered, and a disruption window (day
    indexes, empty for most) in the last year during which deliveries mostly fail."""
    reliability = np.where(rng.random(n_medicines) < 0.12, 0.75, 0.97)
    disrupted = rng.random(n_medicines) < 0.04
    start = np.full(n_medicines, days + 1)
    stop = np.full(n_medicines, days + 1)
    first = max(0, days - 365)
    start[disrupted] = rng.integers(first, days, size=disrupted.sum())
    stop[disrupted] = start[disrupted] + rng.integers(60, 150, size=disrupted.sum())
    return reliability, start, stop


def simulate(
    rng: np.random.Generator, positions: Positions, *, end: dt.date, months: int, ledger_days: int
) -> Iterator[MonthSummary | LedgerDay | FinalStock]:
    """Run the history day by day up to ``end`` (inclusive) and yield, in date order, each
    hospital ledger day of the last ``ledger_days`` days, each month's summary when the month
    closes, and finally the stock on hand."""
    starts = month_starts(end, months)
    first_day = starts[0]
    days = (end - first_day).days + 1
    ledger_from = days - ledger_days
    size = len(positions)
    n_medicines = int(positions.medicine_index.max()) + 1 if size else 0
    reliability, disruption_start, disruption_stop = _reliability(rng, n_medicines, days)
    daily_rate = positions.amc / DAYS_PER_MONTH
    order_up_to = positions.amc * rng.uniform(2.0, 4.0, size=size)
    order_up_to[rng.random(size) < 0.05] *= 0.4  # chronically under-supplied positions
    unused = positions.amc == 0
    order_up_to[unused] = rng.integers(5, 60, size=unused.sum())  # a little stock that nobody uses
    review_offset = rng.integers(0, REVIEW_DAYS, size=size)
    reviewers = [np.flatnonzero(review_offset == offset) for offset in range(REVIEW_DAYS)]
    balance = np.rint(np.where(unused, order_up_to, positions.amc * rng.uniform(0.5, 3.5, size=size))).astype(np.int64)
    hospital_positions = np.flatnonzero(positions.is_hospital)
    # 1.5 % of health-centre positions are new: they report only their last month (insufficient data).
    first_reported = np.where(~positions.is_hospital & (rng.random(size) < 0.015), months - 1, 0)
    issued = np.zeros(size, np.int64)
    received = np.zeros(size, np.int64)
    lost = np.zeros(size, np.int64)
    stockout_days = np.zeros(size, np.int16)
    month_index = 0
    for day_index in range(days):
        day = first_day + dt.timedelta(days=day_index)
        season = 1.0 + 0.15 * np.cos(2 * np.pi * (day.month - 1) / 12.0)
        in_ledger = day_index >= ledger_from
        receipt = np.zeros(size, np.int64)
        due = reviewers[day_index % REVIEW_DAYS]
        if len(due):
            medicine = positions.medicine_index[due]
            in_disruption = (disruption_start[medicine] <= day_index) & (day_index < disruption_stop[medicine])
            chance = np.where(in_disruption, 0.05, reliability[medicine])
            delivered = rng.random(len(due)) < chance
            wanted = np.rint((order_up_to[due] - balance[due]) * rng.uniform(0.85, 1.1, size=len(due)))
            receipt[due] = np.where(delivered, np.maximum(wanted, 0), 0).astype(np.int64)
        balance += receipt
        stockout_days += (balance == 0).astype(np.int16)
        demand = rng.poisson(daily_rate * season)
        issue = np.minimum(demand, balance)
        balance -= issue
        loss = np.zeros(size, np.int64)
        month_closes = (day + dt.timedelta(days=1)).day == 1
        if month_closes:
            expiring = rng.random(size) < 0.01
            loss[expiring] = np.floor(balance[expiring] * rng.uniform(0.05, 0.3, size=expiring.sum())).astype(np.int64)
            balance -= loss
        issued += issue
        received += receipt
        lost += loss
        if in_ledger:
            yield _ledger_day(day, hospital_positions, receipt, issue, loss, balance)
        if month_closes:
            reported = positions.is_hospital | ((rng.random(size) >= 0.03) & (month_index >= first_reported))
            yield MonthSummary(
                month=starts[month_index],
                issued=issued.copy(),
                received=received.copy(),
                losses=lost.copy(),
                stockout_days=stockout_days.copy(),
                closing_balance=balance.copy(),
                reported=reported,
            )
            month_index += 1
            issued[:], received[:], lost[:], stockout_days[:] = 0, 0, 0, 0
    yield FinalStock(quantity=balance.copy())


def _ledger_day(day, hospital_positions, receipt, issue, loss, balance_end) -> LedgerDay:
    """Hospital movements of one day, in the order receipt, issue, loss; balances after each."""
    after_loss = balance_end[hospital_positions]
    after_issue = after_loss + loss[hospital_positions]
    after_receipt = after_issue + issue[hospital_positions]

    def pick(quantity, after, sign):
        moved = quantity[hospital_positions]
        mask = moved > 0
        return hospital_positions[mask], sign * moved[mask], after[mask]

    return LedgerDay(
        day=day,
        receipts=pick(receipt, after_receipt, 1),
        issues=pick(issue, after_issue, -1),
        losses=pick(loss, after_loss, -1),
    )


def split_lots(
    rng: np.random.Generator, quantity: np.ndarray, *, end: dt.date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lots holding each position's stock: (position index, quantity, expiry date). One to three
    lots per stocked position; 4 % of positions hold a lot already expired, 10 % one expiring
    within six months. Lot quantities add up to the position's stock."""
    stocked = np.flatnonzero(quantity > 0)
    lots_per_position = rng.choice([1, 2, 3], size=len(stocked), p=[0.4, 0.4, 0.2])
    position = np.repeat(stocked, lots_per_position)
    weight = rng.random(len(position)) + 0.2
    group_start = np.concatenate([[0], np.cumsum(lots_per_position)[:-1]]) if len(stocked) else np.array([], int)
    total_weight = np.add.reduceat(weight, group_start) if len(stocked) else np.array([])
    share = weight / np.repeat(total_weight, lots_per_position)
    lot_quantity = np.floor(quantity[position] * share).astype(np.int64)
    remainder = quantity[stocked] - (np.add.reduceat(lot_quantity, group_start) if len(stocked) else 0)
    lot_quantity[group_start] += remainder
    end_day = np.datetime64(end, "D")
    expiry = end_day + rng.integers(180, 900, size=len(position)).astype("timedelta64[D]")
    first = expiry[group_start]
    draw = rng.random(len(stocked))
    first = np.where(draw < 0.04, end_day - rng.integers(1, 60, size=len(stocked)).astype("timedelta64[D]"), first)
    first = np.where(
        (draw >= 0.04) & (draw < 0.14),
        end_day + rng.integers(1, 180, size=len(stocked)).astype("timedelta64[D]"),
        first,
    )
    expiry[group_start] = first
    keep = lot_quantity > 0
    return position[keep], lot_quantity[keep], expiry[keep]
