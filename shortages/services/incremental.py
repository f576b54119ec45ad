"""Incremental scoring: re-score only the positions whose inputs changed since the day's last
succeeded run, then publish the national result again by adjusting the day's stored sums by the
difference of those positions (:func:`scores.scoring_run_publish_changed`), without reading the
other positions back.

A position's inputs are its stock level, lots and monthly consumption. Every write that touches
them goes through the stock ledger, which moves the position's ``StockLevel.updated_at``; a shipment
moves the destination's ``in_transit`` without it, so positions receiving a transfer recorded or
received since then count as changed too. Figures that depend on the day itself (expiry, days to
the horizon) only stay valid within the same ``as_of``: a run for a new day is always a full run.

The run's reads need only the changed positions' keys, so once those are found they go to the
server at once on connections of their own (:func:`changed_read`); the rows they replace are read
with their ids among them, and the publication closes those rows by id
(:func:`position_rows.rows_close`) instead of looking each one up again through the run's rows.
Since the close needs none of the run's rows, they are stored on a connection of their own while
the publication goes on (:class:`RowsStored`), committed just before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from bulk import writers as bulk_writers
from bulk.arrays import int8_array
from shortages import scoring
from shortages.choices import RunScope, RunStatus
from shortages.models import ScoringRun
from shortages.services import inputs, learning, position_rows
from shortages.services.scores import (
    run_start_check,
    scoring_run_execute,
    scoring_run_fail,
    scoring_run_publish_changed,
    scoring_runs_fail_stale,
)

POSITION_KEYS = ["establishment_id", "medicine_id"]
# Positions whose inputs changed at or after %(since)s: a CTE the input queries join on.
CHANGED_CTE = """
    WITH changed AS (
        SELECT establishment_id, medicine_id FROM stock_stocklevel WHERE updated_at >= %(since)s
        UNION
        SELECT destination_id, medicine_id FROM stock_transfer
        WHERE created_at >= %(since)s OR received_on >= %(since_day)s
    )
"""
POSITIONS_QUERY = """
    SELECT changed.establishment_id, changed.medicine_id, coalesce(level.quantity, 0),
           coalesce(level.in_transit, 0), establishment.region_id, establishment.level
    FROM changed
    JOIN stock_establishment AS establishment ON establishment.id = changed.establishment_id
    LEFT JOIN stock_stocklevel AS level
      ON level.establishment_id = changed.establishment_id AND level.medicine_id = changed.medicine_id
"""
# The lots of the changed positions, looked up by the positions' keys (the first query found them:
# the changes are not searched for twice).
LOTS_QUERY = """
    SELECT lot.establishment_id, lot.medicine_id, lot.expiry_date, lot.quantity
    FROM unnest(%(establishments)s::bigint[], %(medicines)s::bigint[]) AS changed(establishment_id, medicine_id)
    JOIN stock_stocklot AS lot
      ON lot.establishment_id = changed.establishment_id AND lot.medicine_id = changed.medicine_id
    WHERE lot.quantity > 0
