"""The stored row of a position score: its typed columns, its fingerprint, and which rows a run writes.

A run scores every position but stores only those whose figures changed since the row that holds
for them today (same fingerprint: nothing to write); a stored row then holds until a later run
changes the position again (``RiskScore.valid_until``). On a day when 1 % of positions moved, a
run writes 1 % of the rows; at the start of a month, when the consumption window moves, it writes
nearly all of them (docs/performance.md). Rows are narrow and typed: no JSON per row.

PostgreSQL receives the rows as one binary ``COPY`` (:mod:`bulk.copy_in`); other databases as
model instances. Both store the same values.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from bulk import copy_in, copy_out
from bulk.arrays import int8_array
from shortages.choices import RunStatus
from shortages.models import RiskScore, ScoringRun
from shortages.models.scores import POSITION_FIGURES, POSITION_POINTS
from shortages.services.score_rows import clean

POSITION_KEYS = ["establishment_id", "medicine_id"]
# A row's fingerprint as read back: a row stored before fingerprints existed reads as 0 (changed);
# 64-bit integers all the way, never floats, whose 53 bits would take two fingerprints for one.
FINGERPRINT_READ = Coalesce("fingerprint", 0)
# Stored column <- column of the frame of ``score_positions``, by type.
TEXT_COLUMNS = {"stock_status": "stock_status", "level": "risk_level", "sigma_rule": "sigma_rule"}
INTEGER_COLUMNS = {"months_used": "months_used", "model_version": "model_version"}
SCORE_COLUMNS = (
    "stock",
    "usable_stock",
    "amc",
    "sigma",
    "months_of_stock",
    "days_of_cover",
    "pipeline",
    "horizon_months",
    "stockout_probability",
    "score",
)
FIGURE_COLUMNS = tuple(name for name in POSITION_FIGURES if name not in TEXT_COLUMNS and name not in INTEGER_COLUMNS)
FLOAT_COLUMNS = {name: name for name in (*SCORE_COLUMNS, *FIGURE_COLUMNS, "factor_cover", "factor_criticality")} | {
    column: f"contrib_{factor}" for factor, column in POSITION_POINTS.items()
}
ID_COLUMNS = ["medicine_id", "establishment_id", "region_id"]


def copy_supported() -> bool:
    return connection.vendor == "postgresql"


def stored_columns(scored: pd.DataFrame) -> pd.DataFrame:
    """The stored columns of the positions of ``scored`` (a frame of ``score_positions``), typed as
    stored: floats (NaN for NULL), texts ("" for none), integers as floats with NaN for NULL, the
    fingerprint of each row. A figure ``scored`` lacks (no learned model) is NULL."""
    rows = len(scored)
    missing = np.full(rows, np.nan)
    columns = {name: scored[name].to_numpy(dtype="int64") for name in ID_COLUMNS}
    for column, source in FLOAT_COLUMNS.items():
        values = pd.to_numeric(scored[source]).to_numpy(dtype="float64") if source in scored else missing
        columns[column] = np.where(np.isfinite(values), values, np.nan)  # infinities are stored as NULL
    for column, source in TEXT_COLUMNS.items():
        columns[column] = scored[source].fillna("").astype(str).to_numpy() if source in scored else np.full(rows, "")
    for column, source in INTEGER_COLUMNS.items():
        columns[column] = pd.to_numeric(scored[source]).to_numpy(dtype="float64") if source in scored else missing
    columns["insufficient_data"] = scored["insufficient_data"].to_numpy(dtype=bool)
    frame = pd.DataFrame(columns)
    frame["fingerprint"] = fingerprints(frame)
    return frame


def fingerprints(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's stored figures (everything but the ids), the same in every
    process: a position whose fingerprint did not move has nothing new to store."""
    figures = frame.drop(columns=["medicine_id", "establishment_id", "region_id", "fingerprint"], errors="ignore")
    return pd.util.hash_pandas_object(figures, index=False).to_numpy().view(np.int64)


def current_fingerprints(*, as_of: dt.date, establishment_ids: list[int] | None = None) -> pd.DataFrame:
    """``establishment_id``, ``medicine_id``, ``fingerprint`` of the published position rows that hold
    on ``as_of``, of ``establishment_ids`` or of all. One query."""
    rows = rows_holding(as_of=as_of).annotate(print=FINGERPRINT_READ)
    if establishment_ids is not None:
        rows = rows.filter(establishment_id__in=establishment_ids)
    frame = keys_frame(rows.values_list(*POSITION_KEYS, "print"), [*POSITION_KEYS, "fingerprint"], keys=None)
    return _fingerprints_typed(frame)


