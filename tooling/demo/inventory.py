"""Current stock in detail: lots with expiry dates, transfer dates, and a daily ledger slice.

Pure numpy/pandas. Lots split each position's final stock (their sum equals it); about one
position in eight holds a lot expiring within six months and one in twenty-five an expired lot
not yet written off. The ledger slice replays the last month of a few hospitals day by day so that
its balances end on the stock level.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

SOON_EXPIRING_SHARE = 0.12
EXPIRED_SHARE = 0.04
KIND_ORDER = {"count": 0, "receipt": 1, "transfer_in": 2, "issue": 3, "transfer_out": 4, "loss": 5}


def build_lots(stock: pd.DataFrame, as_of: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """Lots of each position with stock (``position``, ``quantity`` columns): one to three lots,
    the earliest sometimes expiring soon or already expired. Lot quantities sum to the stock."""
    held = stock[stock["quantity"] > 0]
    lot_count = rng.integers(1, 4, len(held))
    lots = held.loc[held.index.repeat(lot_count), ["position", "quantity"]].reset_index(drop=True)
    lots["rank"] = lots.groupby("position").cumcount()
    weight = rng.uniform(0.2, 1.0, len(lots))
    share = weight / pd.Series(weight).groupby(lots["position"]).transform("sum").to_numpy()
    quantity = np.floor(lots["quantity"].to_numpy() * share).astype(np.int64)
    shortfall = lots["quantity"].to_numpy() - pd.Series(quantity).groupby(lots["position"]).transform("sum").to_numpy()
    lots["quantity"] = quantity + np.where(lots["rank"].to_numpy() == 0, shortfall, 0)

    days_ahead = rng.integers(200, 1000, len(lots))
    # Exact counts (at least one each) rather than coin flips, so that a small demo has both kinds.
    first = np.flatnonzero(lots["rank"].to_numpy() == 0)
    picked = rng.permutation(first)
    expired_count = min(max(1, round(EXPIRED_SHARE * len(first))), len(first))
    soon_count = min(max(1, round(SOON_EXPIRING_SHARE * len(first))), len(first) - expired_count)
    expired, soon = picked[:expired_count], picked[expired_count : expired_count + soon_count]
    days_ahead[soon] = rng.integers(10, 180, len(soon))
    days_ahead[expired] = -rng.integers(1, 120, len(expired))
    expiry = pd.Timestamp(as_of) + pd.to_timedelta(days_ahead, unit="D")
    lots["expiry_date"] = expiry.date
    serial = rng.integers(1000, 9999, len(lots)).astype(str)
    lots["lot_number"] = "L" + expiry.strftime("%y%m") + "-" + serial + "-" + (lots["rank"] + 1).astype(str)
    return lots[lots["quantity"] > 0].reset_index(drop=True)


def expired_history(
    monthly: pd.DataFrame, lots: pd.DataFrame, month_starts: list[dt.date], days: np.ndarray, as_of: dt.date
) -> pd.DataFrame:
    """The reported months whose figures change once the lots expired by ``as_of`` are left out of
    the usable stock, as the ledger's monthly summaries leave them (``stock.services.ledger``): from
    the month a lot expires on, the closing is the stock less the lot (never below 0), and a month
    that closes with nothing usable is stocked out at least from the expiry day. ``monthly`` rows
    carry ``position``, ``month`` (index), ``closing``, ``stockout_days``, ``reported``; ``lots``
    ``position``, ``quantity``, ``expiry_date``. Returns those rows with the new ``closing`` and
    ``stockout_days``."""
    expired = (
        lots[lots["expiry_date"] <= as_of]
        .groupby("position")
        .agg(units=("quantity", "sum"), expiry=("expiry_date", "min"))
    )
    rows = monthly[monthly["reported"] & monthly["position"].isin(expired.index)].copy()
    if rows.empty:
        return rows
    starts = np.array([pd.Timestamp(start) for start in month_starts])
    month_first = starts[rows["month"].to_numpy()]
    month_days = days[rows["month"].to_numpy()]
    expiry = pd.to_datetime(rows["position"].map(expired["expiry"])).to_numpy()
    day_of_expiry = (expiry - month_first.astype("datetime64[ns]")).astype("timedelta64[D]").astype(np.int64)
    after = day_of_expiry < month_days  # the month ends after the lot expired
    rows = rows[after].copy()
    day_of_expiry = np.maximum(day_of_expiry[after], 0)
    usable = np.maximum(rows["closing"].to_numpy() - rows["position"].map(expired["units"]).to_numpy(), 0)
    out_days = np.where(usable == 0, month_days[after] - day_of_expiry, 0)
    rows["stockout_days"] = np.maximum(rows["stockout_days"].to_numpy(), out_days)
    rows["closing"] = usable
    return rows


def date_transfers(
    transfers: pd.DataFrame, month_starts: list[dt.date], days: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Shipping day late in the month; reception on the first day of the next month, none yet
    for the transfers shipped in the last month (in transit)."""
    transfers = transfers.copy()
    month = transfers["month"].to_numpy(dtype=np.int64)
    shipped_day = np.minimum(rng.integers(18, 27, len(transfers)), days[month])
    transfers["shipped_on"] = [
        month_starts[m] + dt.timedelta(days=int(d) - 1) for m, d in zip(month, shipped_day, strict=True)
    ]
    transfers["received_on"] = [
        None if in_transit else month_starts[m + 1]
        for m, in_transit in zip(month, transfers["in_transit"], strict=True)
    ]
    return transfers


