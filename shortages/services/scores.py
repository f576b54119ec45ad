"""Scoring runs: start, score a chunk of establishments, publish the national result, fail.

Visibility: each chunk stores, tagged with the run, the positions whose figures changed
(:mod:`position_rows`); readers only read rows of succeeded runs. The publication then, in one
final transaction, makes the run's rows the ones that hold (the rows they replace stop holding),
writes the national scores, synchronises the alerts and marks the run succeeded: a run that dies
half-way leaves no trace that readers see, and its rows are deleted when it is marked failed.
Re-running a day replaces its rows, never duplicates them.
"""

from __future__ import annotations

import datetime as dt
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from bulk import writers as bulk_writers
from shortages import scoring
from shortages.choices import RunScope, RunStatus
from shortages.models import RiskScore, ScoringChunk, ScoringRun
from shortages.scoring.sums import position_sums, regional_rollups, sums_adjusted
from shortages.services import chunk_scoring, day_sums, inputs, learning, position_rows, score_rows
from shortages.services.alerts import SyncScope, alerts_sync
from stock.models import ConsumptionMonth, Establishment, StockLevel

logger = logging.getLogger(__name__)


def scoring_runs_fail_stale(*, now: dt.datetime | None = None) -> int:
    """Mark failed the runs still pending or running after the task time limit (their worker died)."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    stale = ScoringRun.objects.filter(status__in=[RunStatus.PENDING, RunStatus.RUNNING], created_at__lt=limit)
    run_ids = list(stale.values_list("pk", flat=True))
    for run_id in run_ids:
        scoring_run_fail(run_id=run_id, error="Abandonné : délai dépassé sans fin de calcul.", now=now)
    return len(run_ids)


def establishment_chunks(*, as_of: dt.date, chunk_size: int) -> list[list[int]]:
    """Establishments that have positions (a stock level, or consumption in the scoring window: the
    positions :func:`inputs.position_inputs` reads), grouped by region and cut into chunks of
    ``chunk_size``. Two queries."""
    window = scoring.window_months(as_of, settings.SCORING_MONTHS)
    with_levels = StockLevel.objects.filter(establishment=OuterRef("pk"))
    with_consumption = ConsumptionMonth.objects.filter(
        establishment=OuterRef("pk"), month__gte=window[0].date(), month__lte=window[-1].date()
    )
    ids = Establishment.objects.filter(Exists(with_levels) | Exists(with_consumption)).order_by("region_id", "id")
    rows = list(ids.values_list("id", "region_id"))
    chunks: list[list[int]] = []
    current_region = object()
    for establishment_id, region_id in rows:
        if region_id != current_region or len(chunks[-1]) >= chunk_size:
            chunks.append([])
            current_region = region_id
        chunks[-1].append(establishment_id)
    return chunks


class RunInProgress(Exception):
    """Another run of the same day is still running: starting a second one would interleave them."""


# Key space of the runs' day locks (PostgreSQL's single 64-bit advisory keys, which do not overlap
# the two-integer keys the chunk tasks take).
DAY_LOCK_BASE = 7_201_000_000


def run_start_check(*, day: dt.date, run_id: int | None = None) -> None:
    """Inside the caller's transaction: wait for any other start of a run of ``day`` to commit
    (a transaction advisory lock on the day, PostgreSQL), then raise :class:`RunInProgress` when a
    run of ``day`` other than ``run_id`` is running. Two runs of a day never overlap: an incremental
    run adjusts the day's sums by its difference, which a second run publishing meanwhile would
    lose."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DAY_LOCK_BASE + day.toordinal()])
    busy = ScoringRun.objects.filter(as_of=day, status=RunStatus.RUNNING).exclude(pk=run_id).first()
    if busy is not None:
        raise RunInProgress(f"run {busy.pk} of {day} is still running")


