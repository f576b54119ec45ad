"""The learned prediction, pure part: the stockout rule's edge cases, no look-ahead, a monotone
calibration, determinism, and the evaluation's figures on hand-checked cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shortages.scoring import evaluation, learned
from shortages.scoring.features import position_features
from shortages.scoring.stockouts import complete_months, stocked_out
from tests.shortages.prediction_world import as_grid, synthetic_history


def _history(rows: list[tuple]) -> pd.DataFrame:
    """One position's months: (month, issued, closing, stockout_days, reported)."""
    frame = pd.DataFrame(rows, columns=["month", "issued", "closing_balance", "stockout_days", "reported"])
    frame["month"] = pd.to_datetime(frame["month"])
    frame["establishment_id"], frame["medicine_id"] = 1, 1
    return complete_months(frame)


def test_recorded_stockout_days_make_a_stockout_even_with_stock_left():
    grid = _history([("2024-01-01", 10, 5, 4, True)])
    assert stocked_out(grid).tolist() == [True]


def test_an_empty_shelf_after_issues_is_a_stockout_without_any_stockout_day():
    grid = _history([("2024-01-01", 10, 30, 0, True), ("2024-02-01", 30, 0, 0, True)])
    assert stocked_out(grid).tolist() == [False, True]


def test_an_empty_shelf_with_issues_within_three_months_is_a_stockout():
    grid = _history(
        [("2024-01-01", 8, 0, 0, True), ("2024-02-01", 0, 0, 0, True), ("2024-03-01", 0, 0, 0, True)]
        + [("2024-04-01", 0, 0, 0, True), ("2024-05-01", 0, 0, 0, True)]
    )
    # issues in January count as demand for February, March and April, not for May
    assert stocked_out(grid).tolist() == [True, True, True, True, False]


def test_a_dormant_position_at_zero_is_not_a_stockout():
    grid = _history([(f"2024-0{month}-01", 0, 0, 0, True) for month in range(1, 6)])
    assert not stocked_out(grid).any()


def test_an_unreported_month_is_never_a_stockout_and_gaps_are_filled():
    grid = _history([("2024-01-01", 10, 0, 0, True), ("2024-03-01", 10, 0, 0, True)])
    assert grid["month"].dt.month.tolist() == [1, 2, 3]
    assert grid["reported"].tolist() == [True, False, True]
    assert stocked_out(grid).tolist() == [True, False, True]


@pytest.fixture(scope="module")
def panel() -> learned.Panel:
    return learned.build_panel(as_grid(synthetic_history(sites=10, products=3, months=30)), horizon=2)


def test_training_rows_have_a_complete_outcome_before_the_month_predicted(panel):
    until = pd.Timestamp("2017-09-01")
    rows = learned.training_rows(panel, until)
    assert len(rows) > 0
    # the outcome of month m covers m+1 and m+2: it is known at the end of ``until`` only up to m = until - 2
    assert rows["month"].max() == pd.Timestamp("2017-07-01")


def test_nothing_after_the_month_predicted_changes_its_prediction(panel):
    # given the same history, once whole and once cut after the month predicted
    month = pd.Timestamp("2017-12-01")
    grid = panel.grid
    cut = learned.build_panel(grid.loc[grid["month"] <= month].reset_index(drop=True), horizon=2)
    altered = grid.copy()
    later = altered["month"] > month
    altered.loc[later, ["issued", "closing_balance", "received"]] = 0.0  # a different future
    changed = learned.build_panel(altered, horizon=2)
    # when each predicts that month
    predictions = [
        evaluation.walk_forward(version, test_months=[month], seed=3).predictions for version in (panel, cut, changed)
    ]
    # then the probabilities and forecasts are the same, to the last bit
    columns = ["establishment_id", "medicine_id", "p", "forecast_1", "forecast_2", "forecast_3"]
    reference = predictions[0][columns].reset_index(drop=True)
    for other in predictions[1:]:
        pd.testing.assert_frame_equal(reference, other[columns].reset_index(drop=True))


