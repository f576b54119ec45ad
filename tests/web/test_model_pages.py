"""The learned prediction's pages: the analysts' model page (active model, stored models, latest
backtest, activation and roll-back), what a probability has meant so far wherever it is shown, and
one position's probability explained by the model's own contributions."""

from __future__ import annotations

import datetime as dt
import html
import re

import numpy as np
import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from shortages.choices import AlertKind, AlertStatus, RiskLevel
from shortages.explain_features import FEATURE_LABELS
from shortages.models import Alert, PositionSums, RiskScore
from shortages.models.learning import ModelStatus
from shortages.scoring import learned
from shortages.scoring.features import FEATURES
from shortages.scoring.stockouts import complete_months
from shortages.selectors_pages.position import position_explanation_get
from shortages.selectors_pages.prediction import Reliability, ReliabilityBin, backtest_view
from shortages.services import learning, scores
from shortages.templatetags.prediction_text import probability_meaning_text, share_text
from stock.models import AuditEntry, ConsumptionMonth, StockLevel
from tests import factories

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)
MONTHS = 24
SITES = 10
MEDICINES = 3
FIRST_MONTH = dt.date(2024, 7, 1)


def _history(seed: int = 3) -> pd.DataFrame:
    """Monthly reports of ``SITES`` x ``MEDICINES`` hospital positions: each orders up to three months
    of demand, deliveries of a medicine stop now and then, so that some months end stocked out."""
    rng = np.random.default_rng(seed)
    breaks = rng.random((MEDICINES, MONTHS)) < 0.15
    rows = []
    for site in range(SITES):
        for medicine in range(MEDICINES):
            rate = float(rng.uniform(5, 60))
            stock, ordered = int(rate * 2), 0
            for step in range(MONTHS):
                received = 0 if breaks[medicine, step] else int(ordered * rng.uniform(0.5, 1.1))
                demand = int(rng.poisson(rate))
                issued = min(stock + received, demand)
                stock = stock + received - issued
                ordered = max(0, int(2.5 * rate) - stock)
                month = (pd.Timestamp(FIRST_MONTH) + pd.DateOffset(months=step)).date()
                days = int(rng.integers(3, 15)) if issued < demand and rng.random() < 0.4 else 0
                rows.append((site, medicine, month, issued, received, days, stock))
    return pd.DataFrame(
        rows, columns=["site", "medicine", "month", "issued", "received", "stockout_days", "closing_balance"]
    )


@pytest.fixture(scope="module")
def trained() -> learned.LearnedModel:
    """One model trained on the synthetic history as the scoring's grid, once per module. One
    thread: on a few hundred rows a second thread only waits for the first (about 40 times slower
    on a busy two-core machine); the model is deterministic for a seed and a thread count."""
    threads, learned.THREADS = learned.THREADS, 1
    try:
        return _trained()
    finally:
        learned.THREADS = threads


def _trained() -> learned.LearnedModel:
    history = _history()
    grid = complete_months(
        history.rename(columns={"site": "establishment_id", "medicine": "medicine_id"}).assign(
            month=lambda frame: pd.to_datetime(frame["month"]),
            reported=True,
            opening=np.nan,
            ordered=np.nan,
            **{
                column: lambda frame, column=column: frame[column].astype("float64")
                for column in ("issued", "received", "stockout_days", "closing_balance")
            },
        )
    )
    grid["level"] = "hospital"
    grid["province_id"] = grid["establishment_id"] % 2
    panel = learned.build_panel(grid, horizon=2)
    return learned.model_train(panel, until=pd.Timestamp(AS_OF), seed=7)


def _world(personas):
    """The synthetic history in the database: hospital A and nine other hospitals, three medicines,
    their stock today = June's closing count."""
    sites = [personas.hospital_a] + [
        factories.EstablishmentFactory(region=personas.hospital_a.region) for _ in range(SITES - 1)
    ]
    medicines = [factories.MedicineFactory() for _ in range(MEDICINES)]
    history = _history()
    ConsumptionMonth.objects.bulk_create(
        ConsumptionMonth(
            establishment=sites[row.site],
            medicine=medicines[row.medicine],
            month=row.month,
            issued=row.issued,
            received=row.received,
            stockout_days=row.stockout_days,
            closing_balance=row.closing_balance,
        )
        for row in history.itertuples()
    )
    last = history.loc[history["month"] == history["month"].max()]
    StockLevel.objects.bulk_create(
        StockLevel(
            establishment=sites[row.site], medicine=medicines[row.medicine], quantity=row.closing_balance, in_transit=0
        )
        for row in last.itertuples()
    )
    return sites, medicines