@dataclass
class StartedRun:
    """A run that has started, with the chunks its tasks must score."""

    run: ScoringRun
    chunks: list[list[int]] = field(default_factory=list)


@transaction.atomic
def scoring_run_start(
    *, as_of: dt.date, scope: str = RunScope.FULL, trigger: str = "", task_id: str = "", run_id: int | None = None
) -> StartedRun:
    """Create (or take the pending ``run_id``) a run for ``as_of``, cut its establishments into chunks
    and mark it running. Raises :class:`RunInProgress` while another run of the day is running."""
    if scope != RunScope.FULL:
        raise ValueError(f"scope: only {RunScope.FULL!r} runs are supported, got {scope!r}")
    day = as_of if run_id is None else ScoringRun.objects.values_list("as_of", flat=True).get(pk=run_id)
    run_start_check(day=day, run_id=run_id)
    if run_id is None:
        run = ScoringRun.objects.create(as_of=as_of, scope=scope, trigger=trigger, task_id=task_id)
    else:
        run = ScoringRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.PENDING:
            raise ValueError(f"run_id: run {run_id} is {run.status}, not pending")
    chunks = establishment_chunks(as_of=run.as_of, chunk_size=settings.SCORING_CHUNK_SIZE)
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    run.chunks_total = len(chunks)
    run.task_id = task_id or run.task_id
    run.save(update_fields=["status", "started_at", "chunks_total", "task_id"])
    return StartedRun(run=run, chunks=chunks)


def positions_store(
    *,
    run: ScoringRun,
    scored: pd.DataFrame,
    stored: pd.DataFrame | None = None,
    complete: bool = True,
    current: pd.DataFrame | None = None,
) -> int:
    """Store for ``run`` the positions of ``scored`` whose figures changed since the rows that hold
    on its day. ``complete``: ``scored`` holds every position of its establishments, so those no
    longer scored stop holding. ``stored``: :func:`position_rows.stored_columns` of ``scored`` when
    already built. ``current``: the fingerprints of the rows that hold for the positions of
    ``scored`` when already read (:func:`position_rows.current_fingerprints`' columns). Returns how
    many rows were written."""
    if stored is None:
        stored = position_rows.stored_columns(scored)
    if complete:
        establishment_ids = sorted(set(stored["establishment_id"].tolist()))
        current = position_rows.current_fingerprints(as_of=run.as_of, establishment_ids=establishment_ids)
    elif current is None:
        current = position_rows.current_fingerprints(as_of=run.as_of, keys=stored[position_rows.POSITION_KEYS])
    if complete:
        position_rows.positions_close(run=run, keys=position_rows.removed(stored, current))
    changed = stored.loc[position_rows.changed(stored, current)]
    return position_rows.rows_insert(stored=changed, run=run)


