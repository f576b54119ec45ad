"""The backtest replays a small generated history and prints precision, recall and AUC, a table of
cuts, a reliability table and the alert rules; the pure tables against hand-computed examples."""

from __future__ import annotations

import datetime as dt
import io
import math
import random

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from shortages.scoring import ScoringParams
from shortages.scoring.backtest import DEFAULT_CUTS, cut_table, prediction_metrics, reliability_table
from shortages.services.backtest import alert_rules_table
from stock.choices import EstablishmentCategory, EstablishmentLevel
from stock.models import ConsumptionMonth
from tests import factories
from tests.shortages.conftest import months_before

# Five positions: P and whether each stocked out within its horizon.
ACTUAL = pd.Series([True, False, True, False, False])
PROBABILITY = pd.Series([0.95, 0.9, 0.6, 0.4, 0.99])


def simulate_history(*, seed: int = 3, months: int = 18) -> None:
    """Hospitals and health centres whose resupply fails now and then: a month without delivery
    leaves low stock, and low stock leads to stockout days in the following months."""
    rng = random.Random(seed)
    region = factories.RegionFactory(code="03")
    sites = [factories.EstablishmentFactory(region=region) for _ in range(4)] + [
        factories.EstablishmentFactory(
            region=region, level=EstablishmentLevel.PRIMARY, category=EstablishmentCategory.CSU1
        )
        for _ in range(4)
    ]
    drugs = [factories.MedicineFactory() for _ in range(5)]
    rows = []
    for site in sites:
        for drug in drugs:
            mean = rng.randint(40, 300)
            reliability = rng.uniform(0.5, 0.95)
            stock = mean * 2
            for month in months_before(dt.date(2026, 6, 30), months):
                if rng.random() < reliability:
                    stock = max(stock, int(mean * rng.uniform(1.5, 3.0)))
                demand = max(1, int(rng.gauss(mean, mean * 0.25)))
                issued = min(demand, stock)
                days = 30
                stockout_days = round(days * (demand - issued) / demand) if issued < demand else 0
                stock -= issued
                rows.append(
                    ConsumptionMonth(
                        establishment=site,
                        medicine=drug,
                        month=month,
                        issued=issued,
                        stockout_days=stockout_days,
                        closing_balance=stock,
                    )
                )
    ConsumptionMonth.objects.bulk_create(rows)


def sections(report: str) -> list[list[str]]:
    """The report's blocks of lines, split at blank lines."""
    return [block.splitlines() for block in report.split("\n\n")]


def test_prediction_metrics_count_flags_hits_and_flags_per_thousand():
    metrics = prediction_metrics(ACTUAL, PROBABILITY >= 0.9)
    # 0.95, 0.9 and 0.99 flagged; of them only 0.95 stocked out; one of the two stockouts found
    assert metrics == {"predicted": 3, "precision": pytest.approx(1 / 3), "recall": 0.5, "per_thousand": 600.0}


def test_the_cut_table_has_one_row_per_cut_and_no_precision_without_a_prediction():
    # when
    table = cut_table(ACTUAL, PROBABILITY, [0.5, 0.9, 0.99, 1.0]).set_index("cut")
    # then
    assert table["predicted"].tolist() == [4, 3, 1, 0]
    assert table.loc[0.5, "precision"] == 0.5 and table.loc[0.5, "recall"] == 1.0
    assert table.loc[0.9, "precision"] == pytest.approx(1 / 3) and table.loc[0.9, "recall"] == 0.5
    assert table.loc[0.99, "precision"] == 0.0 and table.loc[0.99, "recall"] == 0.0
    assert math.isnan(table.loc[1.0, "precision"]) and table.loc[1.0, "recall"] == 0.0
    assert table["per_thousand"].tolist() == [800.0, 600.0, 200.0, 0.0]


def test_the_reliability_table_bins_p_by_tenths_with_the_upper_edge_in_the_last_bin():
    # given: 0.1 and 0.7 sit on a lower edge, 1.0 on the top edge; an unknown P is left out
    actual = pd.Series([False, False, False, True, False, True, False, True])
    probability = pd.Series([0.05, 0.0, 0.1, 0.7, 0.75, 1.0, 0.95, float("nan")])
    # when
    table = reliability_table(actual, probability)
    # then
    assert len(table) == 10 and table["low"].iloc[7] == 0.7 and table["high"].iloc[9] == 1.0
    assert table["positions"].tolist() == [2, 1, 0, 0, 0, 0, 0, 2, 0, 2]
    assert table["mean_probability"].iloc[0] == pytest.approx(0.025)
    assert table["mean_probability"].iloc[7] == pytest.approx(0.725)
    assert table["mean_probability"].iloc[9] == pytest.approx(0.975)
    assert table["observed"].iloc[[0, 1, 7, 9]].tolist() == [0.0, 0.0, 0.5, 0.5]
    assert table["observed"].iloc[[2, 3, 4, 5, 6, 8]].isna().all()