def _reliability_rows(shift: float = 0.04, empty_bin: int | None = None) -> list[dict]:
    """Ten bins whose observed rate is ``low`` + ``shift`` (so each bin says which one it is)."""
    rows = []
    for tenth in range(10):
        low, high = tenth / 10, (tenth + 1) / 10
        empty = tenth == empty_bin
        rows.append(
            {
                "low": low,
                "high": high,
                "positions": 0 if empty else 100 + tenth,
                "mean_probability": None if empty else low + 0.05,
                "observed": None if empty else round(low + shift, 4),
            }
        )
    return rows


def _population(rows: int, auc: float, shift: float) -> dict:
    return {
        "rows": rows,
        "stockouts": rows // 10,
        "base_rate": 0.1,
        "auc": auc,
        "auc_formula": 0.7012,
        "auc_months_of_stock": 0.6543,
        "ece": 0.0214,
        "ece_formula": 0.1834,
        "brier": 0.0712,
        "brier_skill": 0.1523,
        "brier_skill_formula": -0.5,
        "cut": 0.9,
        "flagged": 321,
        "precision_at_cut": 0.4567,
        "recall_at_cut": 0.2345,
        "rule_precision": 0.3,
        "rule_recall": 0.2,
        "recall_at_rule_precision": 0.41,
        "cut_at_rule_precision": 0.33,
        "reliability": _reliability_rows(shift),
    }


def _store_backtest(model_row=None, *, horizon: int = 2):
    report = {
        "A": _population(4321, 0.8123, 0.02),
        "C": _population(5432, 0.8456, 0.04),
        "forecast": {
            "origins": [{"origin": "2026-03-01", "series": 28, "mase_forecast": 0.71, "mase_moving_average": 1.02}],
            "series": 28,
            "mase_forecast": 0.71,
            "mase_moving_average": 1.02,
            "ratio": 0.696,
            "mase_hindsight_best": 0.64,
            "hindsight_ratio": 0.627,
        },
        "months": ["2025-07", "2025-08", "2025-09"],
        "levels": ["hospital", "primary"],
        "seed": 7,
    }
    return learning.backtest_store(
        model=model_row, horizon=horizon, months=["2025-07-01", "2025-09-01"], rows=6000, report=report
    )


def _page(client, user, name="shortages:prediction_model", args=None):
    client.force_login(user)
    with translation.override("fr"):
        return client.get(reverse(name, args=args or []))


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


# The model page ----------------------------------------------------------------------------------


def test_an_analyst_reads_the_active_model_and_the_latest_backtest(client, personas, trained):
    # given a stored, active model and a stored backtest
    row = learning._store(trained, sample_share=0.5, activate=True)
    _store_backtest(row)
    # when
    response = _page(client, personas.analyst)
    # then the active model is described in French, with its figures in French formats
    assert response.status_code == 200
    text = _text(response)
    assert f"Modèle v{row.version} — horizon de 2 mois" in text
    assert "résultats de " in text and "juin 2026" in text
    assert "50 %" in text  # the share of positions drawn
    assert "lightgbm " in text and "numpy " in text
    assert "mois de stock" in text and "part des établissements en rupture de ce médicament dans le pays" in text
    assert "apprentissage automatique" in text  # activated by the training, not by a person
    # and the backtest's figures of both populations, with how many position-months they rest on
    assert "4 321" in text and "5 432" in text
    assert "0,812" in text and "0,846" in text  # AUC of A and C
    assert "45,7 %" in text and "23,5 %" in text  # precision and recall at the alert cut
    assert "41,0 %" in text  # recall at the naive rule's precision
    assert "0,152" in text and "0,071" in text  # Brier skill and score
    assert "MASE moyen de la prévision : 0,71, contre 1,02" in text
    assert "la meilleure des deux, une fois les mois connus : 0,64 (rapport 0,63)" in text
    # and one reliability diagram per population, drawn on the server
    content = response.content.decode()
    assert content.count('<svg class="chart"') == 2
    assert "Fiabilité de la probabilité, population A" in content
    assert "<script" not in content.split("</header>", 1)[-1].split("<footer", 1)[0]