def keys_frame(rows, columns: list[str], *, keys: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of ``rows`` (a ``values_list`` queryset of position rows whose first two columns are
    the position's keys) as a frame named ``columns``, only those of the positions of ``keys`` when
    given: on PostgreSQL one query that looks each position up through the position index (a join
    of the keys with every row that holds, which the planner chose, read 0.7 million rows to keep
    7,000), filtered here elsewhere."""
    rows = rows.order_by()
    if keys is None:
        return copy_out.queryset_frame(rows, columns)
    if copy_supported():
        looked_up = rows.filter(establishment_id=RawSQL("keys.e", ()), medicine_id=RawSQL("keys.m", ()))
        with connection.cursor() as cursor:
            sql, params = looked_up.query.sql_with_params()
            statement = cursor.mogrify(
                # OFFSET 0 keeps the planner from flattening the lookup back into that join
                f"SELECT held.* FROM unnest(%s::bigint[], %s::bigint[]) AS keys(e, m) CROSS JOIN LATERAL ({sql} OFFSET 0) AS held",  # noqa: E501, S608
                [int8_array(keys["establishment_id"]), int8_array(keys["medicine_id"]), *params],
            ).decode()
        return copy_out.statement_frame(statement, columns)
    frame = copy_out.queryset_frame(rows, columns)
    return rows_of_positions(frame, keys, on=columns[:2])


def rows_of_positions(frame: pd.DataFrame, keys: pd.DataFrame, *, on: list[str] = POSITION_KEYS) -> pd.DataFrame:
    """The rows of ``frame`` of the positions of ``keys`` (:data:`POSITION_KEYS`), ``frame`` naming
    its establishment and medicine ``on``."""
    wanted = pd.MultiIndex.from_frame(keys[POSITION_KEYS].astype("int64"))
    found = pd.MultiIndex.from_arrays([frame[column].astype("int64") for column in on])
    return frame.loc[found.isin(wanted)].reset_index(drop=True)


def _fingerprints_typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"establishment_id": "int64", "medicine_id": "int64", "fingerprint": "int64"})


def changed(stored: pd.DataFrame, current: pd.DataFrame) -> np.ndarray:
    """Which rows of ``stored`` (:func:`stored_columns`) differ from the row that holds for their
    position in ``current`` (:func:`current_fingerprints`), or have none."""
    if current.empty:
        return np.ones(len(stored), dtype=bool)
    current = current.drop_duplicates(POSITION_KEYS, keep="last")
    at = pd.MultiIndex.from_frame(current[POSITION_KEYS]).get_indexer(pd.MultiIndex.from_frame(stored[POSITION_KEYS]))
    before = current["fingerprint"].to_numpy(dtype="int64")[np.maximum(at, 0)]
    return (at < 0) | (before != stored["fingerprint"].to_numpy(dtype="int64"))


def removed(scored_keys: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """The positions of ``current`` that are no longer scored (their stock level and consumption
    are gone)."""
    if current.empty:
        return current[POSITION_KEYS]
    keyed = current[POSITION_KEYS].merge(scored_keys[POSITION_KEYS], on=POSITION_KEYS, how="left", indicator=True)
    return keyed.loc[keyed["_merge"] == "left_only", POSITION_KEYS].reset_index(drop=True)


def rows_insert(*, stored: pd.DataFrame, run: ScoringRun) -> int:
    """Insert the rows of ``stored`` (:func:`stored_columns`) for ``run``: a binary ``COPY`` on
    PostgreSQL, ``bulk_create`` elsewhere. Returns how many."""
    if stored.empty:
        return 0
    if copy_supported():
        with connection.cursor() as cursor:
            return copy_in.copy_fields(cursor, RiskScore._meta.db_table, copy_fields(stored, run=run))
    RiskScore.objects.bulk_create(model_rows(stored, run=run), batch_size=2000)
    return len(stored)


def copy_fields(stored: pd.DataFrame, *, run: ScoringRun) -> list[copy_in.Field]:
    rows = len(stored)
    return [
        copy_in.int8("run_id", np.full(rows, run.pk, dtype=np.int64)),
        copy_in.date("as_of", run.as_of, rows),
        *(copy_in.int8(column, stored[column].to_numpy()) for column in ID_COLUMNS),
        *(copy_in.float8(column, stored[column].to_numpy()) for column in FLOAT_COLUMNS),
        *(copy_in.text(column, stored[column].to_numpy()) for column in TEXT_COLUMNS),
        copy_in.int2("months_used", stored["months_used"].to_numpy()),
        copy_in.int4("model_version", stored["model_version"].to_numpy()),
        copy_in.boolean("insufficient_data", stored["insufficient_data"].to_numpy()),
        copy_in.int8("fingerprint", stored["fingerprint"].to_numpy()),
    ]


def model_rows(stored: pd.DataFrame, *, run: ScoringRun) -> list[RiskScore]:
    rows = []
    for record in stored.to_dict("records"):
        fields = {name: clean(item) for name, item in record.items()}
        for column in INTEGER_COLUMNS:
            if fields[column] is not None:
                fields[column] = int(fields[column])
        rows.append(RiskScore(run=run, as_of=run.as_of, **fields))
    return rows


def backfilled(run: ScoringRun) -> bool:
    """Whether ``run`` scores a day before the latest published one (its rows must not change what
    later days read)."""
    return ScoringRun.objects.filter(status=RunStatus.SUCCEEDED, as_of__gt=run.as_of).exists()


def superseded_close(*, run: ScoringRun) -> int:
    """Make the rows ``run`` wrote the ones that hold from its day on: the rows they replace stop
    holding on that day (``valid_until``), or are deleted when they are of that very day (a day
    scored again). Returns how many rows were replaced.

    A run for a day before the latest published one (a back-filled day) must not change what later
    days read: its rows hold on its day only, and a replaced row that held across that day is cut in
    two around it (a copy of it starts the next day)."""
    day = run.as_of
    newer = RiskScore.objects.filter(
        run_id=run.pk, establishment_id=OuterRef("establishment_id"), medicine_id=OuterRef("medicine_id")
    )
    replaced = RiskScore.objects.positions().on_day(day).exclude(run_id=run.pk).filter(Exists(newer))
    if backfilled(run):
        following = day + dt.timedelta(days=1)
        RiskScore.objects.filter(run_id=run.pk).update(valid_until=following)
        copies = []
        for row in replaced.filter(as_of__lt=day):
            if row.valid_until is None or row.valid_until > following:
                row.pk, row.as_of = None, following
                copies.append(row)
        RiskScore.objects.bulk_create(copies, batch_size=2000)
    if copy_supported():
        return _superseded_close_sql(run=run)
    deleted, _ = replaced.filter(as_of=day).delete()
    return deleted + replaced.filter(as_of__lt=day).update(valid_until=day)


def rows_close(*, run: ScoringRun, rows: pd.DataFrame) -> int | None:
    """Make the rows ``run`` wrote the ones that hold from its day on when the rows they replace are
    known: ``rows`` (``row_id``, ``row_as_of``), the rows that held for the positions it re-wrote,
    read before it wrote them (an incremental run reads them anyway). What :func:`superseded_close`
    does without looking each replaced row up through the run's rows, so that the close needs none
    of them written yet. Returns how many rows were replaced, or None where only
    :func:`superseded_close` will do: a back-filled day, or a row of ``rows`` that no longer holds
    (closed since it was read: the run's rows are then looked up as usual), or not PostgreSQL."""
    if not copy_supported() or backfilled(run):
        return None
    same_day = rows["row_as_of"].eq(run.as_of).to_numpy()
    parameters = {"run": run.pk, "day": run.as_of}
    holding = "run_id IS DISTINCT FROM %(run)s AND (valid_until IS NULL OR valid_until > %(day)s)"
    table = RiskScore._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id = ANY(%(ids)s::bigint[]) AND as_of = %(day)s AND {holding}",  # noqa: S608
            {**parameters, "ids": int8_array(rows.loc[same_day, "row_id"])},
        )
        replaced = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} SET valid_until = %(day)s WHERE id = ANY(%(ids)s::bigint[]) AND as_of < %(day)s AND {holding}",  # noqa: S608
            {**parameters, "ids": int8_array(rows.loc[~same_day, "row_id"])},
        )
        replaced += cursor.rowcount
    return replaced if replaced == len(rows) else None


