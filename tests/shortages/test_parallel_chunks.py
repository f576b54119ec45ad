"""A run in one process on PostgreSQL, outside a transaction, writes two chunks at once: the same
rows as one writer, and a writer's error fails the run with nothing published."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest
from django.db import connection, transaction

from bulk import writers as bulk_writers
from shortages.choices import RunStatus
from shortages.models import RiskScore, ScoringRun, Shortage
from shortages.services import chunk_scoring, inputs, position_rows, scores
from stock.models import ConsumptionMonth, Medicine
from tests.shortages.conftest import AS_OF, build_positions, failing_on_call

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _rows() -> dict:
    rows = RiskScore.objects.filter(as_of=AS_OF)
    return {(row.establishment_id, row.medicine_id): (row.score, row.level, row.amc, row.figures) for row in rows}


@pytest.fixture
def writers(monkeypatch):
    """How many writers each run used."""
    used = []
    stored = chunk_scoring.run_chunks_stored

    def spy(**kwargs):
        used.append(kwargs["writers"])
        return stored(**kwargs)

    monkeypatch.setattr(chunk_scoring, "run_chunks_stored", spy)
    return used


def test_two_writers_store_what_one_writer_stores(settings, monkeypatch, writers):
    # given five establishments cut into chunks of one, scored by one writer
    settings.SCORING_CHUNK_SIZE = 1
    build_positions(establishments=5, medicines=4, stock_months=(0.0, 12.0))
    monkeypatch.setattr(chunk_scoring, "WRITERS", 1)
    scores.scoring_run_execute(as_of=AS_OF)
    one_writer = _rows()
    RiskScore.objects.all().delete()  # so that the next run writes every position again
    # when the same day is scored again with two writers
    monkeypatch.setattr(chunk_scoring, "WRITERS", 2)
    run = scores.scoring_run_execute(as_of=AS_OF)
    # then
    assert writers == [1, 2]
    assert (run.status, run.chunks_done, run.chunks_total, run.positions) == (RunStatus.SUCCEEDED, 5, 5, 20)
    assert RiskScore.objects.positions().filter(run=run).count() == 20
    assert _rows() == one_writer


def test_a_writer_error_fails_the_run_and_publishes_nothing(settings, monkeypatch):
    # given chunks of one, the third write of which fails
    settings.SCORING_CHUNK_SIZE = 1
    build_positions(establishments=5, medicines=2)
    failing_on_call(monkeypatch, position_rows, "rows_insert", call=3, message="disk full")
    # when
    with pytest.raises(RuntimeError, match="disk full"):
        scores.scoring_run_execute(as_of=AS_OF)
    # then
    run = ScoringRun.objects.get()
    assert run.status == RunStatus.FAILED and "disk full" in run.error
    assert run.chunks_done < run.chunks_total
    assert not RiskScore.objects.national().exists()


def test_the_window_summed_beside_the_other_reads_is_the_window_summed_in_line(monkeypatch):
    # given positions on PostgreSQL, outside a transaction
    build_positions(establishments=3, medicines=4)
    beside = []
    read_beside = bulk_writers.read_beside

    def spy(read):
        beside.append(read)
        return read_beside(read)

    monkeypatch.setattr(bulk_writers, "read_beside", spy)
    # when the run's frames are read with the sum on a connection of its own, then inside a transaction
    parallel = inputs.run_frames(as_of=AS_OF, months=6, aggregated=True)
    with transaction.atomic():
        in_line = inputs.run_frames(as_of=AS_OF, months=6, aggregated=True)
        with pytest.raises(RuntimeError, match="inside a transaction"):
            read_beside(lambda: None)
    # then the sum went beside once, and both give the same figures
    assert len(beside) == 1
    assert len(parallel.stats) == 12
    pd.testing.assert_frame_equal(parallel.stats, in_line.stats)


def test_reads_together_answer_in_order_on_connections_of_their_own_and_raise_after_all_finish():
    # given three reads that say which connection answered them
    def backend_pid():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    finished = []

    def slow_pid():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.2)")
        finished.append("slow")
        return backend_pid()

    # when they run together outside a transaction, then each result comes in its place, each from
    # a connection of its own
    first, second, third = bulk_writers.reads_together(backend_pid, slow_pid, lambda: "third")
    assert first == backend_pid() and len({first, second}) == 2 and third == "third"
    # and inside a transaction they run one after the other on this connection
    with transaction.atomic():
        assert bulk_writers.reads_together(backend_pid, backend_pid) == (first, first)

    # and the first error comes once every read has finished
    def failing():
        raise ValueError("read refused")

    with pytest.raises(ValueError, match="read refused"):
        bulk_writers.reads_together(failing, slow_pid)
    assert finished == ["slow", "slow"]


def test_the_national_inputs_read_beside_the_chunks_publish_what_they_publish_read_in_line(monkeypatch):
    # given positions and a medicine with a shortage in the register a month before the day
    build_positions(establishments=3, medicines=3)
    medicine = Medicine.objects.order_by("pk").first()
    Shortage.objects.create(medicine=medicine, cause="import", started_on=AS_OF - dt.timedelta(days=30))
    threads = []
    national_inputs = inputs.national_inputs

    def spy(**kwargs):
        threads.append(threading.current_thread().name.split("_")[0])
        return national_inputs(**kwargs)

    monkeypatch.setattr(inputs, "national_inputs", spy)

    def national() -> dict:
        rows = RiskScore.objects.national().filter(as_of=AS_OF)
        return {row.medicine_id: (row.score, row.level, row.figures, row.contributions) for row in rows}

    # when the day is scored outside a transaction, then again inside one
    scores.scoring_run_execute(as_of=AS_OF)
    beside = national()
    with transaction.atomic():
        scores.scoring_run_execute(as_of=AS_OF)
        in_line = national()
    # then the first read them on a connection of its own, the second in line, to the same figures
    assert threads == ["bulk-reader", "MainThread"]
    assert beside == in_line
    assert beside[medicine.pk][2]["episodes"] == 1


def test_a_transaction_beside_commits_its_work_at_the_end_only_and_rolls_back_on_error_or_abandon():
    # given a transaction beside that writes a run, then is asked to finish
    written = threading.Event()
    beside = bulk_writers.TransactionBeside()
    beside.submit(lambda: ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.SUCCEEDED, trigger="beside"))
    beside.submit(written.set)
    # then nothing is seen here before the end, and everything after it, in the order handed
    assert written.wait(10)
    assert not ScoringRun.objects.filter(trigger="beside").exists()
    found = []
    assert beside.finish(lambda: found.append(ScoringRun.objects.filter(trigger="beside").count()) or "done") == "done"
    assert found == [1] and ScoringRun.objects.filter(trigger="beside").count() == 1
    # when the work of another fails half-way, the work before the error is rolled back and the rest skipped
    failing = bulk_writers.TransactionBeside()
    failing.submit(lambda: ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.FAILED, trigger="failing"))
    failing.submit(lambda: 1 / 0)
    failing.submit(lambda: ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.FAILED, trigger="after"))
    with pytest.raises(ZeroDivisionError):
        failing.finish(lambda: "never")
    assert not ScoringRun.objects.filter(trigger__in=["failing", "after"]).exists()
    # and an abandoned one leaves nothing
    abandoned = bulk_writers.TransactionBeside()
    abandoned.submit(lambda: ScoringRun.objects.create(as_of=AS_OF, status=RunStatus.FAILED, trigger="abandoned"))
    abandoned.abandon()
    assert not ScoringRun.objects.filter(trigger="abandoned").exists()
    # and none can be opened inside a transaction
    with transaction.atomic(), pytest.raises(RuntimeError, match="inside a transaction"):
        bulk_writers.TransactionBeside()


def test_the_window_summed_in_parts_of_consecutive_establishments_is_the_window_summed_at_once(settings):
    # given five establishments whose months include stockout days (the sums' numeric part), cut
    # into chunks of two consecutive establishments
    settings.SCORING_CHUNK_SIZE = 2
    build_positions(establishments=5, medicines=3)
    months = ConsumptionMonth.objects.order_by("pk")
    ConsumptionMonth.objects.filter(pk__in=list(months.values_list("pk", flat=True)[::4])).update(stockout_days=6)
    chunks = scores.establishment_chunks(as_of=AS_OF, chunk_size=2)
    # when the run's frames are read with the sums in parts, and the sums are read at once
    frames = inputs.run_frames(as_of=AS_OF, months=6, aggregated=True, parts=chunks)
    whole = inputs.consumption_stats_read(as_of=AS_OF, months=6)
    # then the chunks are consecutive establishments, each part holds its chunk's positions, and
    # together the parts are the sums read at once, to the bit
    assert [len(chunk) for chunk in chunks] == [2, 2, 1]
    assert sum(chunks, []) == sorted(sum(chunks, []))
    assert frames.stats is None and len(frames.stats_parts) == 3
    parts = [part.result() for part in frames.stats_parts]
    for chunk, part in zip(chunks, parts, strict=True):
        assert set(part["establishment_id"]) == set(chunk)
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole, check_exact=True)
    # and a chunk's frames take their sums from their part, which must be named
    chunk = frames.of(chunks[1], part=1)
    pd.testing.assert_frame_equal(chunk.stats, parts[1])
    assert set(chunk.levels["establishment_id"]) == set(chunks[1])
    with pytest.raises(ValueError, match="part"):
        frames.of(chunks[1])


def test_reads_in_order_answer_each_as_it_is_read_and_fail_what_follows_an_error():
    # given three reads, the second of which waits until the first has been taken
    taken = threading.Event()
    done = []

    def first():
        done.append("first")
        return "a"

    def second():
        assert taken.wait(5)
        done.append("second")
        return "b"

    # when they are read in order beside this thread, the first answers before the second is read
    futures = bulk_writers.reads_in_order([first, second, lambda: "c"])
    assert futures[0].result(timeout=5) == "a" and done == ["first"]
    taken.set()
    assert [future.result(timeout=5) for future in futures] == ["a", "b", "c"]

    # and a failing read fails its future and every later one, not the earlier ones
    def failing():
        raise ValueError("part refused")

    futures = bulk_writers.reads_in_order([lambda: "a", failing, lambda: "never"])
    assert futures[0].result(timeout=5) == "a"
    for future in futures[1:]:
        with pytest.raises(ValueError, match="part refused"):
            future.result(timeout=5)

    # and a read cancelled before its turn is not read, the ones after it are
    hold = threading.Event()
    futures = bulk_writers.reads_in_order(
        [lambda: hold.wait(5), lambda: done.append("cancelled"), lambda: done.append("after")]
    )
    assert futures[1].cancel()
    hold.set()
    assert futures[0].result(timeout=5) is True
    futures[2].result(timeout=5)
    assert done[-1] == "after" and "cancelled" not in done

    # and inside a transaction they are refused (another connection would not see its rows)
    with transaction.atomic(), pytest.raises(RuntimeError, match="inside a transaction"):
        bulk_writers.reads_in_order([first])