def test_a_backtest_stored_before_the_hindsight_figure_leaves_its_sentence_out():
    # given a stored backtest with the hindsight figure, and the same report without it
    stored = _store_backtest()
    with translation.override("fr"):
        with_it = backtest_view(stored).mase
        stored.report["forecast"] = {
            key: value
            for key, value in stored.report["forecast"].items()
            if not key.startswith(("mase_hindsight", "hindsight"))
        }
        without = backtest_view(stored).mase
    # then the page's figure is there only when the report holds it
    assert (with_it["hindsight_best"], with_it["hindsight_ratio"]) == ("0,64", "0,63")
    assert without["hindsight_best"] == ""


def test_the_page_says_when_no_model_and_no_backtest_exist(client, personas):
    # when
    text = _text(_page(client, personas.analyst))
    # then
    assert "Aucun modèle actif : la formule analytique donne toutes les probabilités de rupture." in text
    assert "Aucun bilan enregistré" in text


@pytest.mark.parametrize("persona", ["hospital_a_user", "association_user", "no_role_user"])
def test_the_model_page_is_for_analysts_only(client, personas, persona):
    assert _page(client, getattr(personas, persona)).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get(reverse("shortages:prediction_model"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_model_page_reads_a_fixed_number_of_queries(client, personas, trained, django_assert_num_queries):
    # given one model and one backtest, measured; then more of each
    client.force_login(personas.analyst)
    url = reverse("shortages:prediction_model")
    first = learning._store(trained, sample_share=1.0, activate=True)
    _store_backtest(first)
    client.get(url)
    for _ in range(3):
        learning._store(trained, sample_share=1.0, activate=True)
    _store_backtest(first)
    _store_backtest(first, horizon=3)
    # when / then: session, user, the analyst's area, active models, stored models, backtests, the
    # latest scoring day (none here: nothing more to count)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200


# Activation and roll-back ------------------------------------------------------------------------


def test_an_analyst_rolls_back_then_activates_again_and_both_are_in_the_journal(client, personas, trained):
    # given v1 then v2, each activated by the training
    first = learning._store(trained, sample_share=1.0, activate=True)
    second = learning._store(trained, sample_share=1.0, activate=True)
    client.force_login(personas.analyst)
    # when the analyst rolls back
    response = client.post(reverse("shortages:prediction_model_rollback", args=[2]))
    # then v1 is active again, by the analyst's hand
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (ModelStatus.ACTIVE, ModelStatus.RETIRED)
    assert first.activated_by == personas.analyst
    # when the analyst activates v2 from the list
    response = client.post(reverse("shortages:prediction_model_activate", args=[second.pk]))
    # then
    assert response.status_code == 302
    assert learning.active_models()[2].version == second.version
    entries = list(AuditEntry.objects.filter(object_type="shortages.predictionmodel").order_by("pk"))
    assert [(e.action, e.object_id, e.actor) for e in entries] == [
        ("rollback", str(first.pk), personas.analyst),
        ("activate", str(second.pk), personas.analyst),
    ]
    assert entries[1].changes["status"] == ["retired", "active"]
    assert entries[1].changes["replaced"] == first.version
    # and the journal names them in French
    journal = _text(_page(client, personas.analyst, "stock:audit_list"))
    assert "Retour au modèle précédent" in journal and "Activation" in journal and "Modèle de prévision" in journal


def test_a_roll_back_without_an_earlier_model_is_refused_with_a_message(client, personas, trained):
    # given a single model
    only = learning._store(trained, sample_share=1.0, activate=True)
    client.force_login(personas.analyst)
    # when
    response = client.post(reverse("shortages:prediction_model_rollback", args=[2]), follow=True)
    # then nothing changed, and the page says why
    only.refresh_from_db()
    assert only.status == ModelStatus.ACTIVE
    assert "Aucun modèle antérieur n'a été actif pour un horizon de 2 mois." in _text(response)
    assert not AuditEntry.objects.filter(object_type="shortages.predictionmodel").exists()


def test_activating_the_active_model_again_is_refused_with_a_message(client, personas, trained):
    # given
    row = learning._store(trained, sample_share=1.0, activate=True)
    activated_at = row.activated_at
    client.force_login(personas.analyst)
    # when
    response = client.post(reverse("shortages:prediction_model_activate", args=[row.pk]), follow=True)
    # then
    row.refresh_from_db()
    assert row.activated_at == activated_at and row.activated_by is None
    assert f"Le modèle v{row.version} est déjà actif." in _text(response)


def test_activating_an_unknown_model_answers_404(client, personas):
    client.force_login(personas.analyst)
    assert client.post(reverse("shortages:prediction_model_activate", args=[999])).status_code == 404


def test_choosing_the_model_needs_a_post(client, personas, trained):
    row = learning._store(trained, sample_share=1.0, activate=False)
    client.force_login(personas.analyst)
    assert client.get(reverse("shortages:prediction_model_activate", args=[row.pk])).status_code == 405


@pytest.mark.parametrize("persona", ["hospital_a_user", "association_user", "regional"])
def test_only_a_national_analyst_chooses_the_model(client, personas, trained, persona):
    # given v1 retired and v2 active
    first = learning._store(trained, sample_share=1.0, activate=True)
    second = learning._store(trained, sample_share=1.0, activate=True)
    if persona == "regional":
        user = factories.UserFactory(username="regional", roles=["analyst"])
        personas.hospital_a.region.analysts.add(user)
    else:
        user = getattr(personas, persona)
    client.force_login(user)
    # when
    activate = client.post(reverse("shortages:prediction_model_activate", args=[first.pk]))
    rollback = client.post(reverse("shortages:prediction_model_rollback", args=[2]))
    # then
    assert (activate.status_code, rollback.status_code) == (403, 403)
    assert learning.active_models()[2].pk == second.pk
    assert not AuditEntry.objects.filter(object_type="shortages.predictionmodel").exists()
    # and the refusal page says why: the role's pages are closed to others, the choice is the
    # national analysts' (the service's reason, not the generic text of a closed page)
    page = activate.content.decode()
    if persona == "regional":
        assert "Seul un analyste national choisit le modèle de prévision." in page
        assert "pas ouverte à votre rôle" not in page
    else:
        assert "pas ouverte à votre rôle" in page


# What P has meant so far -------------------------------------------------------------------------


def _reliability(shift: float = 0.04, empty_bin: int | None = None) -> Reliability:
    bins = [ReliabilityBin.from_report(row) for row in _reliability_rows(shift, empty_bin)]
    return Reliability(by_level={"hospital": bins})


@pytest.mark.parametrize(
    ("probability", "expected"),
    [
        (0.35, "Parmi les positions auxquelles le modèle donnait 30 à 40 %, 34 % ont connu une rupture."),
        (0.3, "Parmi les positions auxquelles le modèle donnait 30 à 40 %, 34 % ont connu une rupture."),
        (0.2949, "Parmi les positions auxquelles le modèle donnait 20 à 30 %, 24 % ont connu une rupture."),
        # shown "30 %": the band the reader sees it in (shortages.selectors_pages.prediction.shown_percent)
        (0.2999, "Parmi les positions auxquelles le modèle donnait 30 à 40 %, 34 % ont connu une rupture."),
        # a share under 10 % to the tenth
        (0.0, "Parmi les positions auxquelles le modèle donnait 0 à 10 %, 4,0 % ont connu une rupture."),
        (1.0, "Parmi les positions auxquelles le modèle donnait 90 à 100 %, 94 % ont connu une rupture."),
    ],
)
def test_a_probability_reads_the_bin_it_falls_in(probability, expected):
    with translation.override("fr"):
        assert probability_meaning_text(_reliability(), probability, "hospital") == expected


def test_a_small_observed_share_is_not_written_as_none():
    # given the lowest tenth, whose positions stocked out 0.36 % of the time
    with translation.override("fr"):
        text = probability_meaning_text(_reliability(shift=0.0036), 0.02, "hospital")
    # then it reads "0,4 %", not "0 %"
    assert text == "Parmi les positions auxquelles le modèle donnait 0 à 10 %, 0,4 % ont connu une rupture."


def test_an_empty_bin_and_a_level_without_a_backtest_are_said_or_left_out():
    with translation.override("fr"):
        # an empty tenth is widened with its fuller neighbour (MIN_BAND_POSITIONS)
        assert probability_meaning_text(_reliability(empty_bin=5), 0.55, "hospital") == (
            "Parmi les positions auxquelles le modèle donnait 50 à 70 %, 64 % ont connu une rupture."
        )
        # a table without a single position-month says so
        empty = Reliability(
            by_level={"hospital": [ReliabilityBin(t / 10, (t + 1) / 10, 0, None, None) for t in range(10)]}
        )
        assert probability_meaning_text(empty, 0.55, "hospital") == (
            "Aucune position n'a reçu de 0 à 100 % du modèle lors du dernier bilan."
        )
        assert probability_meaning_text(_reliability(), 0.55, "warehouse") == ""
        assert probability_meaning_text(Reliability(), 0.55, "hospital") == ""


@pytest.fixture
def scored(personas, trained):
    """The synthetic world scored with the learned model active, and a backtest stored."""
    sites, medicines = _world(personas)
    row = learning._store(trained, sample_share=1.0, activate=True)
    learning.month_predictions_refresh(as_of=AS_OF)  # the worker's refresh (the runs read what it stored)
    scores.scoring_run_execute(as_of=AS_OF)
    _store_backtest(row)
    return sites, medicines, row


def _expected_sentence(probability: float) -> str:
    tenth = min(int(probability * 10), 9)
    observed = "4,0" if tenth == 0 else str(tenth * 10 + 4)  # a share under 10 % to the tenth
    return (
        f"Parmi les positions auxquelles le modèle donnait {tenth * 10} à {tenth * 10 + 10} %, "
        f"{observed} % ont connu une rupture."
    )


def test_the_establishment_page_says_which_model_spoke_and_what_its_probability_meant(client, personas, scored):
    # given
    sites, medicines, row = scored
    score = RiskScore.objects.get(establishment=sites[0], medicine=medicines[0], as_of=AS_OF)
    assert score.figures["model_version"] == row.version
    # when hospital A's user opens its stock
    text = _text(_page(client, personas.hospital_a_user, "shortages:establishment_detail", [sites[0].pk]))
    # then each probability says it came from the learned model and what such a figure has meant
    assert f"modèle appris v{row.version}" in text
    assert _expected_sentence(score.stockout_probability) in text


def test_the_medicine_page_links_each_probability_to_its_explanation(client, personas, scored):
    # given
    sites, medicines, row = scored
    # when
    response = _page(client, personas.analyst, "shortages:medicine_detail", [medicines[0].pk])
    # then
    content = response.content.decode()
    assert reverse("shortages:position_detail", args=[sites[0].pk, medicines[0].pk]) in content
    score = RiskScore.objects.filter(medicine=medicines[0], as_of=AS_OF).order_by("months_of_stock").first()
    assert _expected_sentence(score.stockout_probability) in _text(response)


def test_without_a_backtest_the_probability_only_names_its_model(client, personas, trained):
    # given a scored world without any stored backtest
    sites, _ = _world(personas)
    learning._store(trained, sample_share=1.0, activate=True)
    learning.month_predictions_refresh(as_of=AS_OF)
    scores.scoring_run_execute(as_of=AS_OF)
    # when
    text = _text(_page(client, personas.analyst, "shortages:establishment_detail", [sites[0].pk]))
    # then
    assert "modèle appris v1" in text
    assert "Parmi les positions" not in text


def test_where_the_formula_answered_the_page_says_so(client, personas):
    # given a world scored without any model
    sites, medicines = _world(personas)
    _store_backtest()
    scores.scoring_run_execute(as_of=AS_OF)
    # when
    text = _text(_page(client, personas.analyst, "shortages:position_detail", [sites[0].pk, medicines[0].pk]))
    # then: the backtest measures the model, so no sentence about what the formula's figure meant
    assert "formule analytique" in text
    assert "Parmi les positions" not in text
    assert "Aucun modèle appris ne couvre cette position" in text


def test_the_high_probability_alert_says_what_its_probability_meant(client, personas, scored):
    # given an alert of the kind on hospital A's position
    sites, medicines, row = scored
    score = RiskScore.objects.get(establishment=sites[0], medicine=medicines[0], as_of=AS_OF)
    alert = Alert.objects.create(
        kind=AlertKind.HIGH_PROBABILITY,
        level=RiskLevel.LOW,
        status=AlertStatus.OPEN,
        medicine=medicines[0],
        establishment=sites[0],
        region=sites[0].region,
        value={"stockout_probability": score.stockout_probability},
    )
    # when
    text = _text(_page(client, personas.analyst, "shortages:alert_detail", [alert.pk]))
    # then
    assert f"modèle appris v{row.version}" in text
    assert _expected_sentence(score.stockout_probability) in text


# The explanation ----------------------------------------------------------------------------------


def test_every_feature_has_a_french_phrase():
    assert set(FEATURES) <= set(FEATURE_LABELS)


def test_the_explanation_is_the_models_own_and_adds_up_to_the_stored_probability(personas, scored):
    # given
    sites, medicines, _ = scored
    score = RiskScore.objects.get(establishment=sites[0], medicine=medicines[1], as_of=AS_OF)
    # when
    explanation = position_explanation_get(score=score, level="hospital")
    # then the features recomputed for this one position give the probability the run stored
    assert explanation is not None
    assert explanation.probability == pytest.approx(score.stockout_probability, abs=1e-9)
    # and the base rate plus every feature's points is that probability
    total = explanation.base_rate * 100 + sum(item.points for item in explanation.contributions)
    assert total + explanation.other_points == pytest.approx(100 * explanation.probability, abs=1e-6)
    magnitudes = [abs(item.points) for item in explanation.contributions]
    assert len(magnitudes) == 4 and magnitudes == sorted(magnitudes, reverse=True)


def test_the_explanation_reads_the_neighbourhood_of_the_positions_level_only(personas, scored):
    # given a warehouse of the same region whose rows of the medicine all stock out, written after
    # the run (a warehouse answers to another horizon's model: its rows are not this model's)
    sites, medicines, _ = scored
    score = RiskScore.objects.get(establishment=sites[0], medicine=medicines[1], as_of=AS_OF)
    warehouse = factories.EstablishmentFactory(region=personas.hospital_a.region, level="warehouse")
    months = ConsumptionMonth.objects.filter(establishment=sites[0], medicine=medicines[1]).values_list(
        "month", flat=True
    )
    ConsumptionMonth.objects.bulk_create(
        ConsumptionMonth(
            establishment=warehouse, medicine=medicines[1], month=month, issued=50, stockout_days=20, closing_balance=0
        )
        for month in months
    )
    # when
    explanation = position_explanation_get(score=score, level="hospital")
    # then the features recomputed for the position still give the stored probability
    assert explanation is not None
    assert explanation.probability == pytest.approx(score.stockout_probability, abs=1e-9)


def test_the_position_page_explains_the_probability_in_french_words(client, personas, scored):
    # given
    sites, medicines, row = scored
    score = RiskScore.objects.get(establishment=sites[0], medicine=medicines[1], as_of=AS_OF)
    explanation = position_explanation_get(score=score, level="hospital")
    # when hospital A's user opens the position
    response = _page(client, personas.hospital_a_user, "shortages:position_detail", [sites[0].pk, medicines[1].pk])
    # then the four largest contributions are listed by their French phrase, with signed points
    assert response.status_code == 200
    text = _text(response)
    for item in explanation.contributions:
        assert str(FEATURE_LABELS[item.name]) in text
    assert re.search(r"[+−]\d+,\d points", text)
    assert f"Le modèle appris v{row.version} part de" in text
    assert _expected_sentence(score.stockout_probability) in text
    assert "Consommation prévue" in text


def test_the_position_page_reads_a_fixed_number_of_queries(client, personas, scored, django_assert_num_queries):
    # given
    sites, medicines, _ = scored
    client.force_login(personas.analyst)
    url = reverse("shortages:position_detail", args=[sites[0].pk, medicines[2].pk])
    # when / then: the page, the month whose prediction spoke (learning.prediction_month_of), and the
    # position's month-end history read once per table for its explanation (on PostgreSQL through
    # COPY, which first asks for the columns of each of the two)
    with django_assert_num_queries(16 if connection.vendor == "postgresql" else 14):
        assert "Les quatre qui pèsent le plus" in _text(client.get(url))


def test_another_establishments_position_is_not_found(client, personas, scored):
    sites, medicines, _ = scored
    response = _page(client, personas.hospital_b_user, "shortages:position_detail", [sites[0].pk, medicines[0].pk])
    assert response.status_code == 404


# Where the latest scoring day's probabilities come from ------------------------------------------


def _reach_text(response) -> str:
    content = response.content.decode()
    start = content.index('data-testid="model-reach"')
    return html.unescape(
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content[start : content.index("</section>", start)]))
    )


