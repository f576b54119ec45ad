"""Regional roll-ups: a medicine in a region raises one alert when a threshold share of its positions
there is stocked out or below the emergency point (settings), with the calibrated probability as a
third condition once a cut is set; it closes like any alert."""

from __future__ import annotations

import pandas as pd
import pytest
from django.test import override_settings
from django.urls import reverse

from shortages.choices import AlertKind, AlertStatus
from shortages.models import Alert, RiskScore
from shortages.scoring.alerts import rollup_counted
from shortages.scoring.sums import position_sums, regional_rollups
from shortages.services import scores
from stock.models import StockLevel
from tests.shortages.conftest import AS_OF
from tests.shortages.routing_world import build_routing_world


def positions(*rows: tuple[int, int, str, float, str]) -> pd.DataFrame:
    """Positions from rows of (medicine id, region id, status, P, VEN class)."""
    frame = pd.DataFrame(
        rows, columns=["medicine_id", "region_id", "stock_status", "stockout_probability", "ven_class"]
    )
    return frame.assign(
        establishment_id=range(1, len(frame) + 1), usable_stock=0.0, amc=100.0, in_transit=0.0, horizon_months=2.0
    )


def regional_conditions(
    frame: pd.DataFrame, *, share: float, min_positions: int, probability_cut: float | None = None
) -> pd.DataFrame:
    """The roll-ups a publication raises for these positions: summed, then the rule."""
    vital = frame.loc[frame["ven_class"].eq("V"), "medicine_id"]
    sums = position_sums(frame, probability_cut=probability_cut)
    return regional_rollups(sums, vital=vital, share=share, min_positions=min_positions)


def test_a_region_raises_when_the_share_and_the_count_reach_the_thresholds():
    # given medicine 1: 3 of 10 positions out in region 1, 2 of 4 in region 2; medicine 2: 3 of 4 in
    # region 1 and vital
    frame = positions(
        *[(1, 1, "stocked_out", 1.0, "E")] * 2,
        (1, 1, "below_emergency", 0.9, "E"),
        *[(1, 1, "adequate", 0.1, "E")] * 7,
        *[(1, 2, "stocked_out", 1.0, "E")] * 2,
        *[(1, 2, "understocked", 0.95, "E")] * 2,
        *[(2, 1, "stocked_out", 1.0, "V")] * 3,
        (2, 1, "adequate", 0.0, "V"),
    )
    # when
    raised = regional_conditions(frame, share=0.2, min_positions=3)
    # then: medicine 1 in region 1 (30 %, 3 positions); not in region 2 (50 % but 2 positions);
    # medicine 2 in region 1 (75 %, vital, over twice the share: critical)
    rows = {
        (row.medicine_id, row.region_id): (row.level, round(row.value, 2), row.positions, row.at_risk)
        for row in raised.itertuples()
    }
    assert rows == {(1, 1): ("medium", 0.3, 10, 3), (2, 1): ("critical", 0.75, 4, 3)}
    assert set(raised["kind"]) == {"regional_stockout"} and raised["establishment_id"].isna().all()
    # and a higher share keeps only the severe one
    assert set(regional_conditions(frame, share=0.5, min_positions=3)["medicine_id"]) == {2}


def test_the_probability_is_a_third_condition_once_a_cut_is_set():
    # given 1 stocked out and 3 understocked positions at P 0.95 in a region
    frame = positions((1, 1, "stocked_out", 1.0, "E"), *[(1, 1, "understocked", 0.95, "E")] * 3)
    # when no cut is set, only statuses count
    counted = rollup_counted(frame)
    assert counted["counted_by_status"].tolist() == [True, False, False, False]
    assert not counted["counted_by_probability"].any()
    assert regional_conditions(frame, share=0.2, min_positions=3).empty
    # when a cut of 0.9 is set, a P the analytical formula gave (no model) still does not count
    assert not rollup_counted(frame, probability_cut=0.9)["counted_by_probability"].any()
    # and a learned (calibrated) P counts: the understocked positions count by their probability
    learned = frame.assign(model_version=3)
    counted = rollup_counted(learned, probability_cut=0.9)
    assert counted["counted"].all() and counted["counted_by_probability"].sum() == 4
    raised = regional_conditions(learned, share=0.2, min_positions=3, probability_cut=0.9)
    assert raised[["positions", "at_risk"]].values.tolist() == [[4, 4]]