@transaction.atomic
def scoring_chunk_execute(
    *,
    run_id: int,
    establishment_ids: list[int],
    published: dict[int, pd.DataFrame] | None = None,
    prepared: chunk_scoring.ScoredChunk | None = None,
    shared_lock: bool = False,
) -> bool:
    """Score the positions of ``establishment_ids`` for the run's day and store them, replacing that
    day's rows of those establishments. Idempotent: a chunk already stored by this run is skipped.
    ``prepared``: the chunk already scored (:func:`chunk_scoring.chunk_scored`); with ``published``,
    the stored positions as the publication reads them are put in it under the chunk's index (not
    for a skipped chunk). ``shared_lock`` (PostgreSQL): lock the run ``FOR KEY SHARE``, which lets
    other chunks of the run be written at the same time (by the writer threads of a run in one
    process, or by chunk tasks on several Celery workers) and still keeps the publication
    (``FOR UPDATE``) waiting, plus a transaction advisory lock on (run, chunk) so that a chunk
    delivered twice waits for its first delivery and then finds it stored; the default exclusive
    lock on the run serialises every chunk. Returns True when this was the run's last chunk (the
    caller then publishes the run)."""
    if shared_lock:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {ScoringRun._meta.db_table} WHERE id = %s FOR KEY SHARE", [run_id])  # noqa: S608
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [run_id, establishment_ids[0]])
        run = ScoringRun.objects.get(pk=run_id)
    else:
        run = ScoringRun.objects.select_for_update().get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        raise ValueError(f"run_id: run {run_id} is {run.status}, not running")
    # A chunk is stored in one transaction with its marker (named by its first establishment).
    _marker, created = ScoringChunk.objects.get_or_create(run=run, first_establishment_id=establishment_ids[0])
    if created:
        if prepared is None:
            prepared = chunk_scoring.chunk_scored(
                establishment_ids=establishment_ids,
                frames=None,
                medicines=inputs.medicines_frame(),
                params=inputs.scoring_params(as_of=run.as_of),
                learned=learning.run_predictions(run=run),
            )
        scored = prepared.scored
        positions_store(run=run, scored=scored, stored=prepared.stored)
        if published is not None:
            published[prepared.index] = prepared.published
        ScoringRun.objects.filter(pk=run.pk).update(
            chunks_done=F("chunks_done") + 1, positions=F("positions") + len(scored)
        )
        run.refresh_from_db(fields=["chunks_done", "chunks_total"])
    return run.chunks_done >= run.chunks_total


@transaction.atomic
def scoring_run_publish(
    *, run_id: int, positions: pd.DataFrame | None = None, national: inputs.NationalInputs | None = None
) -> list[int]:
    """Aggregate the day's positions nationally, replace the day's national scores and sums,
    synchronise the alerts and mark the run succeeded, all in one transaction. Returns the ids of
    the in-app notifications created (the daily digest e-mails them). A run that is not running
    (already published, failed) is left alone. ``positions``: the day's stored positions when the
    caller holds them (:func:`inputs.scored_positions_frame` of every chunk of a full run), else
    they are read back. ``national``: the national inputs, when read before."""
    run = ScoringRun.objects.select_for_update().get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return []
    params = inputs.scoring_params(as_of=run.as_of)
    medicines = inputs.medicines_frame()
    if positions is None:
        position_rows.superseded_close(run=run)
        positions = inputs.stored_positions_frame(as_of=run.as_of, run_id=run.pk)
        sums, conditions = _position_figures(positions, medicines, params)
    else:
        # The positions' sums and alert conditions are pure computation: a thread computes them
        # while the server closes the replaced rows (psycopg2 waits without the GIL).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publication") as pool:
            figures = pool.submit(_position_figures, positions, medicines, params)
            position_rows.superseded_close(run=run)
            sums, conditions = figures.result()
    return _national_publish(
        run=run,
        params=params,
        medicines=medicines,
        sums=sums,
        position_conditions=conditions,
        scope=None,
        national_data=national,
    )