# The rows a run's rows replace, as a join (a correlated EXISTS with the ORM's LIMIT 1 is planned as
# one subquery per row, which went through the run's index: quadratic when a run rewrites every
# position).
REPLACED_JOIN = """
    FROM {table} AS new
    WHERE new.run_id = %(run)s AND new.establishment_id IS NOT NULL
      AND old.establishment_id = new.establishment_id AND old.medicine_id = new.medicine_id
      AND old.run_id IS DISTINCT FROM %(run)s AND old.as_of {day_test}
      AND (old.valid_until IS NULL OR old.valid_until > %(day)s)
"""


# A run that wrote more rows than this has the table analysed before its rows are joined: the
# planner's figures date from before the write and would take the run's rows for a handful.
ANALYZE_AFTER_ROWS = 50_000


# The rows a run of a few rows replaces, each looked up through the position index (OFFSET 0 keeps
# the lookup apart): with the run's rows just written, the planner's figures give it one row, and it
# took the (medicine, day) index as readily as the position one, reading every row of the medicine's
# day for each of the run's rows (0.45 s for 6,800 rows); ``as_of + 0`` leaves it the position index.
REPLACED_LOOKUP = """
    FROM (
        SELECT old.id FROM {table} AS new CROSS JOIN LATERAL (
            SELECT held.id FROM {table} AS held
            WHERE held.establishment_id = new.establishment_id AND held.medicine_id = new.medicine_id
              AND held.as_of + 0 {day_test} AND held.run_id IS DISTINCT FROM %(run)s
              AND (held.valid_until IS NULL OR held.valid_until > %(day)s)
            OFFSET 0
        ) AS old
        WHERE new.run_id = %(run)s AND new.establishment_id IS NOT NULL
    ) AS replaced
    WHERE target.id = replaced.id
"""


