"""Month-by-month stock simulation of every position at once (numpy arrays over positions).

Each month a position orders up to its maximum (periodic review, order-up-to); the supplier fills the order, except in a local supply failure (part delivered, the rest
a month late) or a national shortage of the medicine (almost nothing delivered, the order lost).
Demand is gamma-Poisson around a seasonal, trending mean; what cannot be served becomes stockout
days, so that issued x D / (D - X) recovers the demand as the scoring expects. Hospitals with
surplus lend to hospitals of the same region that stocked out (transfers, received the next month;
those shipped in the last month are still in transit). Quantities are dispensing units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

WARM_UP_MONTHS = 4
TRANSFER_MONTHS = 6
#: Share of positions ordering up to too low a maximum (1.3-2.2 months instead of 3.1-4): they
#: end most months with little stock and stock out more often, which the scoring should see.
CARELESS_SHARE = 0.15
SHORTAGE_CAUSES = ("api", "manufacturing", "import", "logistics", "regulatory", "demand")


@dataclass(frozen=True)
class ShortageWindow:
    """A national shortage of one medicine over months ``start``..``end`` (indexes into the
    history, ``end`` may lie past the last month: still ongoing)."""

    medicine_id: int
    start: int
    end: int
    cause: str


@dataclass
class SimulationResult:
    """``monthly``: one row per position and month (``position``, ``month``, ``opening``,
    ``received``, ``transfer_in``, ``issued``, ``losses``, ``transfer_out``, ``stockout_days``,
    ``closing``, ``demand``, ``reported``); ``transfers``: ``source``, ``destination`` (position
    indexes), ``month``, ``quantity``, ``in_transit``."""

    monthly: pd.DataFrame
    transfers: pd.DataFrame


def choose_shortage_windows(
    position_counts: pd.Series, n_months: int, count: int, rng: np.random.Generator
) -> list[ShortageWindow]:
    """National shortages of widely stocked medicines: most resolved in the past, one ongoing for
    two months, one starting in the last month (so the current scoring has something to find)."""
    if count == 0 or position_counts.empty:
        return []
    widely_stocked = position_counts.sort_values(ascending=False, kind="stable")
    pool = widely_stocked.index.to_numpy()[: max(count * 3, 10)]
    medicines = rng.choice(pool, size=min(count, len(pool)), replace=False)
    windows = []
    for rank, medicine_id in enumerate(medicines):
        cause = str(rng.choice(SHORTAGE_CAUSES))
        if rank == 0:
            start, length = n_months - 1, 3
        elif rank == 1:
            start, length = n_months - 2, 4
        else:
            start, length = int(rng.integers(WARM_UP_MONTHS // 2, n_months - 5)), int(rng.integers(2, 5))
        windows.append(ShortageWindow(int(medicine_id), start, start + length - 1, cause))
    return windows


def _seasonal_factor(months: np.ndarray, peak: np.ndarray, amplitude: np.ndarray) -> np.ndarray:
    return 1.0 + amplitude * np.cos(2 * np.pi * (months - peak) / 12.0)


def simulate(
    positions: pd.DataFrame,
    month_numbers: np.ndarray,
    days: np.ndarray,
    windows: list[ShortageWindow],
    rng: np.random.Generator,
) -> SimulationResult:
    """Simulate ``len(days)`` months for ``positions`` (columns ``medicine_id``, ``region_id``,
    ``is_hospital``, ``mean`` (reference monthly demand), ``amplitude``, ``peak_month``, ``growth``).
    ``month_numbers`` are calendar months (1-12) of the history; a few warm-up months run first
    so that the first stored month does not start from an arbitrary stock."""
    n, n_months = len(positions), len(days)
    hospital = positions["is_hospital"].to_numpy(dtype=bool)
    mean = positions["mean"].to_numpy(dtype=float) * rng.lognormal(0.0, 0.35, n)
    amplitude = positions["amplitude"].to_numpy(dtype=float)
    peak = positions["peak_month"].to_numpy(dtype=float)
    growth = positions["growth"].to_numpy(dtype=float)
    medicine = positions["medicine_id"].to_numpy()

    careless = rng.random(n) < CARELESS_SHARE
    max_months = np.where(careless, rng.uniform(1.3, 2.2, n), rng.uniform(3.1, 4.0, n))
    failure_rate = np.where(hospital, 0.03, 0.06)

    national_cap = np.ones((n, n_months))
    for window in windows:
        rows = medicine == window.medicine_id
        for month in range(window.start, min(window.end, n_months - 1) + 1):
            national_cap[rows, month] = rng.uniform(0.0, 0.12, rows.sum())

    stock = np.round(mean * rng.uniform(1.0, 3.0, n))
    forecast = mean.copy()
    backorder = np.zeros(n)
    transfer_in_next = np.zeros(n)
    columns = {name: np.zeros((n, n_months), dtype=np.int64) for name in _COLUMNS}
    transfer_frames = []
    first_month = month_numbers[0]

    for step in range(-WARM_UP_MONTHS, n_months):
        month_index = max(step, 0)
        calendar_month = month_numbers[step] if step >= 0 else ((first_month - 1 + step) % 12) + 1
        d = int(days[month_index])
        expected = mean * _seasonal_factor(calendar_month, peak, amplitude) * (1 + growth) ** (step / 12)
        demand = rng.poisson(rng.gamma(20.0, np.maximum(expected, 0.01) / 20.0)).astype(float)

        order = np.maximum(np.round(max_months * forecast - stock), 0)
        cap = national_cap[:, step] if step >= 0 else np.ones(n)
        local_failure = rng.random(n) < failure_rate
        fill = np.where(local_failure, rng.uniform(0.0, 0.4, n), 1.0)
        filled = np.round(order * np.minimum(fill, cap))
        late = np.where(cap < 1.0, 0.0, backorder)  # a national shortage holds back late deliveries too
        backorder = np.where(cap < 1.0, backorder, 0.0) + np.where(cap < 1.0, 0.0, order - np.round(order * fill))
        received = filled + late + transfer_in_next
        opening = stock
        available = opening + received
        issued = np.minimum(demand, available)
        short = (demand > available) | (available == 0)
        stockout = np.where(short, np.ceil(d * (1 - available / np.maximum(demand, 1))), 0)
        stockout = np.clip(stockout, 0, d)
        remaining = available - issued
        loss_rate = 0.03 + 0.12 * (remaining > 4 * forecast)
        losses = np.where(rng.random(n) < loss_rate, np.floor(remaining * rng.uniform(0.02, 0.12, n)), 0)
        closing = remaining - losses
        transfer_out = np.zeros(n)
        transfer_in_next = np.zeros(n)
        if step >= n_months - TRANSFER_MONTHS:
            transfers = _plan_transfers(positions, hospital, closing, forecast, stockout, rng)
            if len(transfers):
                np.add.at(transfer_out, transfers["source"].to_numpy(), transfers["quantity"].to_numpy())
                np.add.at(transfer_in_next, transfers["destination"].to_numpy(), transfers["quantity"].to_numpy())
                transfers["month"] = step
                transfer_frames.append(transfers)
        closing = closing - transfer_out
        served = np.where(stockout < d, issued * d / np.maximum(d - stockout, 1), forecast)
        forecast = 0.7 * forecast + 0.3 * served
        stock = closing
        if step >= 0:
            for name, values in (
                ("opening", opening),
                ("received", received),
                ("transfer_in", received - filled - late),
                ("issued", issued),
                ("losses", losses),
                ("transfer_out", transfer_out),
                ("stockout_days", stockout),
                ("closing", closing),
                ("demand", demand),
            ):
                columns[name][:, step] = values

    monthly = pd.DataFrame({name: values.ravel() for name, values in columns.items()})
    monthly.insert(0, "month", np.tile(np.arange(n_months), n))
    monthly.insert(0, "position", np.repeat(np.arange(n), n_months))
    monthly["reported"] = _reported_mask(hospital, n_months, rng).ravel()
    transfers = (
        pd.concat(transfer_frames, ignore_index=True)
        if transfer_frames
        else pd.DataFrame({"source": [], "destination": [], "quantity": [], "month": []}, dtype=np.int64)
    )
    transfers["in_transit"] = transfers["month"] == n_months - 1
    return SimulationResult(monthly=monthly, transfers=transfers)


_COLUMNS = (
    "opening",
    "received",
    "transfer_in",
    "issued",
    "losses",
    "transfer_out",
    "stockout_days",
    "closing",
    "demand",
)


def _plan_transfers(
    positions: pd.DataFrame,
    hospital: np.ndarray,
    closing: np.ndarray,
    forecast: np.ndarray,
    stockout: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Pairs (source with more than 3.5 months of stock, destination that stocked out) of the same
    region and medicine, both hospitals; each position ships or receives at most once a month."""
    index = np.arange(len(positions))
    surplus = hospital & (closing > 3.5 * forecast) & (forecast > 0)
    needy = hospital & (stockout > 0)
    keys = ["region_id", "medicine_id"]
    sources = positions.loc[surplus, keys].assign(source=index[surplus])
    destinations = positions.loc[needy, keys].assign(destination=index[needy])
    pairs = destinations.merge(sources, on=keys)
    if pairs.empty:
        return pd.DataFrame({"source": [], "destination": [], "quantity": []}, dtype=np.int64)
    pairs = pairs.iloc[rng.permutation(len(pairs))]
    pairs = pairs.drop_duplicates("destination").drop_duplicates("source")
    excess = closing[pairs["source"]] - np.ceil(2.5 * forecast[pairs["source"]])
    quantity = np.minimum(excess, np.ceil(1.5 * forecast[pairs["destination"]]))
    pairs = pairs.assign(quantity=quantity.astype(np.int64))
    pairs = pairs[pairs["quantity"] > 0]
    return pairs[["source", "destination", "quantity"]].sort_values("destination").reset_index(drop=True)


def _reported_mask(hospital: np.ndarray, n_months: int, rng: np.random.Generator) -> np.ndarray:
    """Hospitals always report; health centres miss about 2% of months, never the last three."""
    missed = (rng.random((len(hospital), n_months)) < 0.02) & ~hospital[:, None]
    missed[:, -3:] = False
    return ~missed
