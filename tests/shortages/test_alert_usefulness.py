"""Measured usefulness: each position alert kind's rule replayed on the walk-forward's position-months
(per 1,000 positions, precision, recall), stored with the backtest, printed by ``manage.py backtest``
and said on the alert pages."""

from __future__ import annotations

import datetime as dt
import html
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.urls import reverse

from shortages.choices import AlertKind, AlertStatus, RiskLevel
from shortages.models import Alert, BacktestReport
from shortages.scoring import ScoringParams
from shortages.scoring.alert_replay import alert_kind_report
from stock.services.history_load import history_file_load
from tests import factories
from tests.shortages.conftest import AS_OF
from tests.shortages.prediction_world import synthetic_history

LABELS = {"stockout": "Rupture", "below_emergency": "Urgence", "high_probability": "Probabilité"}
SENTENCE = "Par le passé, {} des alertes de ce type ont été suivies d'une rupture dans l'horizon."


def replay_rows() -> pd.DataFrame:
    """Month-end rows of a walk-forward, each commented with what the rules make of it (hospital:
    emergency point 0.5 month, minimum 1.5; warehouse: emergency point 1 month)."""
    rows = [
        # level, months of stock, stocked out now, P, stocked out within the horizon, observed, scored
        ("hospital", 0.0, True, 0.95, True, True, True),  # stockout, followed
        ("hospital", 0.0, True, 0.40, False, True, True),  # stockout, not followed
        ("hospital", 0.3, False, 0.80, True, True, True),  # below the emergency point, followed
        ("hospital", 0.4, False, 0.90, False, True, True),  # below the emergency point (not "high P")
        ("warehouse", 0.8, False, 0.70, True, True, True),  # below the warehouse's emergency point
        ("hospital", 1.0, False, 0.70, True, True, True),  # understocked, P over the cut, followed
        ("hospital", 1.2, False, 0.60, False, True, True),  # understocked, P over the cut
        ("hospital", 1.4, False, 0.30, True, True, True),  # understocked under the cut: a stockout missed
        ("hospital", 2.0, False, 0.90, True, True, True),  # adequate: no alert, a stockout missed
        ("hospital", np.nan, False, 0.90, False, True, True),  # no closing count: no alert
        ("hospital", 1.0, False, 0.90, True, False, True),  # outcome not observed: left out
        ("hospital", 1.0, False, 0.90, True, True, False),  # no recent demand: left out
    ]
    frame = pd.DataFrame(
        rows, columns=["level", "months_of_stock", "stocked_out_now", "p", "label", "observed", "scored"]
    )
    return frame.assign(consumption_3=50.0)


def test_each_kind_is_replayed_with_the_live_rules_on_a_hand_made_walk_forward():
    # given ten observed, scored position-months with six stockouts after them
    rows = replay_rows()
    # when the rules are replayed at the cut of 0.5
    report = alert_kind_report(rows, params=ScoringParams(as_of=AS_OF, probability_alert=0.5), labels=LABELS)
    # then
    figures = {name: (f["alerts"], f["hits"], f["positions"], f["stockouts"]) for name, f in report.items()}
    assert figures == {"Rupture": (2, 1, 10, 6), "Urgence": (3, 2, 10, 6), "Probabilité": (2, 1, 10, 6)}
    assert report["Urgence"]["kind"] == "below_emergency"
    assert math.isclose(report["Urgence"]["per_thousand"], 300.0)
    assert math.isclose(report["Urgence"]["precision"], 2 / 3) and math.isclose(report["Urgence"]["recall"], 2 / 6)
    # and a higher cut keeps the understocked position at P 0.7 only
    higher = alert_kind_report(rows, params=ScoringParams(as_of=AS_OF, probability_alert=0.65), labels=LABELS)
    assert (higher["Probabilité"]["alerts"], higher["Probabilité"]["precision"]) == (1, 1.0)
    assert higher["Rupture"] == report["Rupture"]


def test_a_kind_that_never_fires_has_no_precision():
    rows = replay_rows().assign(stocked_out_now=False, months_of_stock=2.5)
    report = alert_kind_report(rows, params=ScoringParams(as_of=AS_OF, probability_alert=0.5), labels=LABELS)
    assert report["Rupture"]["alerts"] == 0 and math.isnan(report["Rupture"]["precision"])
    assert report["Rupture"]["recall"] == 0.0


@pytest.fixture
def history(tmp_path: Path, db) -> Path:
    path = tmp_path / "history.csv"
    synthetic_history(sites=8, products=3, months=30).to_csv(path, index=False)
    history_file_load(path=path, mapping="lmis-civ")
    return path