@pytest.fixture
def scored_with_formula(personas, trained):
    """The synthetic world scored with the learned model of the hospitals' horizon active, and two
    warehouse positions (a horizon no model covers) that the formula answers."""
    sites, medicines = _world(personas)
    warehouse = factories.EstablishmentFactory(level="warehouse", region=personas.hospital_a.region)
    StockLevel.objects.bulk_create(
        StockLevel(establishment=warehouse, medicine=medicine, quantity=40, in_transit=0) for medicine in medicines[:2]
    )
    learning._store(trained, sample_share=1.0, activate=True)
    learning.month_predictions_refresh(as_of=AS_OF)
    scores.scoring_run_execute(as_of=AS_OF)
    return sites, medicines


def test_the_model_page_counts_the_positions_the_learned_model_spoke_for(client, personas, scored_with_formula):
    # given 30 hospital positions given P by the model and 2 warehouse positions by the formula
    held = RiskScore.objects.positions().filter(as_of=AS_OF)
    assert (held.count(), held.filter(model_version__isnull=False).count()) == (32, 30)
    client.force_login(personas.analyst)
    # when
    with translation.override("fr"), CaptureQueriesContext(connection) as queries:
        text = _reach_text(client.get(reverse("shortages:prediction_model")))
    # then the page says how many of the day's positions each one spoke for, and their share
    assert "Positions évaluées par le calcul des scores du 30 juin 2026" in text
    assert "Modèle appris 30 positions (93,8 %)" in text
    assert "Formule analytique 2 positions (6,3 %)" in text
    assert "Total 32 positions" in text
    # read on the day's stored sums, not on the positions: the day, then its sums, one query each
    assert not any("model_version" in query["sql"] for query in queries.captured_queries)
    assert len(queries) == 9


