"""Scoring runs: start, score a chunk of establishments, publish the national result, fail.

Visibility: each chunk stores, tagged with the run, the positions whose figures changed
(:mod:`position_rows`); readers only read rows of succeeded runs. The publication then, in one
final transaction, makes the run's rows the ones that hold (the rows they replace stop holding),
writes the national scores, synchronises the alerts and marks the run succeeded: a run that dies
half-way leaves no trace that readers see, and its rows are deleted when it is marked failed.
Re-running a day replaces its rows, never duplicates them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
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
from shortages.scoring import alerts as scoring_alerts
from shortages.scoring.sums import SUM_KEYS, position_sums, regional_rollups, sums_adjusted
from shortages.services import chunk_scoring, day_sums, inputs, learning, position_rows, score_rows
from shortages.services.alerts import SyncScope, alerts_sync, keys_to_evaluate
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
    positions :func:`inputs.position_inputs` reads), in the order of their ids, cut into chunks of
    ``chunk_size`` consecutive ones: a run in one process reads the window's sums chunk by chunk
    in that order (:func:`inputs.run_frames`). One query."""
    window = scoring.window_months(as_of, settings.SCORING_MONTHS)
    with_levels = StockLevel.objects.filter(establishment=OuterRef("pk"))
    with_consumption = ConsumptionMonth.objects.filter(
        establishment=OuterRef("pk"), month__gte=window[0].date(), month__lte=window[-1].date()
    )
    ids = Establishment.objects.filter(Exists(with_levels) | Exists(with_consumption)).order_by("id")
    rows = list(ids.values_list("id", flat=True))
    return [rows[start : start + chunk_size] for start in range(0, len(rows), chunk_size)]


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


def positions_store(*, run: ScoringRun, scored: pd.DataFrame, stored: pd.DataFrame | None = None) -> StoredChanges:
    """Store for ``run`` the positions of ``scored`` (every position of its establishments) whose
    figures changed since the rows that hold on its day; those of its establishments no longer
    scored stop holding. ``stored``: :func:`position_rows.stored_columns` of ``scored`` when already
    built. Returns what it changed. (An incremental run scores some positions only and stores them
    beside its publication: :class:`incremental.RowsStored`.)"""
    if stored is None:
        stored = position_rows.stored_columns(scored)
    establishment_ids = sorted(set(stored["establishment_id"].tolist()))
    current = position_rows.current_fingerprints(as_of=run.as_of, establishment_ids=establishment_ids)
    removed = position_rows.positions_close(run=run, keys=position_rows.removed(stored, current))
    changed = stored.loc[position_rows.changed(stored, current)]
    position_rows.rows_insert(stored=changed, run=run)
    return StoredChanges(written=changed[position_rows.POSITION_KEYS].reset_index(drop=True), removed=removed)


@dataclass
class StoredChanges:
    """What storing a chunk changed: ``written``, the keys of the positions it wrote a row for;
    ``removed``, how many rows of positions no longer scored stopped holding."""

    written: pd.DataFrame
    removed: int


@transaction.atomic
def scoring_chunk_execute(
    *,
    run_id: int,
    establishment_ids: list[int],
    published: dict[int, pd.DataFrame] | None = None,
    prepared: chunk_scoring.ScoredChunk | None = None,
    shared_lock: bool = False,
    changes: dict[int, StoredChanges] | None = None,
) -> bool:
    """Score the positions of ``establishment_ids`` for the run's day and store them, replacing that
    day's rows of those establishments. Idempotent: a chunk already stored by this run is skipped.
    ``prepared``: the chunk already scored (:func:`chunk_scoring.chunk_scored`); with ``published``,
    the stored positions as the publication reads them are put in it under the chunk's index (not
    for a skipped chunk), and with ``changes`` what storing it changed (:class:`StoredChanges`).
    ``shared_lock`` (PostgreSQL): lock the run ``FOR KEY SHARE``, which lets
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
        stored = positions_store(run=run, scored=scored, stored=prepared.stored)
        if published is not None:
            published[prepared.index] = prepared.published
        if changes is not None:
            changes[prepared.index] = stored
        ScoringRun.objects.filter(pk=run.pk).update(
            chunks_done=F("chunks_done") + 1, positions=F("positions") + len(scored)
        )
        run.refresh_from_db(fields=["chunks_done", "chunks_total"])
    return run.chunks_done >= run.chunks_total


@dataclass
class PositionFigures:
    """The day's sums of a run's positions (:func:`position_sums`) and their alert conditions."""

    sums: pd.DataFrame
    conditions: pd.DataFrame


@dataclass
class RunDifference:
    """What a full run changed, gathered while its chunks were stored (:class:`PublicationBeside`):
    ``written``, the keys of the positions it wrote a row for; ``added``, those positions as the
    publication reads them; ``replaced``, the rows they replace, as they held before
    (:func:`inputs.stored_positions_frame`, read before they were closed); ``scored``, how many
    positions it scored under each key of the day's sums (:func:`sum_key_counts`)."""

    written: pd.DataFrame
    added: pd.DataFrame
    replaced: pd.DataFrame
    scored: pd.Series


