"""``/health/``: database, Redis and the age of the last successful scoring run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError
from django.test import override_settings
from django.utils import timezone

from shortages.choices import RunStatus
from shortages.models import ScoringRun


def make_run(*, status: str, finished_hours_ago: float) -> ScoringRun:
    finished = timezone.now() - dt.timedelta(hours=finished_hours_ago)
    return ScoringRun.objects.create(
        as_of=finished.date(), status=status, started_at=finished - dt.timedelta(minutes=5), finished_at=finished
    )


@pytest.mark.django_db
def test_it_reports_healthy_services_and_the_last_successful_scoring_age(client):
    # given a successful run two hours ago and a failed one since
    make_run(status=RunStatus.SUCCEEDED, finished_hours_ago=2)
    make_run(status=RunStatus.FAILED, finished_hours_ago=1)

    # when the health endpoint is probed anonymously
    response = client.get("/health/")

    # then it answers 200 with each check, and the age counts from the successful run only
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    # and it names no software behind it to an anonymous caller
    assert set(body["checks"]["database"]) == {"ok", "ms"}
    assert 2 * 3600 - 60 <= body["checks"]["scoring"]["age_seconds"] <= 2 * 3600 + 60
    assert body["checks"]["scoring"]["stale"] is False
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
@override_settings(HEALTH_SCORING_MAX_AGE_HOURS=24)
def test_an_old_or_missing_scoring_run_is_flagged_stale_without_failing_the_web_process(client):
    # given no run at all
    assert client.get("/health/").json()["checks"]["scoring"] == {
        "ok": True,
        "last_success": None,
        "age_seconds": None,
        "stale": True,
        "ms": pytest.approx(0, abs=1000),
    }

    # when the only successful run is two days old
    make_run(status=RunStatus.SUCCEEDED, finished_hours_ago=48)
    response = client.get("/health/")

    # then scoring is stale but the process is still healthy
    assert response.status_code == 200
    assert response.json()["checks"]["scoring"]["stale"] is True


@pytest.mark.django_db
@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_it_answers_503_when_redis_is_unreachable(client):
    # when Redis is configured on a closed port
    response = client.get("/health/")

    # then the endpoint says which service failed
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_it_answers_503_when_the_database_fails(client, monkeypatch):
    # given a database that refuses queries
    def refuse():
        raise DatabaseError("connection refused")

    monkeypatch.setattr("config.health._database", refuse)

    # when the health endpoint is probed
    response = client.get("/health/")

    # then it answers 503 naming the database, and does not try to read scoring runs
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "error": "DatabaseError",
        "ms": pytest.approx(0, abs=1000),
    }
    assert response.json()["checks"]["scoring"]["ok"] is False


def test_it_refuses_writes(client):
    assert client.post("/health/").status_code == 405