def _position_figures(
    positions: pd.DataFrame, medicines: pd.DataFrame, params: scoring.ScoringParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The day's sums of ``positions`` (:func:`position_sums`) and their alert conditions."""
    positions = positions.merge(medicines[["medicine_id", "ven_class"]], on="medicine_id", how="left")
    sums = position_sums(positions, probability_cut=settings.ALERT_ROLLUP_PROBABILITY_CUT)
    return sums, scoring.position_conditions(positions, params)


@transaction.atomic
def scoring_run_publish_changed(
    *,
    run_id: int,
    changed: pd.DataFrame,
    replaced: pd.DataFrame | None = None,
    closing: pd.DataFrame | None = None,
    national: inputs.NationalInputs | None = None,
) -> list[int]:
    """Publish an incremental run whose positions ``changed`` (:func:`inputs.scored_positions_frame`
    of every position it scored) are the only ones it re-scored: the day's stored sums are adjusted
    by their difference with the rows they replace (``replaced``, :func:`inputs.stored_positions_frame`
    of those positions before the run stored any, or read here for those positions only), the national
    scores follow from the sums, and the alerts of those positions, of their regional roll-ups and
    the national ones are synchronised (:class:`alerts.SyncScope`). ``closing``: the rows the run's
    rows replace, when read before (:func:`position_rows.rows_close`); ``national``: the national
    inputs, when read before. Without stored sums for the day (a day scored before they existed),
    the publication of a full run. Returns what :func:`scoring_run_publish` does."""
    run = ScoringRun.objects.select_for_update().get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return []
    previous = day_sums.sums_read(as_of=run.as_of)
    if previous is None:
        return scoring_run_publish(run_id=run_id)
    params = inputs.scoring_params(as_of=run.as_of)
    keys = changed[position_rows.POSITION_KEYS].drop_duplicates()
    if replaced is None:
        replaced = inputs.stored_positions_frame(as_of=run.as_of, keys=keys)
    medicines = inputs.medicines_frame()
    # the changed positions' figures are pure computation: a thread computes them while the server
    # closes the replaced rows (as in :func:`scoring_run_publish`)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publication") as pool:
        figures = pool.submit(_position_figures, changed, medicines, params)
        removed = pool.submit(position_sums, replaced, probability_cut=settings.ALERT_ROLLUP_PROBABILITY_CUT)
        if closing is None or position_rows.rows_close(run=run, rows=closing) is None:
            position_rows.superseded_close(run=run)
        added, conditions = figures.result()
        sums = sums_adjusted(previous, removed=removed.result(), added=added)
    regions = pd.concat([replaced[["medicine_id", "region_id"]], changed[["medicine_id", "region_id"]]])
    scope = SyncScope(positions=keys, regions=regions.dropna().drop_duplicates())
    return _national_publish(
        run=run,
        params=params,
        medicines=medicines,
        sums=sums,
        position_conditions=conditions,
        scope=scope,
        national_data=national,
    )


def _national_publish(
    *,
    run: ScoringRun,
    params: scoring.ScoringParams,
    medicines: pd.DataFrame,
    sums: pd.DataFrame,
    position_conditions: pd.DataFrame,
    scope: SyncScope | None,
    national_data: inputs.NationalInputs | None = None,
) -> list[int]:
    """The end of a publication: national scores from ``sums`` (and ``national_data``, read here
    when not given), the sums stored, the alert conditions of the positions
    (``position_conditions``), of the regional roll-ups and the national ones synchronised (those
    of ``scope`` only, when given), the run marked succeeded."""
    if national_data is None:
        national_data = inputs.national_inputs(as_of=run.as_of, history_months=params.history_months)
    national = scoring.score_medicines(
        sums,
        medicines,
        national_data.industry,
        national_data.deliveries,
        national_data.suppliers,
        national_data.episodes,
        params,
    )
    RiskScore.objects.national().filter(as_of=run.as_of).delete()
    ScoringChunk.objects.filter(run=run).delete()
    score_rows.national_rows_insert(
        score_rows.national_rows(
            national, run=run, weights=params.national_weights, regional=score_rows.regional_map(sums)
        )
    )
    day_sums.sums_store(run=run, sums=sums)
    conditions = pd.concat(
        [
            position_conditions,
            regional_rollups(
                sums,
                vital=medicines.loc[medicines["ven_class"].eq("V"), "medicine_id"],
                share=settings.ALERT_ROLLUP_SHARE,
                min_positions=settings.ALERT_ROLLUP_MIN_POSITIONS,
                regions=None if scope is None else scope.regions,
            ),
            scoring.national_conditions(national, params),
        ],
        ignore_index=True,
    )
    # The first run over a new history opens every alert of that history at once: nobody is told
    # about each of them (the inboxes list them); later runs notify what opens or escalates.
    first = not ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).exclude(pk=run.pk).exists()
    outcome = alerts_sync(run=run, conditions=conditions, notify=not first, scope=scope)
    run.status = RunStatus.SUCCEEDED
    run.medicines = len(national)
    run.alerts_opened = outcome.opened
    run.alerts_closed = outcome.closed
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "medicines", "alerts_opened", "alerts_closed", "finished_at"])
    transaction.on_commit(_runs_statistics_refresh)
    logger.info("scoring run %s published: %s positions, %s medicines", run.pk, run.positions, run.medicines)
    return outcome.notification_ids


