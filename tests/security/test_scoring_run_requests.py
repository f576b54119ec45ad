"""Who starts a scoring run, and for which day: a run publishes the day every user reads, so only a
national analyst starts one (the rule of the prediction model's choice), for a day neither after
today nor before 2000-01-01 (``stock.dates``); and a run of a day to come, should a database hold one
from before that rule, never becomes the published day.

The review's finding: a regional analyst posted ``{"as_of": "2099-01-01"}``, the run succeeded, and
2099-01-01 became the published day for everyone (every score without data, thousands of alerts)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from shortages import selectors
from shortages.choices import RunStatus
from shortages.models import ScoringRun
from tests import factories
from tests.web.world import build_world

pytestmark = pytest.mark.django_db

URL = "/api/v1/scoring-runs/"


@pytest.fixture
def regional_analyst(personas):
    """An analyst linked to hospital A's region."""
    user = factories.UserFactory(username="regional", roles=["analyst"])
    personas.hospital_a.region.analysts.add(user)
    return user


def test_a_regional_analyst_may_not_start_a_run(personas, regional_analyst, api_client_for):
    # when a regional analyst asks for a run of today
    response = api_client_for(regional_analyst).post(URL, {"as_of": timezone.localdate().isoformat()}, format="json")

    # then it is refused, with the reason, and no run is created
    assert response.status_code == 403, response.content
    assert response.json()["error"]["message"] == "Seul un analyste national lance un calcul des scores."
    assert not ScoringRun.objects.exists()


def test_a_regional_analyst_still_reads_the_runs(personas, regional_analyst, api_client_for):
    # given a run
    run = ScoringRun.objects.create(as_of=timezone.localdate(), status=RunStatus.SUCCEEDED)

    # when a regional analyst lists the runs
    response = api_client_for(regional_analyst).get(URL)

    # then it reads them
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [run.pk]


@pytest.mark.parametrize(
    ("as_of", "reason"),
    [
        ("2099-01-01", "La date ne peut pas être dans le futur."),
        ("tomorrow", "La date ne peut pas être dans le futur."),
        ("1999-12-31", "Date trop ancienne : au plus tôt le 01/01/2000."),
    ],
    ids=["year-2099", "tomorrow", "before-2000"],
)
def test_a_national_analyst_s_day_outside_the_allowed_dates_is_refused_naming_as_of(
    personas, api_client_for, as_of, reason
):
    # given a day to come, or one before the platform's history
    if as_of == "tomorrow":
        as_of = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    # when the national analyst asks for a run of it
    response = api_client_for(personas.analyst).post(URL, {"as_of": as_of}, format="json")

    # then the field is named with the reason, and no run is created
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"as_of": [reason]}
    assert not ScoringRun.objects.exists()


@pytest.mark.parametrize("body", [{"as_of": "today"}, {}], ids=["today", "default"])
def test_a_national_analyst_starts_a_run_of_today(personas, api_client_for, body):
    # given today, sent or left to its default
    today = timezone.localdate()
    if body:
        body = {"as_of": today.isoformat()}

    # when the national analyst asks for a run
    response = api_client_for(personas.analyst).post(URL, body, format="json")

    # then it is accepted (the dispatcher is enqueued once the request commits)
    assert response.status_code == 202, response.content
    assert response.json()["as_of"] == today.isoformat()
    assert ScoringRun.objects.get().as_of == today


def test_a_national_analyst_back_fills_a_past_day(personas, api_client_for):
    # when the national analyst asks for a run of a past day
    response = api_client_for(personas.analyst).post(URL, {"as_of": "2026-01-31"}, format="json")

    # then it is accepted
    assert response.status_code == 202, response.content
    assert ScoringRun.objects.get().as_of == dt.date(2026, 1, 31)


def test_the_published_day_ignores_a_run_dated_after_today(personas, api_client_for):
    # given yesterday's published scores (the world), then a succeeded run dated in the future, as a
    # database from before the rule may hold
    world = build_world(personas, size=1)
    future = ScoringRun.objects.create(
        as_of=dt.date(2099, 1, 1), status=RunStatus.SUCCEEDED, finished_at=timezone.now()
    )

    # when the published day is read, by the selectors and through the API
    client = api_client_for(personas.analyst)
    national = client.get("/api/v1/risk-scores/", {"national": "true"}).json()["results"]
    level = client.get("/api/v1/stock-levels/", {"expand": "risk"}).json()["results"]

    # then it is yesterday's, not the future run's
    assert selectors.latest_run() != future
    assert selectors.published_as_of() == world.as_of
    assert len(national) == len(world.medicines)
    assert {row["as_of"] for row in national} == {world.as_of.isoformat()}
    assert {row["risk"]["as_of"] for row in level if row["risk"]} == {world.as_of.isoformat()}


def test_a_run_of_today_is_published_beside_a_future_dated_one(db):
    # given a future-dated succeeded run, then today's
    ScoringRun.objects.create(as_of=dt.date(2099, 1, 1), status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    today = ScoringRun.objects.create(
        as_of=timezone.localdate(), status=RunStatus.SUCCEEDED, finished_at=timezone.now()
    )

    # then today's is the latest run
    assert selectors.latest_run() == today


@pytest.mark.parametrize("as_of", ["2099-01-01", "1999-12-31"])
def test_the_score_command_refuses_a_day_outside_the_allowed_dates(db, as_of):
    # when an operator asks the command for a day to come or before 2000 (in process and enqueued)
    for enqueue in (False, True):
        with pytest.raises(CommandError, match="--as-of"):
            call_command("score", as_of=dt.date.fromisoformat(as_of), enqueue=enqueue)

    # then nothing is scored
    assert not ScoringRun.objects.exists()
