"""The learned prediction in the product: a history loaded through the report import, trained by
command, task and a real worker, stored with what it learned from, used by the scoring, rolled back."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.utils import timezone

from shortages import tasks
from shortages.choices import RunStatus
from shortages.models import (
    BacktestReport,
    ModelStatus,
    PositionPrediction,
    PredictionBatch,
    PredictionModel,
    RiskScore,
    ScoringRun,
)
from shortages.selectors_pages.position import position_explanation_get
from shortages.services import learning
from stock.choices import ImportKind
from stock.models import ImportJob
from stock.services.history_load import history_file_load
from tests.shortages.prediction_world import synthetic_history

AS_OF = dt.date(2018, 6, 30)  # the synthetic history runs from 2016-01 to 2018-06


@pytest.fixture
def history(tmp_path: Path, db) -> Path:
    path = tmp_path / "history.csv"
    synthetic_history(sites=8, products=3, months=30).to_csv(path, index=False)
    result = history_file_load(path=path, mapping="lmis-civ")
    assert result.rows_written == 8 * 3 * 30 and not result.refused
    return path


def test_training_stores_an_active_model_with_what_it_learned_from(history):
    # when
    out = io.StringIO()
    call_command("train_model", until=AS_OF, seed=11, stdout=out)
    # then
    model = PredictionModel.objects.get()
    assert model.status == ModelStatus.ACTIVE and model.version == 1
    assert model.horizon_months == 2  # primary level: one month of lead time and one of review
    assert (model.first_month, model.trained_until) == (dt.date(2016, 1, 1), dt.date(2018, 6, 30))
    assert set(model.library_versions) >= {"lightgbm", "numpy", "pandas", "scipy", "python"}
    assert "months_of_stock" in model.features and model.seed == 11
    assert model.training_rows > 0 and model.calibration_rows > 0 and model.calibration[0] > 0
    assert "v1 (Actif)" in out.getvalue()


def test_the_active_models_come_without_their_boosters_until_one_is_loaded(history):
    call_command("train_model", until=AS_OF, stdout=io.StringIO())
    learning._LOADED.clear()
    # when every run asks which models are active
    row = learning.active_models()[2]
    # then the boosters' text is not read with them, and loading the model reads it then
    assert "payload" in row.get_deferred_fields()
    model = learning.loaded_model(row)
    assert model.to_payload() == json.loads(PredictionModel.objects.get(pk=row.pk).payload)


def test_a_new_training_retires_the_active_model_and_a_rollback_brings_it_back(history):
    call_command("train_model", until=AS_OF, stdout=io.StringIO())
    call_command("train_model", until=AS_OF, seed=3, stdout=io.StringIO())
    assert dict(PredictionModel.objects.values_list("version", "status")) == {
        1: ModelStatus.RETIRED,
        2: ModelStatus.ACTIVE,
    }
    call_command("train_model", rollback=2, stdout=io.StringIO())
    assert dict(PredictionModel.objects.values_list("version", "status")) == {
        1: ModelStatus.ACTIVE,
        2: ModelStatus.RETIRED,
    }
    with pytest.raises(PredictionModel.DoesNotExist):
        learning.prediction_model_rollback(horizon_months=2)


def test_scoring_takes_the_active_model_and_says_which_model_spoke(history, settings):
    settings.PREDICTIONS_COMPUTED_IN_RUNS = True  # the runs compute the month (the embedded default)
    # given a model trained on the history, and a new position with no history at all
    call_command("train_model", until=AS_OF, stdout=io.StringIO())
    version = PredictionModel.objects.get().version
    # when the day after the history is scored
    call_command("score", as_of=AS_OF, stdout=io.StringIO())
    # then the positions with demand get the learned probability, and keep the formula's beside it
    scores = [(row.figures, row.stockout_probability) for row in RiskScore.objects.positions().published_on(AS_OF)]
    learned = [(figures, p) for figures, p in scores if figures["model_version"] == version]
    assert len(learned) >= len(scores) // 2
    assert all(0 <= p <= 1 for _, p in learned)
    assert any(p != figures["formula_probability"] for figures, p in learned)
    assert all(figures["forecast_1"] is not None for figures, _ in learned)


def test_a_month_is_predicted_once_per_model_and_again_after_a_report_import(
    history, django_assert_max_num_queries, settings
):
    settings.PREDICTIONS_COMPUTED_IN_RUNS = True  # the runs compute the month (the embedded default)
    # given an active model, and the month-end predictions a first scoring computed and stored
    call_command("train_model", until=AS_OF, stdout=io.StringIO())
    model = PredictionModel.objects.get()
    month = learning.last_complete_month(AS_OF)
    call_command("score", as_of=AS_OF, stdout=io.StringIO())
    stored = dict(
        PositionPrediction.objects.filter(month=month.date(), model_version=model.version)
        .values_list("establishment_id", "probability")
        .order_by("establishment_id", "medicine_id")[:1]
    )
    batch = PredictionBatch.objects.get(month=month.date(), model_version=model.version)
    assert batch.positions == PositionPrediction.objects.count() > 0
    # then a position's P is the stored prediction of its month end
    score = (
        RiskScore.objects.positions()
        .published_on(AS_OF)
        .get(
            establishment_id=next(iter(stored)),
            medicine_id=PositionPrediction.objects.order_by("establishment_id", "medicine_id").first().medicine_id,
        )
    )
    assert score.stockout_probability == next(iter(stored.values())) and score.model_version == model.version
    # when the month is asked for again: read, not computed (savepoint, lock, batch, imports, rows)
    with django_assert_max_num_queries(7):  # 6 on SQLite; PostgreSQL asks for the columns of the COPY first
        again = learning.month_predictions(month=month, model=model)
    assert len(again) == batch.positions
    # and an incremental run's few positions read theirs only, the same figures
    keys = again[["establishment_id", "medicine_id"]].iloc[::3]
    some = learning.month_predictions(month=month, model=model, keys=keys)
    expected = again.merge(keys, on=["establishment_id", "medicine_id"])
    columns = list(expected.columns)
    assert len(some) == len(keys) > 0
    pd.testing.assert_frame_equal(
        some.sort_values(columns[:2], ignore_index=True)[columns],
        expected.sort_values(columns[:2], ignore_index=True),
        check_dtype=False,
    )
    # when a monthly report import finishes afterwards, the month is computed again
    ImportJob.objects.create(kind=ImportKind.MONTHLY_REPORT, status="succeeded", finished_at=timezone.now())
    learning.month_predictions(month=month, model=model)
    assert PredictionBatch.objects.get(pk=batch.pk).computed_at > batch.computed_at
    assert PositionPrediction.objects.count() == batch.positions


def test_a_scoring_run_after_a_report_import_reads_the_month_computed_again(history, settings):
    settings.PREDICTIONS_COMPUTED_IN_RUNS = True  # the runs compute the month (the embedded default)
    # given the month-end predictions a first scoring computed, which the runs of the day keep at hand
    call_command("train_model", until=AS_OF, stdout=io.StringIO())
    model = PredictionModel.objects.get()
    month = learning.last_complete_month(AS_OF)
    call_command("score", as_of=AS_OF, stdout=io.StringIO())
    run = ScoringRun.objects.get()
    batch = PredictionBatch.objects.get(month=month.date(), model_version=model.version)
    learning.run_predictions(run=run)
    assert PredictionBatch.objects.get(pk=batch.pk).computed_at == batch.computed_at
    # when a monthly report import finishes, then the next run computes the month again
    ImportJob.objects.create(kind=ImportKind.MONTHLY_REPORT, status="succeeded", finished_at=timezone.now())
    learning.run_predictions(run=run)
    assert PredictionBatch.objects.get(pk=batch.pk).computed_at > batch.computed_at


def test_with_the_worker_computing_the_month_a_run_only_reads_what_is_stored(history, settings, monkeypatch):
    # given the services profile's split: the worker computes the month, scoring runs read it
    settings.PREDICTIONS_COMPUTED_IN_RUNS = False
    call_command("train_model", until=AS_OF, stdout=io.StringIO())
    model = PredictionModel.objects.get()
    month = learning.last_complete_month(AS_OF)
    # when a day is scored before the refresh, then the formula answers and nothing was computed
    call_command("score", as_of=AS_OF, stdout=io.StringIO())
    assert not PredictionBatch.objects.exists()
    assert not RiskScore.objects.positions().published_on(AS_OF).filter(model_version=model.version).exists()
    # when the watch sees the month missing, it enqueues the refresh; the refresh computes the month
    # and asks for a full run of the day that publishes it
    enqueued = []
    monkeypatch.setattr(tasks.month_predictions_refresh, "delay", lambda *args, **kwargs: enqueued.append(args))
    tasks.scoring_watch()
    assert enqueued == [()]
    assert tasks.month_predictions_refresh(as_of=AS_OF.isoformat()) == 1
    batch = PredictionBatch.objects.get(month=month.date(), model_version=model.version)
    assert ScoringRun.objects.filter(as_of=AS_OF, trigger="predictions").count() == 1
    # and today's month, without any report, predicts nothing and asks for no run
    assert tasks.month_predictions_refresh() == 0
    assert ScoringRun.objects.filter(trigger="predictions").count() == 1
    # and when the run asked for could not start beside another one (nothing being due now), the
    # watch asks for a full run that publishes the predictions; not while one is pending
    assert tasks.scoring_watch() is False
    ScoringRun.objects.filter(trigger="predictions").update(status=RunStatus.FAILED)
    assert tasks.scoring_watch() is True and enqueued == [()]
    assert ScoringRun.objects.get(status=RunStatus.PENDING).trigger == "predictions"
    ScoringRun.objects.filter(status=RunStatus.PENDING).delete()
    # then the next run reads the learned P
    call_command("score", as_of=AS_OF, stdout=io.StringIO())
    learned = RiskScore.objects.positions().published_on(AS_OF).filter(model_version=model.version)
    assert learned.count() >= RiskScore.objects.positions().published_on(AS_OF).count() // 2 > 0
    # when a monthly report import finishes: runs keep reading the stored month until the refresh
    # computes it again; a second refresh finds it fresh and asks for no run
    ImportJob.objects.create(kind=ImportKind.MONTHLY_REPORT, status="succeeded", finished_at=timezone.now())
    assert learning.month_predictions_due(as_of=AS_OF)
    stale = learning.month_predictions(month=month, model=model, compute=False)
    assert len(stale) == batch.positions and PredictionBatch.objects.get(pk=batch.pk).computed_at == batch.computed_at
    assert tasks.month_predictions_refresh(as_of=AS_OF.isoformat()) == 1
    assert PredictionBatch.objects.get(pk=batch.pk).computed_at > batch.computed_at
    assert tasks.month_predictions_refresh(as_of=AS_OF.isoformat()) == 0
    assert ScoringRun.objects.filter(as_of=AS_OF, trigger="predictions").count() == 2
    assert not learning.month_predictions_due(as_of=AS_OF)


def test_without_an_active_model_the_formula_answers(history):
    call_command("score", as_of=AS_OF, stdout=io.StringIO())
    scores = list(RiskScore.objects.positions().published_on(AS_OF))
    assert scores
    for score in scores:
        assert score.model_version is None and score.figures["model_version"] is None
        assert score.stockout_probability == score.formula_probability


def test_the_training_task_trains_then_stores_a_backtest(history, eager_tasks, settings):
    from shortages.tasks import prediction_models_train

    versions = prediction_models_train.delay(until=AS_OF.isoformat()).get()
    assert versions == [1]
    report = BacktestReport.objects.get()
    assert report.horizon_months == 2 and report.rows > 0
    assert {"A", "C", "forecast", "months"} <= set(report.report)
    assert report.report["months"][0] == "2017-01"  # a short history: twelve months learned first
    assert 0 <= report.report["C"]["auc"] <= 1


def test_evaluate_history_prints_the_report_and_writes_every_prediction(tmp_path):
    # given a history file of one's own, never loaded into the live database
    path = tmp_path / "export.csv"
    synthetic_history(sites=6, products=2, months=28).to_csv(path, index=False)
    predictions = tmp_path / "predictions.csv"
    out = io.StringIO()
    # when
    call_command("evaluate_history", str(path), "--predictions", str(predictions), "--from", "2017-06", stdout=out)
    # then
    text = out.getvalue()
    assert "A (en stock)" in text and "C (toutes)" in text and "MASE" in text
    import pandas as pd

    table = pd.read_csv(predictions)
    assert list(table.columns[:8]) == [
        "site_code",
        "product_code",
        "month_end",
        "p",
        "forecast_1",
        "forecast_2",
        "forecast_3",
        "label",
    ]
    assert table["site_code"].str.startswith("S").all() and table["month_end"].min() == "2017-06-30"
    assert table["p"].between(0, 1).all()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_trains_the_model(tmp_path):
    from tests.shortages.test_worker import start_worker, stop_worker

    path = tmp_path / "history.csv"
    synthetic_history(sites=6, products=2, months=26).to_csv(path, index=False)
    history_file_load(path=path, mapping="lmis-civ")
    from shortages.tasks import prediction_models_train

    process = start_worker(tmp_path / "worker.log")
    try:
        prediction_models_train.apply_async(kwargs={"until": "2018-02-28", "backtest": False}, queue="scoring")
        deadline = time.monotonic() + 300
        while not PredictionModel.objects.exists():
            assert process.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker did not train in time"
            time.sleep(1)
    finally:
        stop_worker(process)
    assert PredictionModel.objects.get().status == ModelStatus.ACTIVE


def test_a_position_whose_report_has_not_arrived_keeps_the_month_before_s_prediction(history, settings):
    settings.PREDICTIONS_COMPUTED_IN_RUNS = True
    # given the learned P of a day whose last complete month (June 2018) is the history's last
    call_command("train_model", until=AS_OF, stdout=io.StringIO())
    model = PredictionModel.objects.get()
    call_command("score", as_of=AS_OF, stdout=io.StringIO())
    june = RiskScore.objects.positions().published_on(AS_OF).filter(model_version=model.version)
    learned_june = {(row.establishment_id, row.medicine_id): row.stockout_probability for row in june}
    assert learned_june
    # when a day is scored whose last complete month (July) no report has reached yet
    july_end = dt.date(2018, 7, 31)
    call_command("score", as_of=july_end, stdout=io.StringIO())
    # then July predicts nothing, and every position June predicted keeps June's P rather than the
    # formula's (the formula spoke for every one of them, and opened alerts by the thousand nationally)
    assert PredictionBatch.objects.get(month=dt.date(2018, 7, 1), model_version=model.version).positions == 0
    july = RiskScore.objects.positions().published_on(july_end)
    kept = {(row.establishment_id, row.medicine_id): row for row in july.filter(model_version=model.version)}
    assert set(kept) == set(learned_june)
    assert all(kept[key].stockout_probability == pytest.approx(p) for key, p in learned_june.items())
    # and the month that spoke is found again for the position page
    key = next(iter(kept))
    month = learning.prediction_month_of(
        as_of=july_end, model_version=model.version, establishment_id=key[0], medicine_id=key[1]
    )
    assert month == pd.Timestamp("2018-06-01")
    # and the position page explains that P with June's state, as the run predicted it
    score = july.filter(model_version=model.version).select_related("establishment").first()
    score.as_of = july_end
    explanation = position_explanation_get(score=score, level=score.establishment.level)
    assert explanation is not None
    assert explanation.probability == pytest.approx(score.stockout_probability, abs=1e-9)


def test_the_latest_month_predicts_each_position_it_can_and_the_month_before_the_others(history):
    # given stored predictions of two month ends: June for two positions, July for one of them
    call_command("train_model", until=AS_OF, stdout=io.StringIO())
    model = PredictionModel.objects.get()
    june, july = pd.Timestamp("2018-06-01"), pd.Timestamp("2018-07-01")
    first, second = (1, 11), (2, 22)
    PositionPrediction.objects.all().delete()
    PredictionBatch.objects.all().delete()
    for month, positions in ((june, [first, second]), (july, [first])):
        PredictionBatch.objects.create(
            month=month.date(), model_version=model.version, computed_at=timezone.now(), positions=len(positions)
        )
        for establishment_id, medicine_id in positions:
            PositionPrediction.objects.create(
                month=month.date(),
                model_version=model.version,
                establishment_id=establishment_id,
                medicine_id=medicine_id,
                probability=0.7 if month == july else 0.2,
                forecast_1=1.0,
                forecast_2=2.0,
                forecast_3=3.0,
            )
    # when the figures of a run of a day whose last complete month is July are read
    frame = learning._latest_month_predictions(month=july, model=model, keys=None, compute=False)
    # then the first position takes July's, the second June's
    by_position = frame.set_index(["establishment_id", "medicine_id"])["learned_probability"].to_dict()
    assert by_position == {first: 0.7, second: 0.2}
    # and the position page finds the same months
    day = dt.date(2018, 7, 31)
    months = [
        learning.prediction_month_of(
            as_of=day, model_version=model.version, establishment_id=position[0], medicine_id=position[1]
        )
        for position in (first, second, (3, 33))
    ]
    assert months == [july, june, None]