def sum_key_counts(positions: pd.DataFrame, counts: pd.Series | None = None) -> pd.Series:
    """How many of ``positions`` fall in each key of the day's sums (medicine, region, horizon), or
    the sum of ``counts`` (positions per row) under each key."""
    keys = pd.DataFrame(
        {
            "medicine_id": positions["medicine_id"].to_numpy(dtype="int64"),
            "region_id": pd.to_numeric(positions["region_id"]).to_numpy(dtype="float64"),
            "horizon_months": pd.to_numeric(positions["horizon_months"]).to_numpy(dtype="float64"),
            "count": 1 if counts is None else counts.to_numpy(dtype="int64"),
        }
    )
    totals = keys.groupby(SUM_KEYS, dropna=False, sort=True)["count"].sum()
    return totals.loc[totals > 0]


def _counts_agree(sums: pd.DataFrame, scored: pd.Series) -> bool:
    """Whether ``sums`` count the positions of ``scored`` (:func:`sum_key_counts` of a run's
    positions) under each of their keys: a check that the previous publication's sums counted the
    rows that held, and under the keys the run gives them (rows deleted behind the runs' back, or a
    position whose region moved without its figures, would make the difference wrong)."""
    counted = sum_key_counts(sums, counts=sums["positions"])
    return counted.index.equals(scored.index) and bool((counted.to_numpy() == scored.to_numpy()).all())


@transaction.atomic
def scoring_run_publish(
    *,
    run_id: int,
    positions: pd.DataFrame | list[pd.DataFrame] | None = None,
    national: inputs.NationalInputs | None = None,
    closed: bool = False,
    difference: RunDifference | None = None,
) -> list[int]:
    """Aggregate the day's positions nationally, replace the day's national scores and sums,
    synchronise the alerts and mark the run succeeded, all in one transaction. Returns the ids of
    the in-app notifications created (the daily digest e-mails them). A run that is not running
    (already published, failed) is left alone.

    ``positions``: the day's stored positions when the caller holds them, whole or in parts
    (:func:`inputs.scored_positions_frame` of each chunk of a full run), else they are read back.
    ``closed``: the rows the run's rows replace were already closed in this transaction
    (:class:`PublicationBeside`). ``difference``: what the run changed, when gathered; where the
    previous publication allows it (:func:`_difference_basis`), the day's sums are then that
    publication's adjusted by the difference, and only the alerts of what changed, and of what must
    be evaluated again (:func:`alerts.keys_to_evaluate`), are synchronised: the same outcome as
    evaluating every position. ``national``: the national inputs, when read before."""
    run = ScoringRun.objects.select_for_update().get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return []
    params = inputs.scoring_params(as_of=run.as_of)
    medicines = inputs.medicines_frame()
    key = conditions_key(params, medicines)
    if difference is not None and positions is not None and closed:
        basis = _difference_basis(run=run, key=key)
        if basis is not None:
            published = _publish_by_difference(
                run=run,
                params=params,
                medicines=medicines,
                difference=difference,
                basis=basis,
                positions=positions,
                national=national,
                key=key,
            )
            if published is not None:
                return published
    if isinstance(positions, list):
        positions = pd.concat(positions, ignore_index=True)
    if positions is None:
        if not closed:
            position_rows.superseded_close(run=run)
        positions = inputs.stored_positions_frame(as_of=run.as_of, run_id=run.pk)
        figures = position_figures(positions, medicines, params)
    elif closed:
        figures = position_figures(positions, medicines, params)
    else:
        # The positions' sums and alert conditions are pure computation: a thread computes them
        # while the server closes the replaced rows (psycopg2 waits without the GIL).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publication") as pool:
            computed = pool.submit(position_figures, positions, medicines, params)
            position_rows.superseded_close(run=run)
            figures = computed.result()
    return _national_publish(
        run=run,
        params=params,
        medicines=medicines,
        sums=figures.sums,
        position_conditions=figures.conditions,
        scope=None,
        national_data=national,
        key=key,
    )


