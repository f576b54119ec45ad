"""The local-sourcing indicator: the share of receipts, in quantity and in value, of products made
in Morocco, by period and by therapeutic section.

Receipts are ``StockMovement`` rows of kind ``receipt``; they name a medicine, not a product, so
each received unit is split evenly across the medicine's products (its marketed ones; all of them
when none is marketed) and takes each product's origin and unit price (hospital price, else public
price, in MAD). So a medicine with one local and one imported product counts half local, half
imported. Origins are reported as three shares that add up to 1: ``local``, ``imported`` and
``unknown`` (product origin not recorded, or a medicine without products); unknown is never folded
into either side. Value shares are computed over the priced part only; ``unpriced_quantity`` says how
many units had no price. Two queries, whatever the number of movements (the sum runs in SQL).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.db.models import Sum
from django.db.models.functions import Coalesce, TruncMonth

from stock.choices import MovementKind, ProductOrigin, ProductStatus
from stock.models import Product, StockMovement

ORIGINS = (ProductOrigin.LOCAL.value, ProductOrigin.IMPORTED.value, ProductOrigin.UNKNOWN.value)
RESULT_COLUMNS = [
    "quantity",
    *(f"quantity_{origin}" for origin in ORIGINS),
    "value",
    *(f"value_{origin}" for origin in ORIGINS),
    "unpriced_quantity",
    *(f"share_quantity_{origin}" for origin in ORIGINS),
    *(f"share_value_{origin}" for origin in ORIGINS),
]


def _product_weights() -> pd.DataFrame:
    """Per (medicine, origin): ``weight`` (share of the medicine's products), ``unit_value`` (MAD per
    received unit) and ``priced_weight`` (share of its products that have a price)."""
    products = pd.DataFrame.from_records(
        Product.objects.annotate(price=Coalesce("hospital_price", "public_price")).values(
            "medicine_id", "origin", "status", "price"
        ),
        columns=["medicine_id", "origin", "status", "price"],
    )
    if products.empty:
        return pd.DataFrame(columns=["medicine_id", "origin", "weight", "unit_value", "priced_weight"])
    marketed = products.status == ProductStatus.MARKETED
    has_marketed = marketed.groupby(products.medicine_id).transform("any")
    products = products[marketed | ~has_marketed].copy()
    products["price"] = pd.to_numeric(products.price, errors="coerce").astype(float)
    products["count"] = products.groupby("medicine_id").medicine_id.transform("size")
    products["weight"] = 1.0 / products["count"]
    products["unit_value"] = products.price.fillna(0.0) * products.weight
    products["priced_weight"] = products.price.notna() * products.weight
    products["origin"] = products.origin.where(products.origin.isin(ORIGINS), ProductOrigin.UNKNOWN)
    return products.groupby(["medicine_id", "origin"], as_index=False)[["weight", "unit_value", "priced_weight"]].sum()


def local_sourcing(*, start: dt.date, end: dt.date, by: tuple[str, ...] = ("period",)) -> pd.DataFrame:
    """Receipts between ``start`` and ``end`` (inclusive) split by origin, grouped by ``by`` (any of
    ``period`` (first day of the month, or of the year with ``year``), ``year``, ``section``).
    Columns: :data:`RESULT_COLUMNS` (quantities in units, values in MAD, shares in [0, 1] or NaN
    when there is nothing to share)."""
    receipts = pd.DataFrame.from_records(
        StockMovement.objects.filter(kind=MovementKind.RECEIPT, business_date__gte=start, business_date__lte=end)
        .annotate(period=TruncMonth("business_date"))
        .values("medicine_id", "period", "medicine__therapeutic_section")
        .annotate(quantity=Sum("quantity"))
        .order_by(),
        columns=["medicine_id", "period", "medicine__therapeutic_section", "quantity"],
    ).rename(columns={"medicine__therapeutic_section": "section"})
    keys = [key for key in by if key in ("period", "year", "section")] or ["period"]
    if receipts.empty:
        return pd.DataFrame(columns=[*keys, *RESULT_COLUMNS])
    receipts["period"] = pd.to_datetime(receipts.period).dt.date
    receipts["year"] = pd.to_datetime(receipts.period).dt.year
    receipts["quantity"] = receipts.quantity.astype(float)
    merged = receipts.merge(_product_weights(), on="medicine_id", how="left")
    no_products = merged.weight.isna()
    merged.loc[no_products, ["origin", "weight", "unit_value", "priced_weight"]] = [
        ProductOrigin.UNKNOWN,
        1.0,
        0.0,
        0.0,
    ]
    merged["q"] = merged.quantity * merged.weight
    merged["v"] = merged.quantity * merged.unit_value
    merged["unpriced"] = merged.quantity * (merged.weight - merged.priced_weight)
    pivot_q = merged.pivot_table(index=keys, columns="origin", values="q", aggfunc="sum", fill_value=0.0)
    pivot_v = merged.pivot_table(index=keys, columns="origin", values="v", aggfunc="sum", fill_value=0.0)
    result = pd.DataFrame(index=pivot_q.index)
    for origin in ORIGINS:
        result[f"quantity_{origin}"] = pivot_q.get(origin, 0.0)
        result[f"value_{origin}"] = pivot_v.get(origin, 0.0)
    result["quantity"] = result[[f"quantity_{o}" for o in ORIGINS]].sum(axis=1)
    result["value"] = result[[f"value_{o}" for o in ORIGINS]].sum(axis=1)
    result["unpriced_quantity"] = merged.groupby(keys).unpriced.sum()
    for origin in ORIGINS:
        result[f"share_quantity_{origin}"] = result[f"quantity_{origin}"] / result.quantity.where(result.quantity > 0)
        result[f"share_value_{origin}"] = result[f"value_{origin}"] / result.value.where(result.value > 0)
    return result.reset_index()[[*keys, *RESULT_COLUMNS]]