@pytest.mark.django_db
def test_the_thresholds_come_from_the_settings(personas):
    # given three of four positions of region 01 stocked out (75 %)
    with override_settings(ALERT_ROLLUP_SHARE=0.8):
        build_routing_world(personas)
    # then under an 80 % threshold there is no roll-up
    assert not Alert.objects.filter(kind=AlertKind.REGIONAL_STOCKOUT).exists()
    with override_settings(ALERT_ROLLUP_MIN_POSITIONS=4):
        scores.scoring_run_execute(as_of=AS_OF)
    assert not Alert.objects.filter(kind=AlertKind.REGIONAL_STOCKOUT).exists()
    # and the defaults (20 %, 3 positions) raise it
    scores.scoring_run_execute(as_of=AS_OF)
    assert Alert.objects.filter(kind=AlertKind.REGIONAL_STOCKOUT, region=personas.hospital_a.region).count() == 1


@pytest.mark.django_db
def test_a_roll_up_follows_its_region_and_closes_after_two_clear_runs(personas):
    # given the roll-up of region 01 (hospitals A, C, D stocked out of 4 positions)
    world = build_routing_world(personas)
    rollup = Alert.objects.get(kind=AlertKind.REGIONAL_STOCKOUT)
    # when a fourth position runs out: same key, the counts follow, no second alert
    StockLevel.objects.filter(establishment=world.health_centre).update(quantity=0)
    scores.scoring_run_execute(as_of=AS_OF)
    rollup.refresh_from_db()
    assert Alert.objects.filter(kind=AlertKind.REGIONAL_STOCKOUT).count() == 1
    assert rollup.status == AlertStatus.OPEN
    assert rollup.value == {"share_at_risk": 1.0, "positions": 4, "at_risk": 4}
    # when stock comes back everywhere in the region: two clear runs close it
    StockLevel.objects.filter(establishment__region=personas.hospital_a.region).update(quantity=250)
    scores.scoring_run_execute(as_of=AS_OF)
    rollup.refresh_from_db()
    assert rollup.status == AlertStatus.OPEN and rollup.clear_runs == 1
    scores.scoring_run_execute(as_of=AS_OF)
    rollup.refresh_from_db()
    assert rollup.status == AlertStatus.CLOSED


@pytest.mark.django_db
def test_the_roll_up_page_lists_a_position_counted_by_a_learned_probability_only(client, personas, settings):
    # given the roll-up of region 01 (hospitals A, C, D stocked out) and the well-stocked centre E,
    # whose probability the analytical formula put at 0.7
    settings.ALERT_ROLLUP_PROBABILITY_CUT = 0.5
    world = build_routing_world(personas)
    rollup = Alert.objects.get(kind=AlertKind.REGIONAL_STOCKOUT, region=personas.hospital_a.region)
    centre = RiskScore.objects.get(establishment=world.health_centre, medicine=world.medicine)
    RiskScore.objects.filter(pk=centre.pk).update(stockout_probability=0.7)
    client.force_login(personas.analyst)

    def listed() -> str:
        page = client.get(reverse("shortages:alert_detail", args=[rollup.pk])).content.decode()
        return page.split('data-testid="rollup-positions"')[1].split("</table>")[0]

    # then the formula's figure does not count it
    assert "Centre E" not in listed() and "Hôpital D" in listed()
    # when a learned model gave that probability
    RiskScore.objects.filter(pk=centre.pk).update(model_version=2)
    # then the page lists it with its probability, as the rule counts it
    table = listed()
    assert "Centre E" in table and "70 %" in table


def test_the_roll_up_figure_names_the_probability_rule_when_it_counts(personas, settings):
    from django.utils import translation

    from shortages.templatetags.alert_text import alert_figure_text

    alert = Alert(kind=AlertKind.REGIONAL_STOCKOUT, value={"share_at_risk": 0.75, "positions": 4, "at_risk": 3})
    with translation.override("fr"):
        settings.ALERT_ROLLUP_PROBABILITY_CUT = None
        assert alert_figure_text(alert) == (
            "75 % des positions de la région en rupture ou sous le seuil d'urgence (3 sur 4)."
        )
        settings.ALERT_ROLLUP_PROBABILITY_CUT = 0.5
        assert alert_figure_text(alert) == (
            "75 % des positions de la région en rupture, sous le seuil d'urgence ou à une probabilité de "
            "rupture d'au moins 50 % (modèle appris) (3 sur 4)."
        )