def position_figures(
    positions: pd.DataFrame, medicines: pd.DataFrame, params: scoring.ScoringParams
) -> PositionFigures:
    """The day's sums of ``positions`` (:func:`position_sums`) and their alert conditions."""
    positions = positions.merge(medicines[["medicine_id", "ven_class"]], on="medicine_id", how="left")
    sums = position_sums(positions, probability_cut=settings.ALERT_ROLLUP_PROBABILITY_CUT)
    return PositionFigures(sums=sums, conditions=scoring.position_conditions(positions, params))


def conditions_key(params: scoring.ScoringParams, medicines: pd.DataFrame) -> str:
    """What the alert conditions of a position depend on besides its stored figures: the scoring
    parameters (but the day), the roll-ups' and the clear runs' settings and each medicine's VEN
    class, as a hash. Two runs with the same key give a position whose row did not change the same
    conditions."""
    parameters = dataclasses.replace(params, as_of=dt.date.min)
    rollups = (
        settings.ALERT_ROLLUP_SHARE,
        settings.ALERT_ROLLUP_MIN_POSITIONS,
        settings.ALERT_ROLLUP_PROBABILITY_CUT,
        settings.ALERT_CLEAR_RUNS,
        scoring_alerts.EXPIRY_ALERT_MIN_UNITS,
    )
    classes = medicines[["medicine_id", "ven_class"]].sort_values("medicine_id").astype({"ven_class": str})
    digest = hashlib.sha256(repr((parameters, rollups)).encode())
    digest.update(pd.util.hash_pandas_object(classes, index=False).to_numpy().tobytes())
    return digest.hexdigest()


@dataclass
class DifferenceBasis:
    """The publication a full run's may be the difference of: its day (whose sums it adjusts), and
    since when alerts may have stopped being active without a run evaluating them again (the start
    of the latest run that evaluated every alert)."""

    day: dt.date
    since: dt.datetime


def _difference_basis(*, run: ScoringRun, key: str) -> DifferenceBasis | None:
    """Whether ``run`` can be published by difference with the previous publication, and from what.

    It can when the previous publication (the latest to finish) is of the latest day published, not
    after ``run``'s, and left every active alert evaluated with the same ``key``
    (:func:`conditions_key`, chained from run to run: a run that evaluated only some alerts keeps the
    key only when its predecessor had it): then the rows that held on ``run``'s day before it are
    those that held on that day, and an unchanged position's conditions are what its alerts say, but
    for those of :func:`alerts.keys_to_evaluate`. Anything else (a first run, a back-filled day,
    changed parameters or VEN classes) evaluates every alert."""
    succeeded = ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).exclude(pk=run.pk)
    previous = succeeded.order_by("-finished_at", "-pk").first()
    if previous is None or not key or previous.conditions_key != key or previous.as_of > run.as_of:
        return None
    if succeeded.filter(as_of__gt=previous.as_of).exists():
        return None
    everything = succeeded.filter(alerts_all=True).order_by("-finished_at", "-pk").first()
    if everything is None or everything.started_at is None:
        return None
    return DifferenceBasis(day=previous.as_of, since=everything.started_at)


