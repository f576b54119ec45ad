"""A real Celery worker on Redis scores a whole run end to end against the test database."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from shortages.choices import RunStatus
from shortages.models import Alert, RiskScore, ScoringRun
from shortages.tasks import scoring_run_request
from tests.shortages.conftest import AS_OF, build_positions

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
QUEUES = "scoring,notifications,default"


def worker_database_url() -> str:
    """DATABASE_URL pointed at the database pytest created for this session."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def start_worker(log: Path, *, chunk_size: int = 2) -> subprocess.Popen:
    """``celery -A config worker`` in a subprocess on the test database, ready to consume."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_TEST_DB_NAME"}
    env |= {
        "DATABASE_URL": worker_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "SCORING_CHUNK_SIZE": str(chunk_size),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUES, "--pool=solo"]
    command += ["--without-gossip", "--without-mingle", "--purge", "-l", "info", "-n", f"test-{os.getpid()}@%h"]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=Path(settings.BASE_DIR), env=env, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 120
    while " ready." not in log.read_text():  # --purge empties the queues at start: send after it
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the worker did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.5)
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


@pytest.fixture
def worker(tmp_path):
    """A worker with two establishments per chunk; its log is shown on failure."""
    log = tmp_path / "worker.log"
    process = start_worker(log)
    yield process, log
    stop_worker(process)


def wait_for(run_id: int, process, log: Path, timeout: float = 240) -> ScoringRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = ScoringRun.objects.get(pk=run_id)
        if run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            return run
        if process.poll() is not None:
            pytest.fail(f"the worker exited ({process.returncode}):\n{log.read_text()[-4000:]}")
        time.sleep(0.5)
    pytest.fail(f"run {run_id} did not finish in {timeout} s:\n{log.read_text()[-4000:]}")


def snapshot() -> list[tuple]:
    return sorted(
        RiskScore.objects.filter(as_of=AS_OF).values_list(
            "medicine_id", "establishment_id", "score", "stockout_probability", "stock_status"
        ),
        key=str,
    )


def test_a_real_worker_runs_the_scoring_twice_with_the_same_scores_and_no_duplicate_alert(worker):
    # given committed data for three establishments (two chunks), and a run whose worker died long ago
    process, log = worker
    build_positions(establishments=3, medicines=4, stock_months=(0.0, 2.0))
    abandoned = ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.RUNNING, chunks_total=3, chunks_done=1)
    ScoringRun.objects.filter(pk=abandoned.pk).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    # when the scoring is requested through the broker, twice
    first = wait_for(scoring_run_request(as_of=AS_OF, trigger="test").pk, process, log)
    scores_after_first, alerts_after_first = snapshot(), Alert.objects.count()
    second = wait_for(scoring_run_request(as_of=AS_OF, trigger="test").pk, process, log)
    # then
    assert first.status == RunStatus.SUCCEEDED, first.error
    assert second.status == RunStatus.SUCCEEDED, second.error
    assert first.chunks_total == first.chunks_done == 2
    assert first.positions == 12 and first.medicines == 4
    assert snapshot() == scores_after_first
    assert RiskScore.objects.filter(as_of=AS_OF).count() == 12 + 4
    assert alerts_after_first > 0 and Alert.objects.count() == alerts_after_first
    assert second.alerts_opened == 0
    abandoned.refresh_from_db()
    assert abandoned.status == RunStatus.FAILED


def test_a_worker_killed_mid_run_leaves_no_national_result_and_the_next_run_completes(tmp_path):
    # given eight establishments scored one per chunk by a worker
    build_positions(establishments=8, medicines=3, stock_months=(0.0, 2.0))
    log = tmp_path / "killed.log"
    process = start_worker(log, chunk_size=1)
    run_id = scoring_run_request(as_of=AS_OF, trigger="test").pk
    # when the worker is killed (SIGKILL) once the first chunk is stored
    deadline = time.monotonic() + 120
    while ScoringRun.objects.get(pk=run_id).chunks_done < 1:
        if time.monotonic() > deadline:
            stop_worker(process)
            pytest.fail(f"no chunk was scored:\n{log.read_text()[-4000:]}")
        time.sleep(0.02)
    process.kill()
    process.wait(timeout=30)
    # then the run is unfinished and nothing national is visible
    killed = ScoringRun.objects.get(pk=run_id)
    if killed.status == RunStatus.SUCCEEDED:
        pytest.skip("the worker finished every chunk before it could be killed")
    assert killed.status == RunStatus.RUNNING and killed.chunks_done < killed.chunks_total == 8
    assert not RiskScore.objects.national().filter(as_of=AS_OF).exists()
    from shortages import selectors

    assert selectors.published_as_of() is None
    # when it has been running past the time limit and a new worker takes the next request
    ScoringRun.objects.filter(pk=run_id).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    process = start_worker(tmp_path / "next.log", chunk_size=1)
    try:
        following = wait_for(scoring_run_request(as_of=AS_OF, trigger="test").pk, process, tmp_path / "next.log")
    finally:
        stop_worker(process)
    # then the killed run is failed and the next one is complete
    assert ScoringRun.objects.get(pk=run_id).status == RunStatus.FAILED
    assert following.status == RunStatus.SUCCEEDED, following.error
    assert RiskScore.objects.positions().filter(as_of=AS_OF).count() == 24
    assert RiskScore.objects.national().filter(as_of=AS_OF, run=following).count() == 3
    assert selectors.published_as_of() == AS_OF