def build_ledger(
    last_month: pd.DataFrame, transfers: pd.DataFrame, month_start: dt.date, days: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Day-by-day movements of the last month of the given positions (``last_month`` rows carry
    ``position``, ``opening``, ``received``, ``transfer_in``, ``issued``, ``losses``,
    ``stockout_days``). ``transfers`` holds the dated transfers with their ``transfer`` index.
    Inflows come first on day one, so the running balance never goes below the closing stock."""
    positions = set(last_month["position"])
    frames = []
    start = pd.Timestamp(month_start)
    opening = last_month[last_month["opening"] > 0]
    frames.append(
        pd.DataFrame({"position": opening["position"], "kind": "count", "quantity": opening["opening"], "day": 1})
    )
    supplier = last_month["received"] - last_month["transfer_in"]
    receipts = last_month[supplier > 0]
    frames.append(
        pd.DataFrame(
            {"position": receipts["position"], "kind": "receipt", "quantity": supplier[supplier > 0], "day": 1}
        )
    )
    arrived = transfers[transfers["received_on"].eq(month_start) & transfers["destination"].isin(positions)]
    frames.append(
        pd.DataFrame(
            {
                "position": arrived["destination"],
                "kind": "transfer_in",
                "quantity": arrived["quantity"],
                "day": 1,
                "transfer": arrived["transfer"],
            }
        )
    )
    shipped = transfers[transfers["in_transit"] & transfers["source"].isin(positions)]
    frames.append(
        pd.DataFrame(
            {
                "position": shipped["source"],
                "kind": "transfer_out",
                "quantity": -shipped["quantity"],
                "day": [d.day for d in shipped["shipped_on"]],
                "transfer": shipped["transfer"],
            }
        )
    )
    lost = last_month[last_month["losses"] > 0]
    frames.append(
        pd.DataFrame({"position": lost["position"], "kind": "loss", "quantity": -lost["losses"], "day": days})
    )
    issue_rows = []
    for position, issued, stockout in last_month[["position", "issued", "stockout_days"]].itertuples(index=False):
        if issued <= 0:
            continue
        open_days = max(days - int(stockout), 1)
        per_day = rng.multinomial(int(issued), np.full(open_days, 1.0 / open_days))
        day_numbers = np.flatnonzero(per_day) + 1
        issue_rows.append(
            pd.DataFrame(
                {"position": position, "kind": "issue", "quantity": -per_day[day_numbers - 1], "day": day_numbers}
            )
        )
    frames.extend(issue_rows)
    ledger = pd.concat([frame for frame in frames if len(frame)], ignore_index=True)
    if ledger.empty:
        return ledger
    ledger["order"] = ledger["kind"].map(KIND_ORDER)
    ledger = ledger.sort_values(["position", "day", "order"], kind="stable").reset_index(drop=True)
    ledger["quantity"] = ledger["quantity"].astype(np.int64)
    ledger["balance_after"] = ledger.groupby("position")["quantity"].cumsum()
    ledger["business_date"] = (start + pd.to_timedelta(ledger["day"] - 1, unit="D")).dt.date
    if "transfer" not in ledger:
        ledger["transfer"] = np.nan
    return ledger.drop(columns=["order", "day"])