def test_the_calibration_map_is_increasing(panel):
    model = learned.model_train(panel, until=pd.Timestamp("2018-03-01"), seed=3)
    slope, _ = model.calibration
    assert slope > 0
    raw = np.linspace(0.001, 0.999, 500)
    calibrated = learned.calibrated(raw, model.calibration)
    assert np.all(np.diff(calibrated) > 0)
    assert model.calibration_rows > 0


def test_platt_scaling_recovers_a_known_map():
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.01, 0.99, 20000)
    truth = 1 / (1 + np.exp(-(2.0 * np.log(raw / (1 - raw)) - 1.0)))
    actual = rng.random(20000) < truth
    slope, intercept = learned.platt_fit(raw, actual)
    assert slope == pytest.approx(2.0, abs=0.1)
    assert intercept == pytest.approx(-1.0, abs=0.1)


def test_training_is_deterministic_for_a_seed_and_survives_storage(panel):
    first = learned.model_train(panel, until=pd.Timestamp("2018-01-01"), seed=5)
    second = learned.model_train(panel, until=pd.Timestamp("2018-01-01"), seed=5)
    rows = panel.features.loc[(panel.months == pd.Timestamp("2018-01-01")).to_numpy() & learned.scored_rows(panel)]
    reloaded = learned.LearnedModel.from_payload(first.to_payload())
    predictions = [learned.model_predict(model, rows) for model in (first, second, reloaded)]
    pd.testing.assert_frame_equal(predictions[0], predictions[1])
    pd.testing.assert_frame_equal(predictions[0], predictions[2])


def test_contributions_add_up_to_the_distance_from_the_base_rate(panel):
    model = learned.model_train(panel, until=pd.Timestamp("2018-01-01"), seed=5)
    rows = panel.features.loc[(panel.months == pd.Timestamp("2018-01-01")).to_numpy() & learned.scored_rows(panel)]
    points = learned.model_contributions(model, rows)
    probability = learned.model_predict(model, rows)["probability"]
    np.testing.assert_allclose(points.sum(axis=1), 100 * (probability - model.base_rate), atol=1e-6)


def test_too_short_a_history_is_refused_so_the_formula_answers(panel):
    with pytest.raises(learned.NotEnoughHistory):
        learned.model_train(panel, until=pd.Timestamp("2016-05-01"))


def test_recall_at_precision_takes_the_best_cut_that_reaches_it():
    actual = [True, True, False, True, False, False]
    score = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    # precision 2/2 at 0.8, 3/4 at 0.6: the best recall with precision >= 0.75 is 3/3
    recall, cut = evaluation.recall_at_precision(actual, score, 0.75)
    assert (recall, cut) == (1.0, 0.6)
    assert evaluation.recall_at_precision(actual, score, 1.0) == (2 / 3, 0.8)


def test_expected_calibration_error_and_brier_skill_by_hand():
    actual = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    probability = np.array([0.15, 0.15, 0.15, 0.15, 0.85, 0.85, 0.85, 0.85])
    # bins 0.1-0.2 (observed 1/4, P 0.15) and 0.8-0.9 (observed 3/4, P 0.85): |0.15-0.25| and |0.85-0.75|
    assert evaluation.expected_calibration_error(actual, probability) == pytest.approx(0.10)
    brier, skill = evaluation.brier_skill(actual, probability)
    assert brier == pytest.approx(np.mean((probability - actual) ** 2))
    assert skill == pytest.approx(1 - brier / 0.25)


