"""Figures of each medicine nationally: public stock, industry side, structural vulnerability, score.

Input frames:
- ``sums``: the positions (the output of :func:`shortages.scoring.positions.score_positions`, or
  the same columns read back from stored scores) summed per medicine, region and horizon by
  :func:`shortages.scoring.sums.position_sums`;
- ``medicines``: ``medicine_id``, ``ven_class``, ``lead_time_months``, ``review_period_months``;
- ``industry``: latest accepted current declaration per company and medicine: ``medicine_id``,
  ``company_id``, ``stock_on_hand``, ``monthly_sales``, ``disruption``, ``api_origin_country``;
- ``deliveries``: ``medicine_id``, ``company_id``, ``expected_on``, ``quantity`` (declared supply);
- ``suppliers``: ``medicine_id``, ``company_id``, ``product_id``, ``origin`` (local / imported / unknown);
- ``episodes``: ``medicine_id``, ``started_on`` (shortages in the register).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shortages.scoring.params import ScoringParams
from shortages.scoring.positions import criticality, risk_level, weighted_score
from shortages.scoring.sums import public_side_of_sums


def herfindahl(frame: pd.DataFrame, *, by: str, share_of: str) -> pd.Series:
    """Herfindahl-Hirschman index per ``by`` of the shares of ``share_of`` (0-1; 1 = one source).

    Rule: HHI = sum(s_i^2) with s_i = x_i / sum(x); groups whose total is 0 get NaN.
    """
    values = frame[share_of].astype("float64")
    totals = values.groupby(frame[by]).transform("sum")
    shares = values / totals.where(totals > 0)
    return (shares**2).groupby(frame[by]).sum(min_count=1)


def industry_side(industry: pd.DataFrame, params: ScoringParams) -> pd.DataFrame:
    """Per medicine from the declarations: ``declared_companies``, ``industry_stock`` and
    ``industry_sales`` (units, units/month), ``industry_mos`` (months), the safety-stock duty
    (``safety_stock_required`` = 3 x sales, ``companies_in_breach`` = companies whose stock is below
    3 x their sales, ``safety_stock_gap`` in units), ``disrupted_companies`` and
    ``disrupted_sales_share`` (share of declared sales under a disruption; share of companies when
    no sales are declared), ``sales_hhi`` and ``industry_top_share`` (the largest company's share of
    the declared sales, or of the declared stock when it is larger: the disclosure rule's input)."""
    frame = industry.assign(
        stock=industry["stock_on_hand"].astype("float64"),
        sales=industry["monthly_sales"].astype("float64"),
        disrupted=industry["disruption"].astype(bool),
    )
    frame["required"] = params.safety_stock_months * frame["sales"]
    frame["breach"] = frame["stock"] < frame["required"]
    frame["gap"] = (frame["required"] - frame["stock"]).clip(lower=0.0)
    frame["disrupted_sales"] = frame["sales"].where(frame["disrupted"], 0.0)
    grouped = frame.groupby("medicine_id")
    result = pd.DataFrame(
        {
            "declared_companies": grouped["company_id"].nunique(),
            "industry_stock": grouped["stock"].sum(),
            "industry_sales": grouped["sales"].sum(),
            "safety_stock_required": grouped["required"].sum(),
            "safety_stock_gap": grouped["gap"].sum(),
            "companies_in_breach": grouped["breach"].sum(),
            "disrupted_companies": grouped["disrupted"].sum(),
        }
    )
    sales = result["industry_sales"]
    with np.errstate(divide="ignore", invalid="ignore"):
        result["industry_mos"] = result["industry_stock"] / sales.where(sales > 0)
    result["disrupted_sales_share"] = (grouped["disrupted_sales"].sum() / sales.where(sales > 0)).fillna(
        result["disrupted_companies"] / result["declared_companies"]
    )
    result["sales_hhi"] = herfindahl(frame, by="medicine_id", share_of="sales")
    by_company = frame.groupby(["medicine_id", "company_id"])[["sales", "stock"]].sum()
    largest = by_company.groupby(level="medicine_id").max()
    totals = by_company.groupby(level="medicine_id").sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = largest / totals.where(totals > 0)
    result["industry_top_share"] = shares.max(axis=1, skipna=True)
    return result


def structural_side(
    industry: pd.DataFrame, suppliers: pd.DataFrame, episodes: pd.DataFrame, params: ScoringParams
) -> pd.DataFrame:
    """Per medicine: ``supplier_count``, ``supplier_hhi`` (HHI of declared sales shares, else 1 / the
    number of suppliers), ``import_share`` (imported products among those of known origin),
    ``api_origin_hhi`` (HHI of declared sales by active-ingredient origin country) and
    ``episodes`` (shortages started within ``history_months`` before the day)."""
    supplier_count = suppliers.groupby("medicine_id")["company_id"].nunique().rename("supplier_count")
    result = pd.DataFrame(supplier_count)
    sales_hhi = herfindahl(industry.assign(sales=industry["monthly_sales"]), by="medicine_id", share_of="sales")
    result = result.join(sales_hhi.rename("sales_hhi"), how="outer")
    declared = industry.groupby("medicine_id")["company_id"].nunique()
    count = result["supplier_count"].fillna(0).combine(declared.reindex(result.index).fillna(0), max)
    result["supplier_hhi"] = result["sales_hhi"].fillna(1.0 / count.where(count > 0))
    known = suppliers.loc[suppliers["origin"].isin(["local", "imported"])].drop_duplicates(
        ["medicine_id", "product_id"]
    )
    imported = known["origin"].eq("imported").groupby(known["medicine_id"]).mean().rename("import_share")
    result = result.join(imported, how="outer")
    origins = industry.loc[industry["api_origin_country"].fillna("").astype(str).str.strip() != ""].copy()
    origins["weight"] = origins["monthly_sales"].astype("float64").where(origins["monthly_sales"] > 0, 1.0)
    by_country = origins.groupby(["medicine_id", "api_origin_country"], as_index=False)["weight"].sum()
    result = result.join(
        herfindahl(by_country, by="medicine_id", share_of="weight").rename("api_origin_hhi"), how="outer"
    )
    start = pd.Timestamp(params.as_of) - pd.DateOffset(months=params.history_months)
    started = pd.to_datetime(episodes["started_on"])
    recent = episodes.loc[(started > start) & (started <= pd.Timestamp(params.as_of))]
    result = result.join(recent.groupby("medicine_id").size().rename("episodes"), how="outer")
    result["episodes"] = result["episodes"].fillna(0).astype("int64")
    return result.drop(columns=["sales_hhi"])


def score_medicines(
    sums: pd.DataFrame,
    medicines: pd.DataFrame,
    industry: pd.DataFrame,
    deliveries: pd.DataFrame,
    suppliers: pd.DataFrame,
    episodes: pd.DataFrame,
    params: ScoringParams,
) -> pd.DataFrame:
    """Every national figure and the 0-100 national score with ``contrib_<factor>`` points, one row
    per medicine that has positions or declarations, from the positions' ``sums``
    (:func:`shortages.scoring.sums.position_sums`). See docs/scoring.md for each factor's rule."""
    public = public_side_of_sums(sums)
    ind = industry_side(industry, params)
    structural = structural_side(industry, suppliers, episodes, params)
    index = public.index.union(ind.index)
    frame = pd.DataFrame(index=pd.Index(index, name="medicine_id"))
    frame = frame.join(public).join(ind).join(structural)
    frame = frame.join(medicines.set_index("medicine_id")[["ven_class"]])
    frame["positions"] = frame["positions"].fillna(0).astype("int64")
    for column in ("public_stock", "public_in_transit", "episodes"):
        frame[column] = frame[column].fillna(0)
    default_horizon = params.stock_levels["hospital"]["lead_time"] + params.stock_levels["hospital"]["review"]
    frame["horizon_months"] = frame["horizon_months"].fillna(default_horizon)

    due = deliveries.assign(expected_on=pd.to_datetime(deliveries["expected_on"]))
    due = due.merge(frame["horizon_months"].reset_index(), on="medicine_id", how="inner")
    as_of = pd.Timestamp(params.as_of)
    end = as_of + pd.to_timedelta(due["horizon_months"] * 30.4375, unit="D")
    in_horizon = (due["expected_on"] > as_of) & (due["expected_on"] <= end)
    frame["deliveries_due"] = due.loc[in_horizon].groupby("medicine_id")["quantity"].sum().reindex(frame.index)
    frame["deliveries_due"] = frame["deliveries_due"].fillna(0.0).astype("float64")
    frame["pipeline"] = frame["public_in_transit"] + frame["deliveries_due"]
    frame["stockout_probability"] = frame["public_probability"]
    frame["safety_stock_met"] = (frame["companies_in_breach"] == 0).where(frame["declared_companies"].notna())

    has_declarations = frame["declared_companies"].notna()
    stock_cover = (1.0 - frame["national_mos"] / params.national_cover_target_months).clip(0.0, 1.0)
    stock_cover = stock_cover.where(~(frame["public_amc"] == 0), 0.0)
    industry_cover = (1.0 - frame["industry_mos"] / params.safety_stock_months).clip(0.0, 1.0)
    industry_cover = industry_cover.where(~(has_declarations & (frame["industry_sales"] == 0)), 0.0)
    factors = pd.DataFrame(
        {
            "stock_cover": stock_cover,
            "stockout_spread": frame["share_at_risk"],
            "industry_cover": industry_cover.where(has_declarations),
            "disruption": frame["disrupted_sales_share"].where(has_declarations),
            "concentration": frame[["supplier_hhi", "api_origin_hhi"]].mean(axis=1, skipna=True),
            "import_dependency": frame["import_share"],
            "history": (frame["episodes"] / params.history_saturation).clip(upper=1.0),
            "criticality": criticality(frame["ven_class"]),
        },
        index=frame.index,
    )
    score, contributions = weighted_score(factors, params.national_weights)
    frame["insufficient_data"] = factors["stock_cover"].isna() & factors["industry_cover"].isna()
    score = score.where(~frame["insufficient_data"])
    frame["score"] = score.round(2)
    frame["risk_level"] = risk_level(frame["score"], params.thresholds)
    for name in contributions.columns:
        frame[f"factor_{name}"] = factors[name]
        frame[f"contrib_{name}"] = contributions[name].where(score.notna()).round(2)
    return frame.reset_index()
