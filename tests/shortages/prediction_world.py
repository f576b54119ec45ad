"""A small synthetic LMIS history in the lmis-civ format, with stockouts that follow from stock,
demand and national supply breaks, for the prediction's tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = [
    "year",
    "month",
    "region",
    "district",
    "site_code",
    "product_code",
    "stock_initial",
    "stock_received",
    "stock_distributed",
    "stock_adjustment",
    "stock_end",
    "average_monthly_consumption",
    "stock_stockout_days",
    "stock_ordered",
]


def synthetic_history(*, sites: int = 8, products: int = 3, months: int = 30, seed: int = 1) -> pd.DataFrame:
    """Monthly reports from January 2016: each site orders up to three months of its demand, and a
    product's deliveries stop for a few months now and then (a national supply break)."""
    rng = np.random.default_rng(seed)
    breaks = rng.random((products, months)) < 0.12
    rows = []
    for site in range(sites):
        district = f"DISTRICT {site % 3}"
        for product in range(products):
            rate = float(rng.uniform(3, 40))
            stock = int(rate * 2)
            ordered = 0
            for step in range(months):
                year, month = 2016 + step // 12, step % 12 + 1
                received = 0 if breaks[product, step] else int(ordered * rng.uniform(0.6, 1.1))
                opening = stock
                demand = int(rng.poisson(rate))
                issued = min(opening + received, demand)
                stock = opening + received - issued
                ordered = max(0, int(3 * rate) - stock)
                stockout_days = int(rng.integers(3, 20)) if issued < demand and rng.random() < 0.3 else 0
                rows.append(
                    [year, month, "REGION", district, f"S{site:03d}", f"P{product:02d}", opening, received, issued, 0]
                    + [stock, int(rate), stockout_days, ordered]
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def as_grid(frame: pd.DataFrame) -> pd.DataFrame:
    """The history as the scoring's complete monthly grid (the columns ``history_grid`` reads)."""
    from shortages.scoring.stockouts import complete_months

    history = pd.DataFrame(
        {
            "establishment_id": frame["site_code"],
            "medicine_id": frame["product_code"],
            "month": pd.to_datetime({"year": frame["year"], "month": frame["month"], "day": 1}),
            "opening": frame["stock_initial"].astype("float64"),
            "issued": frame["stock_distributed"].astype("float64"),
            "received": frame["stock_received"].astype("float64"),
            "stockout_days": frame["stock_stockout_days"].astype("float64"),
            "closing_balance": frame["stock_end"].astype("float64"),
            "ordered": frame["stock_ordered"].astype("float64"),
            "reported": True,
        }
    )
    grid = complete_months(history)
    places = frame.drop_duplicates("site_code").set_index("site_code")["district"]
    grid["province_id"] = grid["establishment_id"].map(places)
    grid["level"] = "primary"
    return grid