def _publish_by_difference(
    *,
    run: ScoringRun,
    params: scoring.ScoringParams,
    medicines: pd.DataFrame,
    difference: RunDifference,
    basis: DifferenceBasis,
    positions: pd.DataFrame | list[pd.DataFrame],
    national: inputs.NationalInputs | None,
    key: str,
) -> list[int] | None:
    """:func:`scoring_run_publish` of a full run from what it changed (``difference``): the
    previous publication's sums adjusted by the rows it wrote and those they replace, the alerts of
    the positions it wrote, of their regions and of :func:`alerts.keys_to_evaluate` synchronised
    (the conditions of those positions read from ``positions``, whole or in parts), the national
    ones always. None, with nothing written, when the basis's day has no stored sums or the adjusted
    sums do not count the positions the run scored."""
    previous = day_sums.sums_read(as_of=basis.day)
    if previous is None:
        return None
    added = position_figures(difference.added, medicines, params)
    removed = position_sums(difference.replaced, probability_cut=settings.ALERT_ROLLUP_PROBABILITY_CUT)
    sums = sums_adjusted(previous, removed=removed, added=added.sums)
    if not _counts_agree(sums, difference.scored):
        return None
    again_positions, again_regions = keys_to_evaluate(since=basis.since)
    again = position_rows.removed(difference.written, again_positions)  # those it did not rewrite
    conditions = [added.conditions]
    if not again.empty:
        parts = positions if isinstance(positions, list) else [positions]
        held = pd.concat([position_rows.rows_of_positions(part, again) for part in parts], ignore_index=True)
        held = held.merge(medicines[["medicine_id", "ven_class"]], on="medicine_id", how="left")
        conditions.append(scoring.position_conditions(held, params))
    keys = pd.concat([difference.written, again], ignore_index=True)
    regions = pd.concat(
        [
            difference.replaced[["medicine_id", "region_id"]],
            difference.added[["medicine_id", "region_id"]],
            again_regions[["medicine_id", "region_id"]],
        ],
        ignore_index=True,
    )
    return _national_publish(
        run=run,
        params=params,
        medicines=medicines,
        sums=sums,
        position_conditions=pd.concat(conditions, ignore_index=True),
        scope=SyncScope(positions=keys, regions=regions.dropna().drop_duplicates()),
        national_data=national,
        key=key,
    )


@transaction.atomic
def scoring_run_publish_changed(
    *,
    run_id: int,
    changed: pd.DataFrame,
    replaced: pd.DataFrame | None = None,
    closing: pd.DataFrame | None = None,
    national: inputs.NationalInputs | None = None,
    rows_stored: Callable[[], None] | None = None,
) -> list[int]:
    """Publish an incremental run whose positions ``changed`` (:func:`inputs.scored_positions_frame`
    of every position it scored) are the only ones it re-scored: the day's stored sums are adjusted
    by their difference with the rows they replace (``replaced``, :func:`inputs.stored_positions_frame`
    of those positions before the run stored any, or read here for those positions only), the national
    scores follow from the sums, and the alerts of those positions, of their regional roll-ups and
    the national ones are synchronised (:class:`alerts.SyncScope`). ``closing``: the rows the run's
    rows replace, when read before (:func:`position_rows.rows_close`); ``national``: the national
    inputs, when read before. ``rows_stored``: when the run's rows are still being stored beside
    (:class:`incremental.RowsStored`), returns once they are; called before anything here reads
    them. Without stored sums for the day (a day scored before they existed), the publication of a
    full run. Returns what :func:`scoring_run_publish` does."""
    run = ScoringRun.objects.select_for_update().get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return []
    previous = day_sums.sums_read(as_of=run.as_of)
    if previous is None:
        if rows_stored is not None:
            rows_stored()
        return scoring_run_publish(run_id=run_id)
    params = inputs.scoring_params(as_of=run.as_of)
    keys = changed[position_rows.POSITION_KEYS].drop_duplicates()
    if replaced is None:
        replaced = inputs.stored_positions_frame(as_of=run.as_of, keys=keys)
    if national is None:
        national = inputs.national_inputs(as_of=run.as_of, history_months=params.history_months)
    medicines = inputs.medicines_frame()
    regions = pd.concat([replaced[["medicine_id", "region_id"]], changed[["medicine_id", "region_id"]]])
    scope = SyncScope(positions=keys, regions=regions.dropna().drop_duplicates())

    def computed() -> tuple[PositionFigures, pd.DataFrame, NationalFigures]:
        """The changed positions' figures, the day's adjusted sums and the national figures: pure
        computation."""
        added = position_figures(changed, medicines, params)
        removed = position_sums(replaced, probability_cut=settings.ALERT_ROLLUP_PROBABILITY_CUT)
        sums = sums_adjusted(previous, removed=removed, added=added.sums)
        figures = national_figures(
            run=run, params=params, medicines=medicines, sums=sums, scope=scope, national_data=national
        )
        return added, sums, figures

    # a thread computes while the server closes the replaced rows (as in :func:`scoring_run_publish`)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publication") as pool:
        figures = pool.submit(computed)
        if closing is None or position_rows.rows_close(run=run, rows=closing) is None:
            if rows_stored is not None:
                rows_stored()  # the close looks the run's rows up
            position_rows.superseded_close(run=run)
        added, sums, national_computed = figures.result()
    return _national_publish(
        run=run,
        params=params,
        medicines=medicines,
        sums=sums,
        position_conditions=added.conditions,
        scope=scope,
        key=conditions_key(params, medicines),
        computed=national_computed,
    )


