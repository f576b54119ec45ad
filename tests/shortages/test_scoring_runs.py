"""Scoring runs through the API and the services: results, replacement, visibility, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortages.choices import RunStatus
from shortages.models import Alert, RiskScore, ScoringRun
from shortages.services import scores
from stock.models import StockLevel
from tests import factories
from tests.shortages.conftest import AS_OF, build_positions

pytestmark = pytest.mark.django_db


def test_an_analyst_starts_a_run_and_reads_its_progress_and_scores(
    personas, api_client_for, django_capture_on_commit_callbacks, eager_tasks
):
    # given
    build_positions(establishments=2, medicines=3)
    client = api_client_for(personas.analyst)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/scoring-runs/", {"as_of": AS_OF.isoformat()}, format="json")
    # then (tasks run in-process in the embedded default)
    assert response.status_code == 202, response.content
    run = client.get(f"/api/v1/scoring-runs/{response.json()['id']}/").json()
    assert run["status"] == "succeeded"
    assert run["progress"] == 1.0
    assert run["positions"] == 6 and run["medicines"] == 3
    national = client.get("/api/v1/risk-scores/", {"national": "true"}).json()["results"]
    assert len(national) == 3
    assert set(national[0]["contributions"]) == {
        "stock_cover",
        "stockout_spread",
        "industry_cover",
        "disruption",
        "concentration",
        "import_dependency",
        "history",
        "criticality",
    }


def test_only_analysts_start_a_run(personas, api_client_for):
    response = api_client_for(personas.hospital_a_user).post("/api/v1/scoring-runs/", {}, format="json")
    assert response.status_code == 403


def test_rerunning_a_day_replaces_its_scores_and_keeps_one_alert_per_key():
    # given
    build_positions(establishments=3, medicines=4, stock_months=(0.0, 1.0))
    first = scores.scoring_run_execute(as_of=AS_OF)
    figures = dict(RiskScore.objects.values_list("id", "score"))
    alerts = Alert.objects.count()
    # when the day is scored again with nothing changed, then after one position's stock changed
    second = scores.scoring_run_execute(as_of=AS_OF)
    level = StockLevel.objects.order_by("pk").first()
    StockLevel.objects.filter(pk=level.pk).update(quantity=level.quantity + 1000)
    third = scores.scoring_run_execute(as_of=AS_OF)
    # then the second run wrote its national rows only; the third, those and the changed position,
    # whose row of the same day replaced the first one's
    assert first.status == second.status == third.status == RunStatus.SUCCEEDED
    assert RiskScore.objects.positions().filter(run=second).count() == 0
    assert RiskScore.objects.national().filter(run=second).count() == 0  # replaced by the third's
    assert list(RiskScore.objects.positions().filter(run=third).values_list("establishment", "medicine")) == [
        (level.establishment_id, level.medicine_id)
    ]
    assert RiskScore.objects.count() == len(figures) == 12 + 4
    day = list(RiskScore.objects.published_on(AS_OF))
    assert len(day) == 16 and len({(row.establishment_id, row.medicine_id) for row in day}) == 16
    unchanged = {row.pk: row.score for row in day if row.run_id == first.pk}
    assert len(unchanged) == 11 and all(figures[pk] == score for pk, score in unchanged.items())
    assert alerts > 0 and Alert.objects.count() == alerts
    assert second.alerts_opened == 0


def test_an_establishment_user_reads_national_scores_and_only_their_own_positions(personas, api_client_for):
    # given a position at each hospital
    medicine = factories.MedicineFactory()
    for hospital in (personas.hospital_a, personas.hospital_b):
        build_positions(establishments=0, medicines=0)
        from stock.models import ConsumptionMonth, StockLevel

        StockLevel.objects.create(establishment=hospital, medicine=medicine, quantity=100)
        for month in (dt.date(2026, 5, 1), dt.date(2026, 6, 1)):
            ConsumptionMonth.objects.create(establishment=hospital, medicine=medicine, month=month, issued=50)
    scores.scoring_run_execute(as_of=AS_OF)
    # when
    results = api_client_for(personas.hospital_a_user).get("/api/v1/risk-scores/").json()["results"]
    # then
    assert {row["establishment"] for row in results} == {personas.hospital_a.pk, None}
    industry = api_client_for(personas.company_user).get("/api/v1/risk-scores/").json()["results"]
    assert {row["establishment"] for row in industry} == {None}


def test_a_failed_run_publishes_no_national_score(monkeypatch):
    # given a first successful day, then a run that breaks while publishing
    build_positions(establishments=2, medicines=2)
    scores.scoring_run_execute(as_of=AS_OF)
    later = dt.date(2026, 7, 31)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scores, "alerts_sync", broken)
    # when
    with pytest.raises(RuntimeError):
        scores.scoring_run_execute(as_of=later)
    # then
    failed = ScoringRun.objects.get(as_of=later)
    assert failed.status == RunStatus.FAILED and "disk full" in failed.error
    assert not RiskScore.objects.national().filter(as_of=later).exists()
    from shortages import selectors

    assert selectors.published_as_of() == AS_OF


def test_a_stale_running_run_is_marked_failed_by_the_next_dispatch(django_capture_on_commit_callbacks, eager_tasks):
    # given a run whose worker died an hour and a half ago
    stale = ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.RUNNING)
    ScoringRun.objects.filter(pk=stale.pk).update(
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), started_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    build_positions(establishments=1, medicines=1)
    # when
    from shortages.tasks import scoring_dispatch

    with django_capture_on_commit_callbacks(execute=True):
        scoring_dispatch.delay(as_of=AS_OF.isoformat())
    # then
    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED
    assert ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 1


def _scoring_queries(as_of: dt.date) -> tuple[int, int]:
    """(queries other than inserts, inserts) of one whole in-process run."""
    with CaptureQueriesContext(connection) as queries:
        scores.scoring_run_execute(as_of=as_of)
    inserts = sum(query["sql"].startswith("INSERT") for query in queries)
    return len(queries) - inserts, inserts


def test_scoring_takes_a_bounded_number_of_queries_whatever_the_size():
    # given a small dataset, scored after an earlier run (so that both runs notify what they open)
    ScoringRun.objects.create(as_of=AS_OF - dt.timedelta(days=1), status=RunStatus.SUCCEEDED)
    build_positions(establishments=2, medicines=3, seed=1)
    small, small_inserts = _scoring_queries(AS_OF)
    # when the data grows tenfold (same region, one chunk) and is scored from the same start
    Alert.objects.all().delete()
    RiskScore.objects.all().delete()
    build_positions(establishments=10, medicines=6, seed=2)
    large, large_inserts = _scoring_queries(dt.date(2026, 7, 31))
    # then every read, delete and update is the same; only bulk inserts come in batches (one per
    # 2,000 rows on PostgreSQL, fewer rows per batch on SQLite's parameter limit)
    assert RiskScore.objects.filter(as_of=dt.date(2026, 7, 31)).positions().count() == 6 + 60
    # the day lock of the start is one more on PostgreSQL, and so is the read of the active alerts
    # through COPY (the columns' types first, then the rows); the national rows' COPY counts here,
    # their bulk insert elsewhere
    assert small == large <= 59
    if connection.vendor == "postgresql":
        assert small_inserts == large_inserts
    else:
        assert large_inserts <= small_inserts + 4


def test_a_national_score_gives_the_share_at_risk_by_region(personas):
    # given one medicine stocked out at hospital A (region 01) and well stocked at hospital B (06)
    from stock.models import ConsumptionMonth, StockLevel

    medicine = factories.MedicineFactory()
    for hospital, quantity in ((personas.hospital_a, 0), (personas.hospital_b, 200)):
        StockLevel.objects.create(establishment=hospital, medicine=medicine, quantity=quantity)
        for month in (dt.date(2026, 5, 1), dt.date(2026, 6, 1)):
            ConsumptionMonth.objects.create(establishment=hospital, medicine=medicine, month=month, issued=100)
    # when
    scores.scoring_run_execute(as_of=AS_OF)
    # then
    national = RiskScore.objects.national().get(medicine=medicine)
    assert national.figures["share_at_risk_by_region"] == {
        str(personas.hospital_a.region_id): 1.0,
        str(personas.hospital_b.region_id): 0.0,
    }
    assert national.figures["share_stocked_out"] == 0.5
    assert national.stock_status == "understocked"  # 200 units for 200 a month nationally


def test_a_run_with_nothing_to_score_succeeds_empty():
    run = scores.scoring_run_execute(as_of=AS_OF)
    assert (run.status, run.positions, run.medicines, run.chunks_total) == (RunStatus.SUCCEEDED, 0, 0, 0)
    assert not RiskScore.objects.exists()


def test_scoring_a_past_day_afterwards_does_not_hide_the_latest_day(personas, api_client_for):
    # given today's scores, then a back-filled past day
    build_positions(establishments=1, medicines=2)
    scores.scoring_run_execute(as_of=AS_OF)
    scores.scoring_run_execute(as_of=dt.date(2026, 5, 31))
    # when
    rows = api_client_for(personas.analyst).get("/api/v1/risk-scores/").json()["results"]
    # then the default list is still the most recent day
    assert {row["as_of"] for row in rows} == {AS_OF.isoformat()}


def test_national_rows_are_stored_as_they_were_built():
    # given the national rows of a run, built again for another day
    import copy

    from shortages.services import score_rows

    build_positions(establishments=2, medicines=3)
    scores.scoring_run_execute(as_of=AS_OF)
    built = list(RiskScore.objects.national().filter(as_of=AS_OF).order_by("medicine_id"))
    day = AS_OF + dt.timedelta(days=40)
    rows = []
    for row in built:
        again = copy.copy(row)
        again.pk, again.as_of, again.valid_until = None, day, day + dt.timedelta(days=1)
        rows.append(again)
    # when they are stored (a binary COPY on PostgreSQL)
    assert score_rows.national_rows_insert(rows) == 3
    # then every column reads back as built, the JSON documents included
    names = [
        field.attname
        for field in RiskScore._meta.concrete_fields
        if field.attname not in ("id", "as_of", "valid_until")
    ]
    stored = list(RiskScore.objects.national().filter(as_of=day).order_by("medicine_id"))
    assert [[getattr(row, name) for name in names] for row in stored] == [
        [getattr(row, name) for name in names] for row in built
    ]
    assert all(row.valid_until == day + dt.timedelta(days=1) for row in stored)
    assert stored[0].figures["share_at_risk_by_region"] is not None and stored[0].contributions


@pytest.mark.services
def test_a_published_run_refreshes_the_planner_statistics_of_the_runs_table(django_capture_on_commit_callbacks):
    # given positions, and PostgreSQL's figure for a runs table that holds no run yet
    build_positions(establishments=2, medicines=2)

    def planner_rows() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [ScoringRun._meta.db_table])
            return cursor.fetchone()[0]

    before = planner_rows()
    # when a run is published
    with django_capture_on_commit_callbacks(execute=True):
        scores.scoring_run_execute(as_of=AS_OF)
    # then the planner counts the run (autovacuum would wait for 50 changed rows): every reader of
    # published scores joins this table on the succeeded status
    assert before != 1
    assert planner_rows() == ScoringRun.objects.count() == 1
