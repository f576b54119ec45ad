"""The industry side: fictitious companies, who holds which product, and their monthly supply
declarations (arrêté 263-02: stock at the end of the month, declared before the 5th).

Pure numpy/pandas. Company names are invented and marked "(démo)": no real company's figures are
made up. A company's market share of a medicine follows the products it holds; its declared sales
follow the national demand of the simulation; about one company in five keeps less than the three
months of safety stock it owes. Before and during a national shortage the main supplier declares a
disruption with a coded cause and its expected dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tooling.demo.options import days_in, month_add
from tooling.demo.simulation import ShortageWindow

PLACE_NAMES = (
    "Atlas", "Zellige", "Argane", "Cèdre", "Menara", "Oudaya", "Majorelle", "Anfa", "Bouregreg", "Saïss",
    "Toubkal", "Moulouya", "Sebou", "Ifrane", "Tafilalt", "Souss", "Draa", "Loukkos", "Chaouia", "Doukkala",
    "Tadla", "Gharb", "Haouz", "Rif", "Kasbah", "Palmeraie", "Oasis", "Médina", "Atlantique", "Sahara",
)  # fmt: skip
KIND_NAMES = {
    "generic": "{} Génériques (démo)",
    "local": "Laboratoires {} Pharma (démo)",
    "multinational": "{} Healthcare Maroc (démo)",
}
#: Which associations each kind of company joins (acronyms of the registry).
KIND_BODIES = {"generic": ("AMMG", "FMIIP"), "local": ("FMIIP",), "multinational": ("LEMM",)}
API_COUNTRIES = ("Inde", "Chine", "France", "Italie", "Espagne", "Allemagne", "Maroc")
API_COUNTRY_WEIGHTS = (0.38, 0.27, 0.1, 0.08, 0.06, 0.05, 0.06)
REJECTION_COMMENT = "Stock déclaré incohérent avec les ventes du mois : merci de corriger."
BELOW_DUTY_SHARE = 0.2
#: The simulated establishments are a sample of the public sector, which itself is part of the market.
MARKET_SCALE = 2.5


@dataclass
class IndustryPlan:
    """``companies`` (``key``, ``name``, ``kind``, ``is_local``, ``below_duty``); ``products``
    (``product_id``, ``company``, ``origin``); ``declarations``; ``lines`` (``declaration`` row
    index, ``expected_on``, ``quantity``, ``kind``)."""

    companies: pd.DataFrame
    products: pd.DataFrame
    declarations: pd.DataFrame
    lines: pd.DataFrame


def plan_companies(medicine_count: int, rng: np.random.Generator) -> pd.DataFrame:
    """About one company per six medicines (6 to 30), half generic makers, a fifth other local
    manufacturers, the rest subsidiaries of foreign groups."""
    count = int(np.clip(medicine_count // 6, 6, len(PLACE_NAMES)))
    names = rng.permutation(PLACE_NAMES)[:count]
    kinds = np.array(["generic"] * count, dtype=object)
    kinds[count // 2 :] = "multinational"
    kinds[count // 2 : count // 2 + max(count // 5, 1)] = "local"
    return pd.DataFrame(
        {
            "key": np.arange(count),
            "name": [KIND_NAMES[kind].format(name) for kind, name in zip(kinds, names, strict=True)],
            "kind": kinds,
            "is_local": kinds != "multinational",
            "below_duty": rng.random(count) < BELOW_DUTY_SHARE,
        }
    )


def assign_products(products: pd.DataFrame, companies: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Holder of each product: originators mostly to foreign groups' subsidiaries, generics mostly
    to local makers. Origin: local when a local company holds it (nine in ten), else mostly imported."""
    foreign = companies.loc[~companies["is_local"], "key"].to_numpy()
    local = companies.loc[companies["is_local"], "key"].to_numpy()
    everyone = companies["key"].to_numpy()
    originator = products["is_originator"].to_numpy(dtype=bool)
    preferred = rng.random(len(products)) < np.where(originator, 0.8, 0.85)
    pick_foreign = np.where(originator, preferred, ~preferred) & (len(foreign) > 0)
    pick_local = ~pick_foreign & (len(local) > 0)
    company = rng.choice(everyone, len(products))
    if len(foreign):
        company = np.where(pick_foreign, rng.choice(foreign, len(products)), company)
    if len(local):
        company = np.where(pick_local, rng.choice(local, len(products)), company)
    is_local = companies.set_index("key").loc[company, "is_local"].to_numpy(dtype=bool)
    made_here = rng.random(len(products)) < np.where(is_local, 0.9, 0.3)
    return pd.DataFrame(
        {
            "product_id": products["id"].to_numpy(),
            "medicine_id": products["medicine_id"].to_numpy(),
            "company": company,
            "origin": np.where(made_here, "local", "imported"),
        }
    )