@dataclass
class NationalFigures:
    """What a publication writes besides the positions' rows, computed before anything is written."""

    national: pd.DataFrame  # the medicines' scores (:func:`shortages.scoring.score_medicines`)
    rows: list[RiskScore]  # their rows (:func:`score_rows.national_rows`)
    conditions: pd.DataFrame  # the conditions of the regional roll-ups and the national alerts


def national_figures(
    *,
    run: ScoringRun,
    params: scoring.ScoringParams,
    medicines: pd.DataFrame,
    sums: pd.DataFrame,
    scope: SyncScope | None,
    national_data: inputs.NationalInputs,
) -> NationalFigures:
    """The national scores of ``run`` from the day's ``sums`` and the national inputs, their rows, and
    the conditions of the regional roll-ups (those of ``scope``'s regions only, when given) and of the
    national alerts. Pure computation: safe in a thread while the run's connection writes."""
    national = scoring.score_medicines(
        sums,
        medicines,
        national_data.industry,
        national_data.deliveries,
        national_data.suppliers,
        national_data.episodes,
        params,
    )
    rows = score_rows.national_rows(
        national, run=run, weights=params.national_weights, regional=score_rows.regional_map(sums)
    )
    conditions = pd.concat(
        [
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
    return NationalFigures(national=national, rows=rows, conditions=conditions)


def _national_publish(
    *,
    run: ScoringRun,
    params: scoring.ScoringParams,
    medicines: pd.DataFrame,
    sums: pd.DataFrame,
    position_conditions: pd.DataFrame,
    scope: SyncScope | None,
    national_data: inputs.NationalInputs | None = None,
    key: str = "",
    computed: NationalFigures | None = None,
) -> list[int]:
    """The end of a publication: national scores from ``sums`` (and ``national_data``, read here
    when not given; or ``computed`` before, :func:`national_figures`), the sums stored, the alert
    conditions of the positions (``position_conditions``), of the regional roll-ups and the national
    ones synchronised (those of ``scope`` only, when given), the run marked succeeded with what its
    conditions were evaluated with (``key``, :func:`conditions_key`: kept by a run that evaluated
    only some alerts when its predecessor had it too)."""
    if computed is None:
        if national_data is None:
            national_data = inputs.national_inputs(as_of=run.as_of, history_months=params.history_months)
        computed = national_figures(
            run=run, params=params, medicines=medicines, sums=sums, scope=scope, national_data=national_data
        )
    RiskScore.objects.national().filter(as_of=run.as_of).delete()
    ScoringChunk.objects.filter(run=run).delete()
    score_rows.national_rows_insert(computed.rows)
    day_sums.sums_store(run=run, sums=sums)
    conditions = pd.concat([position_conditions, computed.conditions], ignore_index=True)
    # The first run over a new history opens every alert of that history at once: nobody is told
    # about each of them (the inboxes list them); later runs notify what opens or escalates.
    first = not ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).exclude(pk=run.pk).exists()
    outcome = alerts_sync(run=run, conditions=conditions, notify=not first, scope=scope)
    if scope is not None:
        previous = ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).exclude(pk=run.pk)
        previous = previous.order_by("-finished_at", "-pk").values_list("conditions_key", flat=True).first()
        key = key if previous == key else ""
    run.status = RunStatus.SUCCEEDED
    run.medicines = len(computed.national)
    run.alerts_opened = outcome.opened
    run.alerts_closed = outcome.closed
    run.conditions_key = key
    run.alerts_all = scope is None
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "status",
            "medicines",
            "alerts_opened",
            "alerts_closed",
            "conditions_key",
            "alerts_all",
            "finished_at",
        ]
    )
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


