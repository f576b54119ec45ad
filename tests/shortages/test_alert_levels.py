"""Alert levels read from measured risk: the level of a stockout kind is the more severe of the one
its position's state gives and the one the calibrated probability gives, by VEN class (the table of
docs/scoring.md, "Alert levels"); no alert's level contradicts its kind."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse

from shortages import scoring
from shortages.choices import AlertKind
from shortages.models import Alert, ScoringRun
from shortages.scoring import ScoringParams, position_conditions
from shortages.scoring.alerts import alert_level, calibrated_probability
from shortages.services import inputs, scores
from stock.models import ConsumptionMonth, StockLevel
from tests import factories
from tests.shortages.conftest import AS_OF

RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}
# The table as docs/scoring.md writes it: the level of the state, then the level of a learned P.
STATE = {
    "stockout": {"V": "critical", "E": "high", "N": "high"},
    "below_emergency": {"V": "high", "E": "medium", "N": "medium"},
    "high_probability": {"V": "medium", "E": "medium", "N": "medium"},
}
FROM_P = {  # P >= 0.8, 0.5 <= P < 0.8
    "V": ("critical", "high"),
    "E": ("high", "medium"),
    "N": ("medium", "medium"),
}
STATUSES = ["stocked_out", "below_emergency", "understocked", "adequate", "overstocked", "no_consumption"]
PROBABILITIES = [0.0, 0.1, 0.3, 0.49, 0.5, 0.6, 0.79, 0.8, 0.9, 0.99, 1.0]
MONTHS_OF_STOCK = {"stocked_out": 0.0, "below_emergency": 0.3, "understocked": 1.0, "adequate": 2.0}


def expected(kind: str, ven: str | None, probability: float, learned: bool) -> str:
    ven = ven if ven in FROM_P else "E"
    level = STATE[kind][ven]
    if learned and probability >= 0.5:
        from_p = FROM_P[ven][0 if probability >= 0.8 else 1]
        level = max(level, from_p, key=RANK.get)
    return level


def grid() -> pd.DataFrame:
    """Every combination of status, VEN class (and none), P and source of P (learned or formula)."""
    rows = list(itertools.product(STATUSES, ["V", "E", "N", None], PROBABILITIES, [True, False]))
    frame = pd.DataFrame(rows, columns=["stock_status", "ven_class", "stockout_probability", "learned"])
    months = frame["stock_status"].map(MONTHS_OF_STOCK).fillna(4.0)
    amc = np.where(frame["stock_status"].eq("no_consumption"), 0.0, 100.0)
    return frame.assign(
        medicine_id=range(1, len(frame) + 1),
        establishment_id=1,
        region_id=1,
        amc=amc,
        months_of_stock=months,
        stock=months * 100,
        usable_stock=months * 100,
        expiry_at_risk=0.0,
        model_version=np.where(frame["learned"], 3.0, np.nan),
    )


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_no_alert_level_contradicts_its_kind_over_a_grid_of_states_classes_and_probabilities(cut):
    # given every status, VEN class and P, learned or from the formula
    frame = grid()
    # when the rules run
    conditions = position_conditions(frame, ScoringParams(as_of=AS_OF, probability_alert=cut))
    alerts = conditions.merge(frame, on="medicine_id", suffixes=("", "_position"))
    # then each stockout kind holds the level of the documented table
    for row in alerts.itertuples():
        assert row.level == expected(row.kind, row.ven_class, row.stockout_probability, row.learned), row
    by_kind = {kind: alerts.loc[alerts["kind"] == kind] for kind in STATE}
    assert all(len(rows) for rows in by_kind.values())
    # a high stockout probability is never low, a stockout never under high, a vital one critical
    assert by_kind["high_probability"]["level"].map(RANK).min() >= RANK["medium"]
    assert by_kind["stockout"]["level"].map(RANK).min() >= RANK["high"]
    assert set(by_kind["stockout"].loc[by_kind["stockout"]["ven_class"] == "V", "level"]) == {"critical"}
    assert (
        by_kind["below_emergency"].loc[by_kind["below_emergency"]["ven_class"] == "V", "level"].map(RANK).min()
        >= RANK["high"]
    )
    # and the high-probability alert fires from the cut, on understocked positions only
    fired = by_kind["high_probability"]
    assert set(fired["stock_status"]) == {"understocked"} and fired["stockout_probability"].min() >= cut


def test_the_level_rises_with_the_probability_the_class_and_the_state():
    # given the table's levels over the grid
    levels = {
        (kind, ven, probability): RANK[expected(kind, ven, probability, True)]
        for kind in STATE
        for ven in ("V", "E", "N")
        for probability in PROBABILITIES
    }
    for kind, ven in itertools.product(STATE, ("V", "E", "N")):
        # then the level never falls as P rises
        ranks = [levels[(kind, ven, probability)] for probability in PROBABILITIES]
        assert ranks == sorted(ranks)
    for kind, probability in itertools.product(STATE, PROBABILITIES):
        # nor from a vital to an essential to a non-essential medicine
        assert levels[(kind, "V", probability)] >= levels[(kind, "E", probability)] >= levels[(kind, "N", probability)]
    for ven, probability in itertools.product(("V", "E", "N"), PROBABILITIES):
        # nor from a stockout to the emergency point to the probability alone
        assert (
            levels[("stockout", ven, probability)]
            >= levels[("below_emergency", ven, probability)]
            >= levels[("high_probability", ven, probability)]
        )
    # and the code's table is the documented one
    for kind, ven, probability in levels:
        position = pd.DataFrame({"ven_class": [ven], "stockout_probability": [probability], "model_version": [1]})
        code = alert_level(kind, position["ven_class"], calibrated_probability(position))[0]
        assert RANK[code] == levels[(kind, ven, probability)], (kind, ven, probability)


def test_an_expired_stock_with_nothing_usable_left_takes_the_stockout_level():
    # given expired units at a vital position with nothing usable, and at one with usable stock
    frame = (
        grid()
        .head(2)
        .assign(
            stock_status=["stocked_out", "adequate"],
            ven_class="V",
            usable_stock=[0.0, 300.0],
            expired_stock=[40.0, 40.0],
            stockout_probability=0.95,
            model_version=np.nan,
        )
    )
    # when
    conditions = position_conditions(frame, ScoringParams(as_of=AS_OF))
    expired = conditions.loc[conditions["kind"] == "expired_stock"]
    # then
    assert expired["level"].tolist() == ["critical", "medium"]


@pytest.mark.django_db
def test_a_learned_probability_sets_the_level_that_the_establishment_reads_on_its_alerts_page(
    client, personas, settings
):
    settings.STOCKOUT_PROBABILITY_ALERT = 0.5
    # given a vital and an essential medicine understocked at hospital A (1.2 months of stock)
    vital = factories.MedicineFactory(inn="ADRENALINE", ven_class="V")
    essential = factories.MedicineFactory(inn="AMOXICILLINE", ven_class="E")
    for medicine in (vital, essential):
        StockLevel.objects.create(establishment=personas.hospital_a, medicine=medicine, quantity=120)
        for month in ("2026-04-01", "2026-05-01", "2026-06-01"):
            ConsumptionMonth.objects.create(
                establishment=personas.hospital_a, medicine=medicine, month=month, issued=100
            )
    # and a learned model that gives the vital one P = 0.85 and the essential one P = 0.6
    learned = pd.DataFrame(
        {
            "establishment_id": personas.hospital_a.pk,
            "medicine_id": [vital.pk, essential.pk],
            "learned_probability": [0.85, 0.6],
            "forecast_1": 100.0,
            "forecast_2": 100.0,
            "forecast_3": 100.0,
            "model_version": 5,
        }
    )
    run = ScoringRun.objects.create(as_of=AS_OF, status="running")
    params = inputs.scoring_params(as_of=AS_OF)
    data = inputs.position_inputs(as_of=AS_OF, establishment_ids=[personas.hospital_a.pk], months=params.months)
    scored = scoring.score_positions(
        data.positions, data.lots, data.consumption, inputs.medicines_frame(), params, learned=learned
    )
    # when the scores are stored and published (the alert sync reads them back)
    scores.positions_store(run=run, scored=scored)
    scores.scoring_run_publish(run_id=run.pk)
    # then the alerts take their level from P and the VEN class
    levels = dict(Alert.objects.filter(kind=AlertKind.HIGH_PROBABILITY).values_list("medicine__inn", "level"))
    assert levels == {"ADRENALINE": "critical", "AMOXICILLINE": "medium"}
    # and the pharmacist's alerts page says so, never "Faible"
    client.force_login(personas.hospital_a_user)
    page = client.get(reverse("shortages:alert_list")).content.decode()
    table = page.split('data-testid="alert-table"')[1].split("</table>")[0]
    rows = {inn: [row for row in table.split("<tr>") if inn in row] for inn in ("ADRENALINE", "AMOXICILLINE")}
    assert len(rows["ADRENALINE"]) == len(rows["AMOXICILLINE"]) == 1
    assert "Critique" in rows["ADRENALINE"][0] and "Moyen" in rows["AMOXICILLINE"][0]
    assert "Probabilité de rupture élevée" in rows["ADRENALINE"][0] and "Faible" not in table