def _runs_statistics_refresh() -> None:
    """Fresh planner statistics for the runs' table (PostgreSQL). It gains a row or two a day,
    below what makes autovacuum analyse it, and every reader of published scores joins it on the
    succeeded status: with statistics that still counted one succeeded run where there were 15,
    PostgreSQL joined an establishment's score list once per run (41 ms against 9 ms,
    docs/performance.md). Analysing a table of a few hundred rows takes a millisecond."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ScoringRun._meta.db_table}")


@transaction.atomic
def scoring_run_fail(*, run_id: int, error: str, now: dt.datetime | None = None) -> None:
    """Mark a run failed with its error (its national result was never published) and delete the
    position rows it had stored (no reader ever saw them)."""
    failed = ScoringRun.objects.filter(pk=run_id, status__in=[RunStatus.PENDING, RunStatus.RUNNING]).update(
        status=RunStatus.FAILED, error=error[:4000], finished_at=now or timezone.now()
    )
    if failed:
        RiskScore.objects.filter(run_id=run_id).delete()


def scoring_run_execute(
    *, as_of: dt.date, scope: str = RunScope.FULL, run_id: int | None = None, trigger: str = "manual"
) -> ScoringRun:
    """Run a whole scoring in this process: start, every chunk, publish. Each step commits on
    its own (a run is many transactions by design); any error marks the run failed and re-raises.
    Inputs are read in one scan each, the next chunk is scored while one is stored, and on
    PostgreSQL outside a transaction two chunks are written at once (:mod:`chunk_scoring`). The chunks cover every establishment with positions and replace the
    day's rows of each, so the positions they stored are the day's: the publication takes them from
    memory instead of reading them back (unless a chunk was skipped as already stored)."""
    scoring_runs_fail_stale()
    started = scoring_run_start(as_of=as_of, scope=scope, run_id=run_id, trigger=trigger)
    national = None
    try:
        published: dict[int, pd.DataFrame] = {}
        parallel = position_rows.copy_supported() and not transaction.get_connection().in_atomic_block
        # the publication's national inputs (industry declarations, the register) are none of the
        # run's writes: read on a connection of their own while the chunks are scored
        national = (
            bulk_writers.read_beside(
                lambda: inputs.national_inputs(
                    as_of=started.run.as_of,
                    history_months=inputs.scoring_params(as_of=started.run.as_of).history_months,
                )
            )
            if parallel
            else None
        )

        def store(prepared: chunk_scoring.ScoredChunk) -> None:
            scoring_chunk_execute(
                run_id=started.run.pk,
                establishment_ids=prepared.establishment_ids,
                published=published,
                prepared=prepared,
                shared_lock=parallel,
            )

        writers = chunk_scoring.WRITERS if parallel else 1
        chunk_scoring.run_chunks_stored(run=started.run, chunks=started.chunks, store=store, writers=writers)
        complete = bool(published) and len(published) == len(started.chunks)
        positions = (
            pd.concat([published[index] for index in sorted(published)], ignore_index=True) if complete else None
        )
        published.clear()
        scoring_run_publish(
            run_id=started.run.pk, positions=positions, national=None if national is None else national.result()
        )
    except Exception as error:
        if national is not None:
            national.exception()  # its connection closed before the error goes up
        scoring_run_fail(run_id=started.run.pk, error=f"{type(error).__name__}: {error}")
        raise
    started.run.refresh_from_db()
    return started.run