def test_the_forecast_mase_against_the_moving_average_by_hand():
    # given three positions' six reported months up to the origin, and the three months after it
    origin = pd.Timestamp("2018-12-01")
    months = pd.date_range("2018-07-01", periods=6, freq="MS")
    histories = {1: [10, 12, 10, 12, 10, 12], 2: [0, 4, 0, 4, 0, 4], 3: [5, 5, 5, 5, 5, 5]}
    grid = pd.DataFrame(
        [
            {"establishment_id": key, "medicine_id": 1, "month": month, "issued": value, "reported": True}
            for key, values in histories.items()
            for month, value in zip(months, values, strict=True)
        ]
    )
    futures = {1: [14, 8, 11], 2: [0, 0, 8], 3: [5, 9, 5]}
    forecasts = {1: [11, 11, 11], 2: [4, 4, 4], 3: [5, 5, 5]}
    predictions = pd.DataFrame(
        [
            {
                "establishment_id": key,
                "medicine_id": 1,
                "month": origin,
                **{f"future_{step + 1}": futures[key][step] for step in range(3)},
                **{f"forecast_{step + 1}": forecasts[key][step] for step in range(3)},
            }
            for key in histories
        ]
    )
    # when
    report = evaluation.mase_report(
        learned.Panel(grid=grid, features=pd.DataFrame(), horizon=2), predictions, origins=[origin]
    )
    # then position 3 (no one-step change in its history: scale 0) is left out; position 1's scale
    # is 2, its moving average 34/3; position 2's scale is 4, its moving average 8/3
    forecast = ((3 + 3 + 0) / 3 / 2 + (4 + 4 + 4) / 3 / 4) / 2
    moving_1 = (abs(14 - 34 / 3) + abs(8 - 34 / 3) + abs(11 - 34 / 3)) / 3 / 2
    moving_2 = (abs(0 - 8 / 3) * 2 + abs(8 - 8 / 3)) / 3 / 4
    moving = (moving_1 + moving_2) / 2
    assert report["series"] == 2
    assert report["mase_forecast"] == pytest.approx(forecast)
    assert report["mase_moving_average"] == pytest.approx(moving)
    assert report["ratio"] == pytest.approx(forecast / moving)
    # and the better of the two per series, after the fact: the forecast for 1, the average for 2
    assert report["mase_hindsight_best"] == pytest.approx((1.0 + moving_2) / 2)
    assert report["hindsight_ratio"] < report["ratio"]


def test_walk_forward_judges_every_method_on_the_same_rows(panel):
    months = evaluation.test_month_ends(panel, first=pd.Timestamp("2017-10-01"))
    walked = evaluation.walk_forward(
        panel,
        test_months=months,
        seed=3,
        retrain_every=3,
        formula=lambda p, mask: evaluation.formula_probability(p, mask, months=6, horizon_months=2.0),
    )
    assert walked.months == months  # every month-end with a full horizon after it, through 2018-04
    assert months[-1] == pd.Timestamp("2018-04-01")
    report = evaluation.walk_forward_report(walked.predictions, cut=0.5)
    population = walked.predictions.loc[walked.predictions["observed"] & walked.predictions["scored"]]
    assert report["C"]["rows"] == len(population)
    assert report["A"]["rows"] == int((~population["stocked_out_now"]).sum())
    assert 0.5 < report["C"]["auc"] <= 1.0
    assert sum(row["positions"] for row in report["C"]["reliability"]) == report["C"]["rows"]


def _two_positions() -> pd.DataFrame:
    """Two establishments, one medicine, six months: (month, issued, received, closing) per site."""
    rows = []
    site_1 = [(10, 0, 50), (40, 0, 10), (10, 0, 0), (0, 0, 0), (5, 30, 25), (5, 0, 20)]
    site_2 = [(10, 0, 90), (10, 0, 80), (10, 0, 70), (10, 0, 60), (70, 0, 0), (0, 0, 0)]
    for site, months in ((1, site_1), (2, site_2)):
        for step, (issued, received, closing) in enumerate(months):
            rows.append((site, f"2024-0{step + 1}-01", issued, received, closing))
    frame = pd.DataFrame(rows, columns=["establishment_id", "month", "issued", "received", "closing_balance"])
    frame = frame.assign(medicine_id=1, stockout_days=0.0, reported=True, level="primary", province_id=1)
    return complete_months(frame)