# Above this share of a chunk's positions rewritten, a full run's replaced rows are closed by the
# publication's join rather than looked up chunk by chunk (docs/performance.md, thirteenth round).
CLOSE_BESIDE_SHARE = 0.25


class PublicationBeside:
    """A full run's publication prepared while its chunks are stored (PostgreSQL, outside a
    transaction). Its transaction opens on a connection of its own when the chunks start
    (:class:`bulk.writers.TransactionBeside`): as each chunk is stored, that transaction reads the
    rows the chunk's rows replace (their figures and ids) and closes them by id
    (:func:`position_rows.rows_close`), which no reader sees before the commit, while the chunks go
    on. Once every chunk is stored, :meth:`finish` publishes the run in that same transaction
    (:func:`scoring_run_publish`), by difference with the previous publication where it can be. A
    day that became a back-fill meanwhile, or a replaced row closed by someone else, sends the close
    back to :func:`position_rows.superseded_close` (the back-fill after undoing the early closes),
    in the same transaction."""

    def __init__(self, *, run: ScoringRun) -> None:
        self.run = run
        self._published: dict[int, pd.DataFrame] = {}
        self._written: dict[int, pd.DataFrame] = {}
        self._removed = 0
        # Closing beside pays where the publication goes by difference (its figures are then few);
        # a publication that must evaluate every position closes better by the join, beside them.
        key = conditions_key(inputs.scoring_params(as_of=run.as_of), inputs.medicines_frame())
        self._beside = _difference_basis(run=run, key=key) is not None
        self._replaced: list[pd.DataFrame] = []
        self._closes: list[bool] = []
        self._savepoint: list[str] = []
        self._transaction = bulk_writers.TransactionBeside()
        self._transaction.submit(lambda: self._savepoint.append(transaction.savepoint()))

    def chunk_stored(self, *, index: int, published: pd.DataFrame, changes: StoredChanges) -> None:
        """The chunk ``index`` is stored: ``published``, its positions as the publication reads them;
        ``changes``, what storing it changed. A chunk that rewrote more than
        :data:`CLOSE_BESIDE_SHARE` of its positions (the first run of a month rewrites nearly all)
        leaves the close of the rest of the run to the publication's join
        (:func:`position_rows.superseded_close`), which closes many rows faster than looking each up."""
        self._published[index] = published
        self._written[index] = changes.written
        self._removed += changes.removed
        if len(changes.written) > CLOSE_BESIDE_SHARE * len(published):
            self._beside = False
        if self._beside and not changes.written.empty:
            self._transaction.submit(lambda: self._close(changes.written))

    def _close(self, written: pd.DataFrame) -> None:
        held = inputs.stored_positions_frame(as_of=self.run.as_of, keys=written, rows_named=True)
        self._replaced.append(held)
        self._closes.append(held.empty or position_rows.rows_close(run=self.run, rows=held) is not None)

    def finish(self, *, chunks: int, national: inputs.NationalInputs | None) -> list[int]:
        """Publish the run once its ``chunks`` are stored, and commit."""
        return self._transaction.finish(lambda: self._publish(chunks=chunks, national=national))

    def abandon(self) -> None:
        """Undo the early closes (the run failed)."""
        self._transaction.abandon()

    def _publish(self, *, chunks: int, national: inputs.NationalInputs | None) -> list[int]:
        closed = self._beside and all(self._closes)
        if position_rows.backfilled(self.run):
            transaction.savepoint_rollback(self._savepoint[0])
            closed = False
        complete = len(self._published) == chunks
        if not complete:
            return scoring_run_publish(run_id=self.run.pk, national=national)
        frames = [self._published[index] for index in range(chunks)]
        difference = None
        if closed and not self._removed:
            written = pd.concat([self._written[index] for index in range(chunks)], ignore_index=True)
            added = [position_rows.rows_of_positions(frame, self._written[index]) for index, frame in enumerate(frames)]
            difference = RunDifference(
                written=written.astype("int64"),
                added=pd.concat(added, ignore_index=True),
                replaced=pd.concat(self._replaced, ignore_index=True) if self._replaced else frames[0].iloc[0:0],
                scored=sum_key_counts(pd.concat([frame[SUM_KEYS] for frame in frames], ignore_index=True)),
            )

        return scoring_run_publish(
            run_id=self.run.pk, positions=frames, closed=closed, difference=difference, national=national
        )