def plan_declarations(
    assignments: pd.DataFrame,
    companies: pd.DataFrame,
    demand: pd.DataFrame,
    month_starts: list[dt.date],
    windows: list[ShortageWindow],
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One declaration per company, medicine and month (``demand``: ``medicine_id``, ``month``
    index, ``demand`` of the simulated establishments), with versions, statuses and supply lines."""
    pairs = (
        assignments.groupby(["company", "medicine_id"])
        .agg(products=("product_id", "size"), local_share=("origin", lambda o: (o == "local").mean()))
        .reset_index()
    )
    pairs["weight"] = pairs["products"] * rng.lognormal(0.0, 0.6, len(pairs))
    pairs["share"] = pairs["weight"] / pairs.groupby("medicine_id")["weight"].transform("sum")
    below = companies.set_index("key").loc[pairs["company"], "below_duty"].to_numpy(dtype=bool)
    pairs["cover"] = np.where(below, rng.uniform(1.4, 2.8, len(pairs)), rng.uniform(3.1, 5.0, len(pairs)))
    pairs["api_country"] = rng.choice(API_COUNTRIES, len(pairs), p=API_COUNTRY_WEIGHTS)
    pairs["main"] = pairs["share"].eq(pairs.groupby("medicine_id")["share"].transform("max"))
    n_months = len(month_starts)

    rows = pairs.loc[pairs.index.repeat(n_months)].reset_index(drop=True)
    rows["month"] = np.tile(np.arange(n_months), len(pairs))
    rows = rows.merge(demand, on=["medicine_id", "month"], how="left").fillna({"demand": 0})
    noise = rng.lognormal(0.0, 0.08, len(rows))
    rows["monthly_sales"] = np.round(rows["share"] * rows["demand"] * MARKET_SCALE * noise).astype(np.int64)
    cover = rows["cover"] + rng.normal(0.0, 0.25, len(rows))
    rows["disruption"] = False
    rows["cause"] = ""
    rows["disruption_start"] = None
    rows["disruption_end"] = None
    for window in windows:
        hit = rows["medicine_id"].eq(window.medicine_id) & rows["month"].between(window.start - 1, window.end)
        declaring = hit & (rows["main"] | (rng.random(len(rows)) < 0.4))
        cover = np.where(declaring, rng.uniform(0.0, 0.6, len(rows)), np.where(hit, np.minimum(cover, 1.2), cover))
        rows.loc[declaring, "disruption"] = True
        rows.loc[declaring, "cause"] = window.cause
        first = month_add(month_starts[0], window.start - 1)
        last = month_add(month_starts[0], window.end + 1)
        rows.loc[declaring, "disruption_start"] = first + dt.timedelta(days=int(rng.integers(5, 20)))
        rows.loc[declaring, "disruption_end"] = last + dt.timedelta(days=int(rng.integers(0, 20)))
    rows["stock_on_hand"] = np.round(np.maximum(cover, 0) * rows["monthly_sales"]).astype(np.int64)
    rows["month_start"] = [month_starts[m] for m in rows["month"]]

    # Some months are never declared; the last month is still under review.
    rows = rows[(rng.random(len(rows)) > 0.02) | rows["disruption"]].reset_index(drop=True)
    last = rows["month"].eq(n_months - 1)
    draw = rng.random(len(rows))
    rows["status"] = np.where(last & (draw < 0.3), "submitted", "accepted")
    rows.loc[last & (draw > 0.95), "status"] = "draft"
    rows.loc[~last & (draw < 0.01), "status"] = "rejected"
    rows["version"] = 1
    rows["is_current"] = True
    rows["review_comment"] = np.where(rows["status"].eq("rejected"), REJECTION_COMMENT, "")
    corrected = rows[~last & (draw > 0.97)]
    first_versions = corrected.assign(
        version=1,
        is_current=False,
        status="rejected",
        review_comment=REJECTION_COMMENT,
        stock_on_hand=corrected["stock_on_hand"] * 10 + 1,
    )
    rows.loc[corrected.index, "version"] = 2
    declarations = pd.concat([rows, first_versions], ignore_index=True)
    declarations = declarations.sort_values(["company", "medicine_id", "month", "version"], kind="stable")
    declarations = declarations.reset_index(drop=True)
    return declarations, _supply_lines(declarations, rng)


def _supply_lines(declarations: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Zero to two expected deliveries per declaration, after the end of its month; later and
    smaller when the company declares a disruption."""
    count = rng.choice([0, 1, 1, 2], len(declarations))
    count = np.where(declarations["monthly_sales"].to_numpy() > 0, count, 0)
    lines = declarations.loc[declarations.index.repeat(count)]
    disrupted = lines["disruption"].to_numpy(dtype=bool)
    delay = np.where(disrupted, rng.integers(45, 120, len(lines)), rng.integers(5, 75, len(lines)))
    month_end = [m + dt.timedelta(days=days_in(m) - 1) for m in lines["month_start"]]
    quantity = np.maximum(
        np.round(lines["monthly_sales"].to_numpy() * np.where(disrupted, 0.4, 1.0) * rng.uniform(0.5, 1.5, len(lines))),
        1,
    )
    return pd.DataFrame(
        {
            "declaration": lines.index.to_numpy(),
            "expected_on": [end + dt.timedelta(days=int(d)) for end, d in zip(month_end, delay, strict=True)],
            "quantity": quantity.astype(np.int64),
            "kind": np.where(lines["local_share"].to_numpy() >= 0.5, "production", "import"),
        }
    )