def test_the_alert_rules_table_measures_the_alert_the_former_rule_and_the_alert_with_the_emergency_point():
    # given: P >= 0.9 understocked (stocked out, and not), P >= 0.9 inside the band (not stocked
    # out), below the emergency point (stocked out), understocked under the cut (stocked out)
    replayed = pd.DataFrame(
        {
            "stockout_probability": [0.99, 0.95, 0.97, 1.0, 0.8],
            "stock_status": ["understocked", "understocked", "adequate", "below_emergency", "understocked"],
            "stocked_out": [True, False, False, True, True],
        }
    )
    # when
    table = alert_rules_table(replayed, ScoringParams(as_of=dt.date(2026, 6, 30), probability_alert=0.9))
    # then
    rules = table.set_index("rule")
    assert rules["predicted"].to_dict() == {"alert": 2, "any_status": 3, "with_emergency": 3}
    assert rules.loc["alert", "precision"] == 0.5 and rules.loc["alert", "recall"] == pytest.approx(1 / 3)
    assert rules.loc["any_status", "precision"] == pytest.approx(1 / 3)
    assert rules.loc["with_emergency", "precision"] == pytest.approx(2 / 3)
    assert rules.loc["with_emergency", "per_thousand"] == 600.0


@pytest.mark.django_db
def test_the_backtest_prints_precision_recall_and_auc_overall_and_by_level(capsys):
    # given
    simulate_history()
    out = io.StringIO()
    # when
    call_command("backtest", "--formula", stdout=out)
    # then
    report = out.getvalue()
    print(report)  # the figures, for the CI log
    lines = {line.split()[0]: line.split() for line in sections(report)[0][2:]}
    assert set(lines) == {"overall", "hospital", "primary"}
    positions, stockouts, predicted, precision, recall, auc = lines["overall"][1:]
    assert int(positions) > 200 and 0 < int(stockouts) < int(positions)
    assert 0 < float(precision) <= 1 and 0 < float(recall) <= 1
    # low stock really does announce the stockouts of this history: far better than chance
    assert float(auc) > 0.6
    assert "month-ends replayed" in report.splitlines()[0]


@pytest.mark.django_db
def test_the_backtest_prints_the_cuts_the_reliability_and_the_alert_rules(settings):
    # given
    settings.STOCKOUT_PROBABILITY_ALERT = 0.9
    simulate_history()
    out = io.StringIO()
    # when
    call_command("backtest", "--formula", stdout=out)
    # then
    summary, cuts, reliability, rules = sections(out.getvalue())
    assert "prediction = P >= 0.9" in summary[0]
    overall = summary[2].split()
    positions, stockouts, predicted = int(overall[1]), int(overall[2]), int(overall[3])
    by_cut = {float(line.split()[2]): line.split()[3:] for line in cuts[2:]}
    assert list(by_cut) == list(DEFAULT_CUTS)
    # the cut of the settings is the prediction of the first table
    assert int(by_cut[0.9][0]) == predicted
    assert float(by_cut[0.9][3]) == pytest.approx(1000 * predicted / positions, abs=0.05)
    counts = [int(by_cut[cut][0]) for cut in DEFAULT_CUTS]
    assert counts == sorted(counts, reverse=True)
    # every replayed position falls in one bin of P, and every stockout too
    bins = [line.split() for line in reliability[2:]]
    assert [row[0] for row in bins] == [f"{k / 10:.1f}-{(k + 1) / 10:.1f}" for k in range(10)]
    assert sum(int(row[1]) for row in bins) == positions
    stocked_out = sum(int(row[1]) * float(row[3]) for row in bins if row[3] != "—")
    assert stocked_out == pytest.approx(stockouts, abs=0.01 * stockouts + 1)
    assert "Alert rules at P >= 0.9" in rules[0]
    alert, any_status, with_emergency = (int(line.split()[-4]) for line in rules[2:5])
    assert alert <= any_status <= predicted and alert <= with_emergency


@pytest.mark.django_db
def test_the_backtest_refuses_an_empty_history():
    with pytest.raises(CommandError, match="history"):
        call_command("backtest", "--formula", stdout=io.StringIO())
