"""Chunk tasks of one run on several Celery workers (PostgreSQL): different chunks are stored at the
same time, and a chunk delivered twice waits for its first delivery instead of writing twice."""

from __future__ import annotations

import threading
import time

import psycopg2
import pytest
from django.db import connection

from shortages.choices import RunScope
from shortages.models import RiskScore, ScoringRun
from shortages.services import position_rows, scores
from shortages.tasks import scoring_chunk
from tests.shortages.conftest import AS_OF, build_positions

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LOCK_TIMEOUT = "3s"


class OpenChunk(threading.Thread):
    """A worker whose chunk task has written its rows and not finished its transaction yet: it
    waits between the write and the run's counter until ``release`` is set."""

    def __init__(self, run_id: int, chunk: list[int], monkeypatch) -> None:
        super().__init__(daemon=True)
        self.run_id, self.chunk = run_id, chunk
        self.stored, self.release = threading.Event(), threading.Event()
        self.error: BaseException | None = None
        self.result = None
        insert = position_rows.rows_insert

        def insert_then_wait(**kwargs):
            insert(**kwargs)
            if threading.current_thread() is self:
                self.stored.set()
                self.release.wait(timeout=60)

        monkeypatch.setattr(position_rows, "rows_insert", insert_then_wait)

    def run(self) -> None:
        try:
            self.result = scoring_chunk.apply(args=[self.run_id, self.chunk])
        except BaseException as error:  # noqa: BLE001 - reported to the test
            self.error = error
        finally:
            self.stored.set()
            connection.close()


def chunk_here(run_id: int, chunk: list[int]):
    """Run the chunk task in this thread, waiting at most LOCK_TIMEOUT for any lock."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        return scoring_chunk.apply(args=[run_id, chunk])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def store_here(run_id: int, chunk: list[int]) -> bool:
    """What a chunk task does on PostgreSQL, in this thread, waiting at most LOCK_TIMEOUT for a lock
    (the task itself would retry a lock timeout as a transient error)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
    try:
        return scores.scoring_chunk_execute(run_id=run_id, establishment_ids=chunk, shared_lock=True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def release_once_waiting(backend_pid: int, release: threading.Event) -> None:
    """Set ``release`` as soon as the backend ``backend_pid`` waits for a lock (or after 30 s)."""
    settings = connection.settings_dict
    watcher = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    )
    watcher.autocommit = True
    try:
        for _ in range(600):
            with watcher.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [backend_pid])
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.05)
    finally:
        watcher.close()
        release.set()


@pytest.fixture
def started_run(settings):
    settings.SCORING_CHUNK_SIZE = 1
    build_positions(establishments=3, medicines=2)
    return scores.scoring_run_start(as_of=AS_OF, scope=RunScope.FULL, trigger="test")


def test_another_chunk_is_stored_while_a_worker_is_still_writing_one(started_run, monkeypatch):
    # given a worker in the middle of storing the first chunk (not committed)
    run_id, chunks = started_run.run.pk, started_run.chunks
    first = OpenChunk(run_id, chunks[0], monkeypatch)
    first.start()
    assert first.stored.wait(timeout=60) and first.error is None, first.error

    # when another worker stores the second chunk
    second = chunk_here(run_id, chunks[1])

    # then it does not wait for the first one
    first.release.set()
    first.join(timeout=60)
    assert second.successful(), second.traceback
    assert first.error is None and first.result.successful(), first.error or first.result.traceback
    run = ScoringRun.objects.get(pk=run_id)
    assert run.chunks_done == 2
    assert set(RiskScore.objects.positions().filter(run=run).values_list("establishment_id", flat=True)) == {
        chunks[0][0],
        chunks[1][0],
    }


def test_a_chunk_delivered_twice_waits_for_its_first_delivery_and_is_stored_once(started_run, monkeypatch):
    # given a worker in the middle of storing the first chunk, which finishes as soon as this
    # test's connection waits for a lock
    run_id, chunks = started_run.run.pk, started_run.chunks
    first = OpenChunk(run_id, chunks[0], monkeypatch)
    first.start()
    assert first.stored.wait(timeout=60) and first.error is None, first.error
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        here = cursor.fetchone()[0]
    threading.Thread(target=release_once_waiting, args=(here, first.release), daemon=True).start()

    # when the same chunk is delivered to another worker meanwhile
    store_here(run_id, chunks[0])
    first.join(timeout=60)

    # then it waited for the first delivery and found the chunk stored: its rows exist once, the
    # run counts it once, and neither delivery failed
    assert first.error is None and first.result.successful(), first.error or first.result.traceback
    rows = RiskScore.objects.positions().filter(as_of=AS_OF, establishment_id=chunks[0][0])
    assert rows.count() == 2
    assert ScoringRun.objects.get(pk=run_id).chunks_done == 1