def scoring_run_execute(
    *, as_of: dt.date, scope: str = RunScope.FULL, run_id: int | None = None, trigger: str = "manual"
) -> ScoringRun:
    """Run a whole scoring in this process: start, every chunk, publish. Each step commits on
    its own (a run is many transactions by design); any error marks the run failed and re-raises.
    Inputs are read in one scan each, the next chunk is scored while one is stored, and on
    PostgreSQL outside a transaction two chunks are written at once (:mod:`chunk_scoring`) while the
    publication is prepared beside them (:class:`PublicationBeside`). The chunks cover every
    establishment with positions and replace the day's rows of each, so the positions they stored are
    the day's: the publication takes them from memory instead of reading them back (unless a chunk
    was skipped as already stored)."""
    scoring_runs_fail_stale()
    started = scoring_run_start(as_of=as_of, scope=scope, run_id=run_id, trigger=trigger)
    national = None
    publication = None
    try:
        published: dict[int, pd.DataFrame] = {}
        changes: dict[int, StoredChanges] = {}
        parallel = position_rows.copy_supported() and not transaction.get_connection().in_atomic_block
        if parallel:
            history_months = inputs.scoring_params(as_of=started.run.as_of).history_months
            # the publication's national inputs (industry declarations, the register) are none of
            # the run's writes: read on a connection of their own while the chunks are scored
            national = bulk_writers.read_beside(
                lambda: inputs.national_inputs(as_of=started.run.as_of, history_months=history_months)
            )
            publication = PublicationBeside(run=started.run)

        def store(prepared: chunk_scoring.ScoredChunk) -> None:
            scoring_chunk_execute(
                run_id=started.run.pk,
                establishment_ids=prepared.establishment_ids,
                published=published,
                prepared=prepared,
                shared_lock=parallel,
                changes=changes,
            )
            if publication is not None and prepared.index in changes:
                publication.chunk_stored(
                    index=prepared.index, published=published.pop(prepared.index), changes=changes[prepared.index]
                )

        writers = chunk_scoring.WRITERS if parallel else 1
        chunk_scoring.run_chunks_stored(run=started.run, chunks=started.chunks, store=store, writers=writers)
        if publication is not None:
            pending, publication = publication, None
            pending.finish(chunks=len(started.chunks), national=national.result())
        else:
            complete = bool(published) and len(published) == len(started.chunks)
            positions = (
                pd.concat([published[index] for index in sorted(published)], ignore_index=True) if complete else None
            )
            published.clear()
            scoring_run_publish(run_id=started.run.pk, positions=positions)
    except Exception as error:
        if publication is not None:
            publication.abandon()
        if national is not None:
            national.exception()  # its connection closed before the error goes up
        scoring_run_fail(run_id=started.run.pk, error=f"{type(error).__name__}: {error}")
        raise
    started.run.refresh_from_db()
    return started.run