def test_the_stockout_streak_and_the_stock_against_the_biggest_month_read_only_past_months():
    # given site 1: empty in March and April (units issued in the months before), restocked in May
    grid = _two_positions()
    site = (grid["establishment_id"] == 1).to_numpy()
    # when
    values = position_features(grid).loc[site]
    # then the streak counts the months in a row stocked out up to each month
    assert values["stockout_streak"].tolist() == [0, 0, 1, 2, 0, 0]
    # and the stock is read against the biggest month of the last six, then against last month's issues
    assert values["stock_over_peak"].tolist()[:2] == [5.0, 0.25]  # 50 / 10, then 10 / 40
    assert values["stock_over_last_issue"].tolist()[4:] == [5.0, 4.0]  # 25 / 5, 20 / 5
    # and a different future leaves every month's figures unchanged
    altered = grid.copy()
    altered.loc[altered["month"] > "2024-03-01", ["issued", "closing_balance"]] = 999.0
    again = position_features(altered).loc[site]
    columns = ["stockout_streak", "stock_over_peak", "stock_over_last_issue"]
    pd.testing.assert_frame_equal(values.iloc[:3][columns], again.iloc[:3][columns])


def test_the_national_shares_of_earlier_months_are_the_shares_of_those_months():
    # given site 1 stocked out in March and April, site 2 in May (its issues emptied the shelf) and June
    grid = _two_positions()
    values = position_features(grid).loc[(grid["establishment_id"] == 2).to_numpy()]
    # then each month reads the national share of the month before and of two months before
    assert values["national_stocked_out_share"].tolist() == [0, 0, 0.5, 0.5, 0.5, 0.5]
    assert values["national_stocked_out_share_previous"].tolist()[1:] == [0, 0, 0.5, 0.5, 0.5]
    assert values["national_stocked_out_share_two_months_ago"].tolist()[2:] == [0, 0, 0.5, 0.5]
    # and the first months, with no earlier month known, read nothing
    assert values["national_stocked_out_share_previous"].isna().tolist()[:1] == [True]
    assert values["national_stocked_out_share_two_months_ago"].isna().tolist()[:2] == [True, True]
    assert values["province_stocked_out_share_two_months_ago"].tolist()[2:] == [0, 0, 0.5, 0.5]


def test_the_calibration_rests_on_every_out_of_time_month_of_the_last_two_years(panel):
    # given 28 months with a known outcome at the end of June 2018 (January 2016 .. April 2018)
    until = pd.Timestamp("2018-06-01")
    rows = learned.training_rows(panel, until)
    months = sorted(rows["month"].unique())
    assert len(months) == 28
    # when
    model = learned.model_train(panel, until=until, seed=3)
    # then the latest 24 of them were each predicted by a model of earlier months, the first of
    # them (May 2016) by a model of the three months whose outcome was known before it
    window = months[-learned.CALIBRATION_MONTHS :]
    assert learned.CALIBRATION_MONTHS == 24 and window[0] == pd.Timestamp("2016-05-01")
    assert model.calibration_rows == int(rows["month"].isin(window).sum())


def test_a_model_stored_before_features_were_added_reads_its_own(panel, monkeypatch):
    # given a model trained when the features were fewer, stored and read back
    month = pd.Timestamp("2018-01-01")
    rows = panel.features.loc[(panel.months == month).to_numpy() & learned.scored_rows(panel)]
    fewer = learned.FEATURES[:-6]
    with monkeypatch.context() as patched:
        patched.setattr(learned, "FEATURES", fewer)
        patched.setattr(learned, "FORECAST_FEATURES", fewer + learned.LAG_FEATURES)
        older = learned.LearnedModel.from_payload(learned.model_train(panel, until=month, seed=5).to_payload())
        expected = learned.model_predict(older, rows[fewer + learned.LAG_FEATURES + ["scale"]])
    # when it predicts rows that carry today's features too
    predicted = learned.model_predict(older, rows)
    points = learned.model_contributions(older, rows)
    # then it reads the features it learned from, and explains with them
    assert older.feature_names == fewer
    pd.testing.assert_frame_equal(predicted, expected)
    assert list(points.columns) == fewer