def test_a_day_without_stored_sums_is_counted_on_its_positions(client, personas, scored_with_formula):
    # given the day's sums gone (a day scored before they counted the learned positions)
    PositionSums.objects.all().delete()
    client.force_login(personas.analyst)
    # when
    with translation.override("fr"), CaptureQueriesContext(connection) as queries:
        text = _reach_text(client.get(reverse("shortages:prediction_model")))
    # then the same counts, read on the positions, one query more
    assert len(queries) == 10
    assert "Modèle appris 30 positions (93,8 %)" in text and "Formule analytique 2 positions (6,3 %)" in text


def test_one_position_of_the_formula_reads_in_the_singular(client, personas, trained):
    # given a day whose only position the formula answered
    warehouse = factories.EstablishmentFactory(level="warehouse")
    StockLevel.objects.create(establishment=warehouse, medicine=factories.MedicineFactory(), quantity=5, in_transit=0)
    scores.scoring_run_execute(as_of=AS_OF)
    # when
    text = _reach_text(_page(client, personas.analyst))
    # then
    assert "Modèle appris 0 positions (0,0 %)" in text
    assert "Formule analytique 1 position (100,0 %)" in text and "Total 1 position" in text


def test_before_any_scoring_the_page_says_there_is_nothing_to_count(client, personas):
    text = _reach_text(_page(client, personas.analyst))
    assert "Aucun calcul des scores n'a encore été publié." in text


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.0, "0,0 %"),
        (13 / 26090, "moins de 0,1 %"),
        (0.0006, "0,1 %"),
        (30 / 32, "93,8 %"),
        (0.9994, "99,9 %"),
        (26077 / 26090, "plus de 99,9 %"),
        (1.0, "100,0 %"),
        (None, "—"),
    ],
)
def test_a_share_that_is_neither_none_nor_all_never_reads_as_one_of_them(share, expected):
    with translation.override("fr"):
        assert share_text(share) == expected