@pytest.mark.slow
def test_the_backtest_stores_and_prints_each_kind_as_its_predictions_count_it(history, tmp_path, settings):
    settings.STOCKOUT_PROBABILITY_ALERT = 0.5
    # when the history is walked forward
    out, predictions = io.StringIO(), tmp_path / "predictions.csv"
    call_command("backtest", "--from", "2018-01", "--predictions", str(predictions), stdout=out)
    # then the stored report holds the three stockout kinds by their French label
    report = BacktestReport.objects.get().report["alert_kinds"]
    assert set(report) == {"Rupture de stock", "Sous le seuil d'urgence", "Probabilité de rupture élevée"}
    # and the stockout kind counts what the predictions file says: the rows stocked out at the month end
    table = pd.read_csv(predictions)
    judged = table.loc[(table["scored"] == 1) & (table["observed"] == 1)]
    out_now = judged.loc[judged["stocked_out_now"] == 1]
    stockout = report["Rupture de stock"]
    assert (stockout["positions"], stockout["stockouts"]) == (len(judged), int(judged["label"].sum()))
    assert (stockout["alerts"], stockout["hits"]) == (len(out_now), int(out_now["label"].sum())) and len(out_now)
    # the high-probability alert never fires above the minimum nor under the cut
    flagged = judged.loc[(judged["stocked_out_now"] == 0) & (judged["p"] >= 0.5) & (judged["months_of_stock"] < 1.5)]
    flagged = flagged.loc[flagged["months_of_stock"] >= 0.5]
    assert report["Probabilité de rupture élevée"]["alerts"] == len(flagged)
    # and the command prints them
    text = out.getvalue()
    assert "Alertes par type (rejouées)" in text
    line = next(line for line in text.splitlines() if line.strip().startswith("Rupture de stock"))
    assert f"{stockout['precision']:.3f}" in line and f"{stockout['recall']:.3f}" in line


def backtest(horizon: int, created: dt.datetime, kinds: dict[str, tuple[int, int]]) -> BacktestReport:
    """A stored backtest whose replayed kinds fired ``alerts`` times, ``hits`` of them followed."""
    report = {
        str(AlertKind(kind).label): {"kind": kind, "alerts": alerts, "hits": hits, "positions": 1000}
        for kind, (alerts, hits) in kinds.items()
    }
    row = BacktestReport.objects.create(
        horizon_months=horizon,
        first_month=dt.date(2025, 1, 1),
        last_month=dt.date(2025, 12, 1),
        rows=1000,
        report={"alert_kinds": report},
    )
    BacktestReport.objects.filter(pk=row.pk).update(created_at=created)
    return row


def page_text(client, user, name: str, args=None) -> str:
    client.force_login(user)
    page = client.get(reverse(name, args=args or [])).content.decode()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.django_db
def test_the_alert_pages_say_how_often_the_kind_was_followed_by_a_stockout(client, personas):
    # given a stockout alert at hospital A, and no backtest yet
    medicine = factories.MedicineFactory(inn="AMOXICILLINE", ven_class="E")
    alert = Alert.objects.create(
        kind=AlertKind.STOCKOUT,
        level=RiskLevel.HIGH,
        status=AlertStatus.OPEN,
        medicine=medicine,
        establishment=personas.hospital_a,
        region=personas.hospital_a.region,
        value={"usable_stock": 0},
    )
    # then the pages say nothing of the past
    assert "Par le passé" not in page_text(client, personas.hospital_a_user, "shortages:alert_detail", [alert.pk])
    assert "Par le passé" not in page_text(client, personas.hospital_a_user, "shortages:alert_list")
    # when backtests are stored: an older one and the latest of two horizons
    now = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    backtest(2, now - dt.timedelta(days=40), {"stockout": (100, 90)})
    backtest(2, now, {"stockout": (30, 12), "high_probability": (50, 10), "below_emergency": (0, 0)})
    backtest(3, now, {"stockout": (10, 2)})
    # then the alert's page pools the latest of each horizon: 14 of 40 stockout alerts followed
    detail = page_text(client, personas.hospital_a_user, "shortages:alert_detail", [alert.pk])
    assert SENTENCE.format("35 %") in detail and "40 alertes" in detail
    # and the alerts list's legend gives every kind that fired, by its French name
    listing = page_text(client, personas.hospital_a_user, "shortages:alert_list")
    legend = listing[listing.index("Ce que chaque type d'alerte a annoncé") :]
    assert f"Rupture de stock — {SENTENCE.format('35 %')}" in legend
    assert f"Probabilité de rupture élevée — {SENTENCE.format('20 %')}" in legend
    assert "Sous le seuil d'urgence —" not in legend