def _superseded_close_sql(*, run: ScoringRun) -> int:
    table = RiskScore._meta.db_table
    parameters = {"run": run.pk, "day": run.as_of}
    with connection.cursor() as cursor:
        if RiskScore.objects.filter(run_id=run.pk).count() > ANALYZE_AFTER_ROWS:
            cursor.execute(f"ANALYZE {table}")
            join = REPLACED_JOIN.format(table=table, day_test="= %(day)s").replace("FROM", "USING", 1)
            cursor.execute(f"DELETE FROM {table} AS old {join}", parameters)  # noqa: S608 - a model's table
            replaced = cursor.rowcount
            join = REPLACED_JOIN.format(table=table, day_test="< %(day)s")
            cursor.execute(f"UPDATE {table} AS old SET valid_until = %(day)s {join}", parameters)  # noqa: S608
            return replaced + cursor.rowcount
        replaced = 0
        # Rows of the same day exist only when the day was scored before (or a back-filled day's
        # copies start on it): the first run of a new day skips looking each of its rows up for one
        # (a few milliseconds through the (medicine, day) index against 0.2 s nationally).
        same_day = RiskScore.objects.positions().filter(as_of=run.as_of).exclude(run_id=run.pk)
        if same_day.exists():
            lookup = REPLACED_LOOKUP.format(table=table, day_test="= %(day)s").replace("FROM", "USING", 1)
            cursor.execute(f"DELETE FROM {table} AS target {lookup}", parameters)  # noqa: S608
            replaced = cursor.rowcount
        lookup = REPLACED_LOOKUP.format(table=table, day_test="< %(day)s")
        cursor.execute(f"UPDATE {table} AS target SET valid_until = %(day)s {lookup}", parameters)  # noqa: S608
        return replaced + cursor.rowcount


def positions_close(*, run: ScoringRun, keys: pd.DataFrame) -> int:
    """The positions of ``keys`` are no longer scored: the rows that held for them stop holding on
    the run's day (a back-filled day leaves them alone). Returns how many rows stopped holding."""
    if keys.empty or backfilled(run):
        return 0
    gone = Q(pk__in=[])
    for establishment_id, group in keys.groupby("establishment_id"):
        gone |= Q(establishment_id=int(establishment_id), medicine_id__in=group["medicine_id"].astype(int).tolist())
    rows = RiskScore.objects.filter(gone, valid_until__isnull=True).exclude(run_id=run.pk)
    deleted, _ = rows.filter(as_of=run.as_of).delete()
    return deleted + rows.filter(as_of__lt=run.as_of).update(valid_until=run.as_of)


def rows_holding(*, as_of: dt.date, run_id: int | None = None):
    """The position rows that hold on ``as_of``: published ones, plus those of ``run_id`` (a run
    being published, whose replaced rows :func:`superseded_close` has already closed)."""
    rows = RiskScore.objects.positions().on_day(as_of)
    if run_id is None:
        return rows.filter(run__status=RunStatus.SUCCEEDED)
    return rows.filter(Q(run__status=RunStatus.SUCCEEDED) | Q(run_id=run_id))