"""
INPUT_COLUMNS = {
    "positions": POSITION_KEYS + ["stock", "in_transit", "region_id", "level"],
    "lots": POSITION_KEYS + ["expiry_date", "quantity"],
}
# The window's consumption comes summed by the database (``inputs.consumption_stats_read``), as in
# the full runs: its monthly rows are not read.
CONSUMPTION_COLUMNS = POSITION_KEYS + ["month", "issued", "stockout_days", "reported"]


def changed_positions(*, since: dt.datetime) -> pd.DataFrame:
    """The positions whose inputs changed since ``since``, with the columns of
    :func:`inputs.position_inputs`' positions, in the order of their keys: the run's keyed reads,
    its alert lookup and its stored rows then walk the indexes of (establishment, medicine) in
    their order instead of jumping about them (the five reads together 0.47-0.56 s in the order
    the stock levels came, 0.36-0.38 s in the keys' order, docs/performance.md, seventeenth round).
    One query."""
    parameters = {"since": since, "since_day": timezone.localdate(since)}
    with connection.cursor() as cursor:
        cursor.execute(CHANGED_CTE + POSITIONS_QUERY, parameters)
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=INPUT_COLUMNS["positions"])
    return frame.sort_values(POSITION_KEYS, kind="stable", ignore_index=True)


def changed_lots(keys: pd.DataFrame) -> pd.DataFrame:
    """The lots with units of the positions of ``keys``. One query."""
    parameters = {
        "establishments": int8_array(keys["establishment_id"]),
        "medicines": int8_array(keys["medicine_id"]),
    }
    with connection.cursor() as cursor:
        cursor.execute(LOTS_QUERY, parameters)
        return pd.DataFrame.from_records(cursor.fetchall(), columns=INPUT_COLUMNS["lots"])


@dataclass
class ChangedRead:
    """What an incremental run reads before it scores."""

    positions: inputs.PositionInputs  # the changed positions' inputs (the monthly consumption empty)
    learned: pd.DataFrame  # their learned figures (:func:`learning.run_predictions`)
    stats: pd.DataFrame  # their window, summed by the database (:func:`inputs.consumption_stats_read`)
    # the rows that hold for them (:func:`inputs.stored_positions_frame` with fingerprints and row ids)
    held: pd.DataFrame
    national: inputs.NationalInputs  # what the publication scores the medicines with


def changed_read(*, run: ScoringRun, since: dt.datetime, params: scoring.ScoringParams) -> ChangedRead:
    """Everything the incremental ``run`` reads, for the positions changed since ``since``: finding
    them is one query; the five reads that follow need only their keys, and go to the server at once
    outside a transaction (:func:`bulk.writers.reads_together`)."""
    positions = changed_positions(since=since)
    keys = positions[POSITION_KEYS].drop_duplicates()
    stats, lots, learned, held, national = bulk_writers.reads_together(
        # the window summed by the database, as the full runs sum it (the same figures to the bit)
        lambda: inputs.consumption_stats_read(as_of=run.as_of, months=params.months, positions=keys),
        lambda: changed_lots(keys),
        lambda: learning.run_predictions(run=run, keys=keys),
        lambda: inputs.stored_positions_frame(as_of=run.as_of, keys=keys, fingerprints=True, rows_named=True),
        lambda: inputs.national_inputs(as_of=run.as_of, history_months=params.history_months),
    )
    data = inputs.PositionInputs(positions=positions, lots=lots, consumption=pd.DataFrame(columns=CONSUMPTION_COLUMNS))
    return ChangedRead(positions=data, learned=learned, stats=stats, held=held, national=national)


@dataclass
class ChangedScored:
    """What an incremental run scored, before anything is written."""

    changed: pd.DataFrame  # the scored positions as the publication reads them (:func:`inputs.scored_positions_frame`)
    rows: pd.DataFrame  # the rows to store: those whose figures changed (:func:`position_rows.stored_columns`)
    replaced: pd.DataFrame  # the rows that held for the scored positions, taken off the day's sums
    closing: pd.DataFrame  # ``row_id``, ``row_as_of`` of the held rows that ``rows`` replace


def changed_scored(*, read: ChangedRead, params: scoring.ScoringParams) -> ChangedScored:
    """Score the positions of ``read`` for the run's day, and tell which of them changed (their
    fingerprints against those of the rows that hold). Pure computation: nothing is written."""
    data = read.positions
    scored = scoring.score_positions(
        data.positions,
        data.lots,
        data.consumption,
        inputs.medicines_frame(),
        params,
        learned=read.learned,
        stats=read.stats,
    )
    stored = position_rows.stored_columns(scored)
    current = read.held[[*POSITION_KEYS, "fingerprint"]].astype("int64")
    rows = stored.loc[position_rows.changed(stored, current)]
    return ChangedScored(
        changed=inputs.scored_positions_frame(scored),
        rows=rows,
        replaced=read.held.drop(columns=["fingerprint", "row_id", "row_as_of"]),
        closing=read.held.merge(rows[POSITION_KEYS], on=POSITION_KEYS)[["row_id", "row_as_of"]],
    )


class RowsStored:
    """The run's new rows stored while its publication goes on: on PostgreSQL outside a transaction,
    in a transaction of their own on a connection of their own (:class:`bulk.writers.TransactionBeside`),
    so that the server writes them while it closes the rows they replace and publishes the national
    result; elsewhere, at once here. :meth:`wait` returns once they are committed (the publication
    calls it before anything that reads them and before its own commit: a run's rows are read only
    once it is published, so committing them first exposes nothing); :meth:`abandon` rolls back
    rows not yet committed."""

    def __init__(self, *, run: ScoringRun, rows: pd.DataFrame) -> None:
        self._beside: bulk_writers.TransactionBeside | None = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._beside = bulk_writers.TransactionBeside()
            self._beside.submit(lambda: position_rows.rows_insert(stored=rows, run=run))
        else:
            position_rows.rows_insert(stored=rows, run=run)

    def wait(self) -> None:
        if self._beside is not None:
            beside, self._beside = self._beside, None
            beside.finish(lambda: None)

    def abandon(self) -> None:
        if self._beside is not None:
            beside, self._beside = self._beside, None
            beside.abandon()


def scoring_run_incremental_execute(*, as_of: dt.date, trigger: str = "manual") -> ScoringRun:
    """Re-score the positions changed since the latest succeeded run of ``as_of`` and publish the
    national result again; without such a run, run a full scoring instead. Raises
    :class:`scores.RunInProgress` while another run of the day is running."""
    scoring_runs_fail_stale()
    previous = (
        ScoringRun.objects.filter(as_of=as_of, status=RunStatus.SUCCEEDED, started_at__isnull=False)
        .order_by("-started_at")
        .first()
    )
    if previous is None:
        return scoring_run_execute(as_of=as_of, trigger=trigger)
    with transaction.atomic():
        run_start_check(day=as_of)
        run = ScoringRun.objects.create(
            as_of=as_of,
            scope=RunScope.INCREMENTAL,
            status=RunStatus.RUNNING,
            trigger=trigger,
            chunks_total=1,
            started_at=timezone.now(),
        )
    stored = None
    try:
        params = inputs.scoring_params(as_of=as_of)
        read = changed_read(run=run, since=previous.started_at, params=params)
        scored = changed_scored(read=read, params=params)
        stored = RowsStored(run=run, rows=scored.rows)
        with transaction.atomic():
            ScoringRun.objects.filter(pk=run.pk).update(chunks_done=1, positions=len(scored.changed))
            scoring_run_publish_changed(
                run_id=run.pk,
                changed=scored.changed,
                replaced=scored.replaced,
                closing=scored.closing,
                national=read.national,
                rows_stored=stored.wait,
            )
            stored.wait()
    except BaseException as error:
        if stored is not None:
            stored.abandon()
        if isinstance(error, Exception):
            scoring_run_fail(run_id=run.pk, error=f"{type(error).__name__}: {error}")
        raise
    run.refresh_from_db()
    return run
