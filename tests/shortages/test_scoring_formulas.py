"""Each scoring figure against a hand-computed example, plus properties checked with hypothesis."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shortages import scoring
from shortages.scoring import ScoringParams
from shortages.scoring.sums import position_sums

AS_OF = dt.date(2026, 6, 30)
PARAMS = ScoringParams(as_of=AS_OF)


def consumption_rows(months: list[tuple[str, int, int]], *, establishment=1, medicine=1, reported=True) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "establishment_id": establishment,
                "medicine_id": medicine,
                "month": pd.Timestamp(month),
                "issued": issued,
                "stockout_days": stockout,
                "reported": reported,
            }
            for month, issued, stockout in months
        ]
    )


def one_position(stock: float, *, level="hospital", in_transit=0.0, establishment=1, medicine=1) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "establishment_id": establishment,
                "medicine_id": medicine,
                "region_id": 1,
                "level": level,
                "stock": stock,
                "in_transit": in_transit,
            }
        ]
    )


NO_LOTS = pd.DataFrame(columns=["establishment_id", "medicine_id", "expiry_date", "quantity"])
MEDICINES = pd.DataFrame(
    [{"medicine_id": 1, "ven_class": "V", "lead_time_months": np.nan, "review_period_months": np.nan}]
)


def test_the_window_ends_with_the_last_complete_month():
    # given a day in the middle of June, and the last day of June
    # then June is left out mid-month and included on its last day
    assert scoring.window_months(dt.date(2026, 6, 15), 2) == [pd.Timestamp("2026-04-01"), pd.Timestamp("2026-05-01")]
    assert scoring.window_months(AS_OF, 2) == [pd.Timestamp("2026-05-01"), pd.Timestamp("2026-06-01")]


def test_adjusted_consumption_scales_up_for_stockout_days_and_drops_unusable_months():
    # given February 2026 (28 days) with 7 stockout days, a January stocked out all month, and an
    # unreported March
    rows = pd.concat(
        [
            consumption_rows([("2026-02-01", 100, 7), ("2026-01-01", 50, 31)]),
            consumption_rows([("2026-03-01", 80, 0)], reported=False),
        ]
    )
    # when
    adjusted = scoring.adjusted_consumption(rows, as_of=AS_OF, months=6).set_index("month")
    # then C_adj = 100 x 28 / 21 = 133.33; the other two months are left out
    assert adjusted.loc["2026-02-01", "adjusted"] == pytest.approx(133.3333, abs=1e-4)
    assert not adjusted.loc["2026-01-01", "used"] and math.isnan(adjusted.loc["2026-01-01", "adjusted"])
    assert not adjusted.loc["2026-03-01", "used"]


def test_amc_and_sigma_from_three_months_use_the_sample_deviation():
    # given adjusted consumptions 120, 90 and 150
    rows = consumption_rows([("2026-04-01", 120, 0), ("2026-05-01", 90, 0), ("2026-06-01", 150, 0)])
    # when
    stats = scoring.consumption_stats(scoring.adjusted_consumption(rows, as_of=AS_OF, months=6)).iloc[0]
    # then AMC = 120 and sigma = sqrt((0 + 900 + 900) / 2) = 30
    assert stats["amc"] == pytest.approx(120.0)
    assert stats["sigma"] == pytest.approx(30.0)
    assert stats["sigma_rule"] == "sample"


def test_amc_from_two_months_falls_back_to_the_poisson_sigma():
    rows = consumption_rows([("2026-05-01", 100, 0), ("2026-06-01", 140, 0)])
    stats = scoring.consumption_stats(scoring.adjusted_consumption(rows, as_of=AS_OF, months=6)).iloc[0]
    assert stats["amc"] == pytest.approx(120.0)
    assert stats["sigma"] == pytest.approx(math.sqrt(120.0))


def test_fewer_than_two_months_is_insufficient_data_not_zero_risk():
    # given a single usable month
    rows = consumption_rows([("2026-06-01", 100, 0)])
    # when
    scored = scoring.score_positions(one_position(10), NO_LOTS, rows, MEDICINES, PARAMS).iloc[0]
    # then
    assert math.isnan(scored["amc"])
    assert scored["stock_status"] == "insufficient_data"
    assert scored["insufficient_data"]
    assert math.isnan(scored["score"]) and scored["risk_level"] == "unknown"
    assert math.isnan(scored["stockout_probability"])


def test_months_of_stock_and_days_of_cover():
    # given 240 units and an AMC of 120 units/month
    rows = consumption_rows([("2026-05-01", 120, 0), ("2026-06-01", 120, 0)])
    scored = scoring.score_positions(one_position(240), NO_LOTS, rows, MEDICINES, PARAMS).iloc[0]
    # then MOS = 2 months, cover = 2 x 30.4375 = 60.875 days
    assert scored["months_of_stock"] == pytest.approx(2.0)
    assert scored["days_of_cover"] == pytest.approx(60.875)
    assert scored["stock_status"] == "adequate"


@pytest.mark.parametrize(
    ("stock", "expected"),
    [
        (0, "stocked_out"),
        (49, "below_emergency"),
        (50, "understocked"),  # exactly 0.5 month is not below the emergency point
        (149, "understocked"),
        (150, "adequate"),  # exactly the minimum
        (300, "adequate"),  # exactly the maximum
        (301, "overstocked"),
    ],
)
def test_status_boundaries_of_a_hospital(stock, expected):
    rows = consumption_rows([("2026-05-01", 100, 0), ("2026-06-01", 100, 0)])
    scored = scoring.score_positions(one_position(stock), NO_LOTS, rows, MEDICINES, PARAMS).iloc[0]
    assert scored["stock_status"] == expected


def test_no_consumption_when_amc_is_zero():
    rows = consumption_rows([("2026-05-01", 0, 0), ("2026-06-01", 0, 0)])
    scored = scoring.score_positions(one_position(20), NO_LOTS, rows, MEDICINES, PARAMS).iloc[0]
    assert scored["stock_status"] == "no_consumption"
    assert scored["stockout_probability"] == 0.0


def test_usable_stock_leaves_out_expired_lots_and_what_expires_before_use():
    # given 1 unit a day (AMC = 30.4375), 200 units on hand: lot A 40 units expiring in 20 days,
    # lot B 100 units expiring in 60 days, lot C 50 units expiring today, 10 units in no lot
    positions = one_position(200)
    lots = pd.DataFrame(
        [
            {"establishment_id": 1, "medicine_id": 1, "expiry_date": dt.date(2026, 7, 20), "quantity": 40},
            {"establishment_id": 1, "medicine_id": 1, "expiry_date": dt.date(2026, 8, 29), "quantity": 100},
            {"establishment_id": 1, "medicine_id": 1, "expiry_date": AS_OF, "quantity": 50},
        ]
    )
    # when
    result = scoring.usable_stock(positions, lots, pd.Series([30.4375]), PARAMS).iloc[0]
    # then A delivers 20 of 40, B delivers 40 more by day 60 (60 unused), C is expired:
    # usable = 200 - 50 - (20 + 60) = 70
    assert result["expired_stock"] == pytest.approx(50)
    assert result["expiring_unused"] == pytest.approx(80)
    assert result["expiry_at_risk"] == pytest.approx(80)
    assert result["usable_stock"] == pytest.approx(70)


def test_usable_stock_of_many_positions_equals_each_alone_whatever_the_order_of_the_lots():
    # given three positions (listed out of id order) and their lots in shuffled order, one of them
    # with no lot and no known AMC
    keys = [(2, 1), (1, 3), (1, 1)]
    positions = pd.concat([one_position(150.0, establishment=e, medicine=m) for e, m in keys], ignore_index=True)
    amc = pd.Series([30.4375, np.nan, 15.0])
    lots = pd.DataFrame(
        [
            {"establishment_id": e, "medicine_id": m, "expiry_date": AS_OF + dt.timedelta(days=days), "quantity": q}
            for e, m, days, q in [(1, 1, 90, 40), (2, 1, 10, 30), (1, 1, -3, 5), (2, 1, 45, 60), (1, 1, 20, 50)]
        ]
    ).sample(frac=1.0, random_state=3)
    # when
    together = scoring.usable_stock(positions, lots, amc, PARAMS)
    # then each row is the figure of its position computed alone, in the order of the positions
    assert list(zip(together["establishment_id"], together["medicine_id"], strict=True)) == keys
    for row, (establishment, medicine) in enumerate(keys):
        mine = lots.loc[(lots["establishment_id"] == establishment) & (lots["medicine_id"] == medicine)]
        alone = scoring.usable_stock(positions.iloc[[row]], mine, amc.iloc[[row]], PARAMS).iloc[0]
        for column in ("expired_stock", "expiring_unused", "expiry_at_risk", "usable_stock"):
            assert together.loc[row, column] == pytest.approx(alone[column]), (establishment, medicine, column)
    assert together.loc[1, "usable_stock"] == 150.0  # no lot: nothing expires
    assert together.loc[2, "expired_stock"] == 5.0


def test_stockout_probability_against_the_normal_table():
    # given S = 200, Q = 0, AMC = 60, H = 2, sigma = 30: z = 80 / (30 x sqrt 2) = 1.8856
    # and S = 100, Q = 20, AMC = 60, H = 2: z = 0
    probability = scoring.stockout_probability(
        pd.Series([200.0, 100.0]),
        pd.Series([0.0, 20.0]),
        pd.Series([60.0, 60.0]),
        pd.Series([30.0, 20.0]),
        pd.Series([2.0, 2.0]),
    )
    # then P = 1 - Phi(1.8856) = 0.0297 and P = 0.5
    assert probability[0] == pytest.approx(0.0297, abs=1e-4)
    assert probability[1] == pytest.approx(0.5)


def test_a_certain_outcome_when_sigma_is_zero():
    probability = scoring.stockout_probability(
        pd.Series([100.0, 300.0]),
        pd.Series([0.0, 0.0]),
        pd.Series([100.0, 100.0]),
        pd.Series([0.0, 0.0]),
        pd.Series([2.0, 2.0]),
    )
    assert list(probability) == [1.0, 0.0]


def test_herfindahl_of_declared_sales_shares():
    # given shares 60 %, 30 %, 10 %
    frame = pd.DataFrame({"medicine_id": [1, 1, 1], "sales": [60, 30, 10]})
    # then HHI = 0.36 + 0.09 + 0.01 = 0.46
    assert scoring.herfindahl(frame, by="medicine_id", share_of="sales")[1] == pytest.approx(0.46)


def test_concentration_falls_back_to_the_number_of_suppliers_without_sales():
    industry = pd.DataFrame(columns=["medicine_id", "company_id", "monthly_sales", "api_origin_country"])
    suppliers = pd.DataFrame(
        {
            "medicine_id": [1] * 4,
            "company_id": [1, 2, 3, 4],
            "product_id": [1, 2, 3, 4],
            "origin": ["imported"] * 3 + ["local"],
        }
    )
    episodes = pd.DataFrame(columns=["medicine_id", "started_on"])
    structural = scoring.structural_side(industry, suppliers, episodes, PARAMS).loc[1]
    assert structural["supplier_hhi"] == pytest.approx(0.25)
    assert structural["import_share"] == pytest.approx(0.75)


def test_safety_stock_duty_is_three_months_of_sales():
    # given company 1 holding exactly 3 months (met) and company 2 holding 2 months (breach),
    # company 2 declaring a disruption
    industry = pd.DataFrame(
        {
            "medicine_id": [1, 1],
            "company_id": [1, 2],
            "stock_on_hand": [300, 200],
            "monthly_sales": [100, 100],
            "disruption": [False, True],
            "api_origin_country": ["Inde", "Chine"],
        }
    )
    # when
    side = scoring.industry_side(industry, PARAMS).loc[1]
    # then industry MOS = 500 / 200 = 2.5, one company in breach with a gap of 100 units, half of
    # the declared sales disrupted
    assert side["industry_mos"] == pytest.approx(2.5)
    assert side["safety_stock_required"] == pytest.approx(600)
    assert side["companies_in_breach"] == 1
    assert side["safety_stock_gap"] == pytest.approx(100)
    assert side["disrupted_sales_share"] == pytest.approx(0.5)


def test_every_position_score_keeps_its_contributions():
    rows = consumption_rows([("2026-05-01", 100, 0), ("2026-06-01", 100, 0)])
    scored = scoring.score_positions(one_position(30), NO_LOTS, rows, MEDICINES, PARAMS).iloc[0]
    contributions = [scored[f"contrib_{name}"] for name in PARAMS.position_weights]
    assert sum(contributions) == pytest.approx(scored["score"], abs=0.05)
    assert scored["contrib_criticality"] == pytest.approx(10.0)  # vital medicine, weight 10 of 100


def test_a_medicine_nationally_sums_positions_and_scores_every_factor():
    # given two hospitals, one stocked out, and one declaring company in breach
    consumption = pd.concat(
        [
            consumption_rows([("2026-05-01", 100, 0), ("2026-06-01", 100, 0)], establishment=1),
            consumption_rows([("2026-05-01", 50, 0), ("2026-06-01", 50, 0)], establishment=2),
        ]
    )
    positions = pd.concat([one_position(0, establishment=1), one_position(300, establishment=2)])
    scored = scoring.score_positions(positions, NO_LOTS, consumption, MEDICINES, PARAMS)
    industry = pd.DataFrame(
        {
            "medicine_id": [1],
            "company_id": [7],
            "stock_on_hand": [150],
            "monthly_sales": [100],
            "disruption": [False],
            "api_origin_country": [""],
        }
    )
    deliveries = pd.DataFrame(
        {"medicine_id": [1], "company_id": [7], "expected_on": [dt.date(2026, 7, 15)], "quantity": [500]}
    )
    suppliers = pd.DataFrame({"medicine_id": [1], "company_id": [7], "product_id": [1], "origin": ["imported"]})
    episodes = pd.DataFrame({"medicine_id": [1], "started_on": [dt.date(2025, 3, 1)]})
    # when
    sums = position_sums(scored)
    national = scoring.score_medicines(sums, MEDICINES, industry, deliveries, suppliers, episodes, PARAMS).iloc[0]
    # then public stock 300 for an AMC of 150: 2 months; one position in two stocked out
    assert national["public_stock"] == pytest.approx(300)
    assert national["public_amc"] == pytest.approx(150)
    assert national["national_mos"] == pytest.approx(2.0)
    assert national["share_stocked_out"] == pytest.approx(0.5)
    assert national["industry_mos"] == pytest.approx(1.5)
    assert national["deliveries_due"] == pytest.approx(500)
    assert national["supplier_hhi"] == pytest.approx(1.0)
    assert national["episodes"] == 1
    # stock_cover 1/3, spread 0.5, industry 0.5, disruption 0, concentration 1, import 1,
    # history 1/3, criticality 1: (10 + 10 + 7.5 + 0 + 8 + 5 + 1.333 + 3) = 44.83
    assert national["score"] == pytest.approx(44.83, abs=0.01)
    assert national["risk_level"] == "medium"
    contributions = sum(national[f"contrib_{name}"] for name in PARAMS.national_weights)
    assert contributions == pytest.approx(national["score"], abs=0.05)


@settings(max_examples=200, deadline=None)
@given(
    stock=st.floats(0, 1e5),
    extra=st.floats(0, 1e5),
    pipeline=st.floats(0, 1e4),
    amc=st.floats(0, 1e4),
    sigma=st.floats(0, 1e3),
    horizon=st.floats(0.5, 6),
)
def test_more_stock_never_raises_the_probability(stock, extra, pipeline, amc, sigma, horizon):
    probability = scoring.stockout_probability(
        pd.Series([stock, stock + extra]),
        pd.Series([pipeline] * 2),
        pd.Series([amc] * 2),
        pd.Series([sigma] * 2),
        pd.Series([horizon] * 2),
    )
    assert probability[1] <= probability[0] + 1e-12


@settings(max_examples=100, deadline=None)
@given(
    issued=st.lists(st.integers(0, 5000), min_size=2, max_size=6),
    stockout=st.lists(st.integers(0, 27), min_size=6, max_size=6),
    which=st.integers(0, 5),
    more=st.integers(0, 27),
    base_stock=st.integers(0, 20000),
    extra_stock=st.integers(0, 20000),
)
def test_more_stockout_days_never_lower_the_amc_and_more_stock_never_raises_the_position_probability(
    issued, stockout, which, more, base_stock, extra_stock
):
    months = [f"2026-{6 - offset:02d}-01" for offset in range(len(issued))]
    which %= len(issued)
    # stockout days stay below the month's length (28 days at least) so the month remains usable
    raised = [min(days + (more if index == which else 0), 27) for index, days in enumerate(stockout)]
    before = consumption_rows(list(zip(months, issued, stockout, strict=False)))
    after = consumption_rows(list(zip(months, issued, raised, strict=False)))
    amc_before = scoring.consumption_stats(scoring.adjusted_consumption(before, as_of=AS_OF, months=6))["amc"][0]
    amc_after = scoring.consumption_stats(scoring.adjusted_consumption(after, as_of=AS_OF, months=6))["amc"][0]
    assert amc_after >= amc_before - 1e-9

    positions = pd.concat(
        [one_position(base_stock, establishment=1), one_position(base_stock + extra_stock, establishment=2)]
    )
    rows = pd.concat([before.assign(establishment_id=1), before.assign(establishment_id=2)])
    scored = scoring.score_positions(positions, NO_LOTS, rows, MEDICINES, PARAMS).set_index("establishment_id")
    assert scored.loc[2, "stockout_probability"] <= scored.loc[1, "stockout_probability"] + 1e-12


def test_the_criticality_factor_of_each_ven_class_the_same_for_positions_and_medicines():
    # given VEN classes, one unknown and one missing, as an object column and as a categorical one
    classes = pd.Series(["V", "E", "N", "X", None])
    # when / then
    for column in (classes, classes.astype("category")):
        assert scoring.positions.criticality(column).tolist() == [1.0, 0.5, 0.0, 0.5, 0.5]
