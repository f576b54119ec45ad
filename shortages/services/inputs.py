"""Input frames of the scoring, read set-based: one ``values()`` query per table, no per-row query.

Position inputs are read per chunk of establishments; national inputs read the stored position
scores of the day back in one query, so the national aggregation never holds the ledger in memory.
"""

from __future__ import annotations

import datetime as dt
import functools
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction

from bulk import copy_out
from bulk import writers as bulk_writers
from bulk.arrays import int8_array
from partners.selectors.scoring import scoring_inputs
from shortages.models import Shortage
from shortages.scoring import ScoringParams, window_months
from shortages.scoring.stockouts import DEMAND_LOOKBACK_MONTHS
from shortages.services import position_rows
from stock.models import ConsumptionMonth, Establishment, Medicine, StockLevel, StockLot

POSITION_KEYS = ["establishment_id", "medicine_id"]


def scoring_params(*, as_of: dt.date) -> ScoringParams:
    """The scoring parameters of ``settings`` (domain-parameter block) for one day."""
    return ScoringParams(
        as_of=as_of,
        months=settings.SCORING_MONTHS,
        stock_levels=settings.STOCK_LEVELS,
        position_weights=settings.POSITION_RISK_WEIGHTS,
        national_weights=settings.RISK_WEIGHTS,
        thresholds=settings.RISK_LEVEL_THRESHOLDS,
        safety_stock_months=float(settings.SAFETY_STOCK_MONTHS),
        national_cover_target_months=float(settings.NATIONAL_COVER_TARGET_MONTHS),
        probability_alert=float(settings.STOCKOUT_PROBABILITY_ALERT),
        expiry_alert_months=float(settings.EXPIRY_ALERT_MONTHS),
        history_months=settings.SCORING_HISTORY_MONTHS,
        history_saturation=settings.SCORING_HISTORY_SATURATION,
    )


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


@dataclass
class PositionInputs:
    """Frames of :func:`shortages.scoring.score_positions` for a set of establishments: the window's
    monthly ``consumption``, or its per-position ``stats`` already aggregated (then ``consumption``
    is empty)."""

    positions: pd.DataFrame
    lots: pd.DataFrame
    consumption: pd.DataFrame
    stats: pd.DataFrame | None = None


def medicines_frame() -> pd.DataFrame:
    """``medicine_id``, ``ven_class``, ``therapeutic_section`` and the horizon overrides (months, NaN
    when the establishment level's default applies). One query."""
    rows = Medicine.objects.values_list(
        "id", "ven_class", "therapeutic_section", "lead_time_months", "review_period_months"
    )
    frame = _frame(
        rows, ["medicine_id", "ven_class", "therapeutic_section", "lead_time_months", "review_period_months"]
    )
    for column in ("lead_time_months", "review_period_months"):
        frame[column] = pd.to_numeric(frame[column].astype("float64"))
    return frame


@dataclass
class RunFrames:
    """Stock levels, window consumption and lots of a set of establishments (or of all), each sorted
    by position, read once by a run in one process instead of one scan per chunk."""

    establishments: pd.DataFrame
    levels: pd.DataFrame
    consumption: pd.DataFrame
    lots: pd.DataFrame
    stats: pd.DataFrame | None = None
    # the window's sums read in parts as the run goes (:func:`run_frames` with ``parts``), in place
    # of ``stats``: part k holds the establishments of the run's chunk k
    stats_parts: list[Future[pd.DataFrame]] | None = None

    def of(self, establishment_ids: list[int], *, part: int | None = None) -> RunFrames:
        """The rows of ``establishment_ids`` only, in the same order; their window's sums from
        ``stats_parts[part]`` when the sums are read in parts (waiting for that part)."""
        frames = {
            name: rows_of(frame, establishment_ids)
            for name, frame in vars(self).items()
            if isinstance(frame, pd.DataFrame)
        }
        if self.stats_parts is not None:
            if part is None:
                raise ValueError("part: the window's sums are read in parts, name the part of these establishments")
            frames["stats"] = rows_of(self.stats_parts[part].result(), establishment_ids)
        return RunFrames(**frames)


def rows_of(frame: pd.DataFrame, establishment_ids: list[int]) -> pd.DataFrame:
    """The rows of ``frame`` whose ``establishment_id`` is in ``establishment_ids``: sliced by binary
    search when the frame is sorted by establishment (as :func:`run_frames` leaves it), else masked."""
    if frame.empty:
        return frame.reset_index(drop=True)
    column = frame["establishment_id"]
    values = column.to_numpy()
    if not sorted_by_establishment(frame):
        return frame.loc[column.isin(establishment_ids)].reset_index(drop=True)
    ids = np.unique(np.asarray(establishment_ids, dtype=values.dtype))
    starts, ends = np.searchsorted(values, ids, side="left"), np.searchsorted(values, ids, side="right")
    rows = np.concatenate([np.arange(start, end) for start, end in zip(starts, ends, strict=True)] or [[]])
    return frame.take(rows.astype("int64")).reset_index(drop=True)


def sorted_by_establishment(frame: pd.DataFrame) -> bool:
    """Whether the rows of ``frame`` are in the order of their ``establishment_id`` (ties allowed)."""
    values = frame["establishment_id"].to_numpy()
    return not (len(values) > 1 and (values[1:] < values[:-1]).any())


def run_frames(
    *,
    as_of: dt.date,
    months: int,
    establishment_ids: list[int] | None = None,
    aggregated: bool = False,
    parts: list[list[int]] | None = None,
) -> RunFrames:
    """Stock levels, consumption of the scoring window and lots with units of ``establishment_ids``
    (of every establishment when None), each sorted by position (and month, expiry): whoever reads
    them, per chunk or for a whole run, sums a position's rows in the same order. Three queries.
    ``aggregated`` (PostgreSQL): the window's consumption comes summed per position by the database
    (:func:`consumption_stats_read`: 0.7 million rows instead of 4 million nationally). Every run
    on PostgreSQL asks for it (full, chunk task, incremental), so that a position gets the same
    figures to the bit whichever run scores it; outside a transaction the sum runs on a connection
    of its own while the other frames are read. ``parts`` (a run's chunks of consecutive
    establishments, in order), outside a transaction: the sums are read part by part on that
    connection (``stats_parts``, each part the establishments between its chunk's lowest and highest
    id, of which :meth:`RunFrames.of` keeps the chunk's), so that a chunk can be scored as soon as
    its part is read."""
    aggregated = aggregated and connection.vendor == "postgresql"
    stats = None
    stats_parts = None
    if aggregated and parts and not connection.in_atomic_block:
        stats_parts = bulk_writers.reads_in_order(
            [
                functools.partial(
                    consumption_stats_read, as_of=as_of, months=months, establishment_range=(min(part), max(part))
                )
                for part in parts
            ]
        )
    elif aggregated and not connection.in_atomic_block:
        # the server sums the window (its longest query) while this thread reads the rest
        stats = bulk_writers.read_beside(
            lambda: consumption_stats_read(as_of=as_of, months=months, establishment_ids=establishment_ids)
        )
    window = window_months(as_of, months)
    establishments = Establishment.objects.all()
    levels = StockLevel.objects.all()
    consumption = ConsumptionMonth.objects.filter(month__gte=window[0].date(), month__lte=window[-1].date())
    lots = StockLot.objects.filter(quantity__gt=0)
    if establishment_ids is not None:
        establishments = establishments.filter(id__in=establishment_ids)
        levels, consumption, lots = (
            rows.filter(establishment_id__in=establishment_ids) for rows in (levels, consumption, lots)
        )
    frames = RunFrames(
        establishments=_frame(
            establishments.order_by("id").values_list("id", "region_id", "level"),
            ["establishment_id", "region_id", "level"],
        ),
        levels=copy_out.queryset_frame(
            levels.values_list("establishment_id", "medicine_id", "quantity", "in_transit"),
            POSITION_KEYS + ["stock", "in_transit"],
        ),
        consumption=copy_out.queryset_frame(
            (consumption.none() if aggregated else consumption).values_list(
                "establishment_id", "medicine_id", "month", "issued", "stockout_days", "reported"
            ),
            POSITION_KEYS + ["month", "issued", "stockout_days", "reported"],
            bool_columns=("reported",),
            date_columns=("month",),
        ),
        lots=copy_out.queryset_frame(
            lots.values_list("establishment_id", "medicine_id", "expiry_date", "quantity"),
            POSITION_KEYS + ["expiry_date", "quantity"],
            date_columns=("expiry_date",),
        ),
    )
    order = {
        "establishments": ["establishment_id"],
        "levels": POSITION_KEYS,
        "consumption": POSITION_KEYS + ["month"],
        "lots": POSITION_KEYS + ["expiry_date"],
    }
    sorted_frames = RunFrames(
        **{
            name: frame.sort_values(order[name], kind="stable", ignore_index=True)
            for name, frame in vars(frames).items()
            if isinstance(frame, pd.DataFrame)
        }
    )
    if stats_parts is not None:
        sorted_frames.stats_parts = stats_parts
    elif stats is not None:
        sorted_frames.stats = stats.result()
    elif aggregated:
        sorted_frames.stats = consumption_stats_read(as_of=as_of, months=months, establishment_ids=establishment_ids)
    return sorted_frames


def position_inputs(
    *,
    as_of: dt.date,
    establishment_ids: list[int],
    months: int,
    frames: RunFrames | None = None,
    aggregated: bool = False,
    part: int | None = None,
) -> PositionInputs:
    """Positions of ``establishment_ids``: every stock level, plus every position that has
    consumption in the window without a stock level (stock 0). Four queries whatever the size;
    none with ``frames`` (:func:`run_frames` of these establishments or more, read once for a run;
    ``part``: which of its parts of the window's sums holds these establishments)."""
    if frames is None:
        frames = run_frames(as_of=as_of, months=months, establishment_ids=establishment_ids, aggregated=aggregated)
    else:
        frames = frames.of(establishment_ids, part=part)
    levels, consumption = frames.levels, frames.consumption
    consumed = consumption if frames.stats is None else frames.stats
    keys = pd.concat([levels[POSITION_KEYS], consumed[POSITION_KEYS]]).drop_duplicates()
    positions = keys.merge(levels, on=POSITION_KEYS, how="left").fillna({"stock": 0, "in_transit": 0})
    positions = positions.merge(frames.establishments, on="establishment_id", how="inner")
    return PositionInputs(positions=positions, lots=frames.lots, consumption=consumption, stats=frames.stats)


# The window's consumption summed per position by PostgreSQL, with the rule of
# :func:`shortages.scoring.consumption.adjusted_consumption`: a month is used when reported and
# stocked out fewer days than it has; its adjusted consumption is issued x D / (D - stockout days).
# The sums are exact: a sum of floating-point numbers depends on the order the rows arrive in, which
# changes with the plan and with where updated rows land, and a last-digit difference would make a
# position's figures look changed and write it again. A month without stockout days (most of them)
# adds its issues, and their squares, as whole numbers in float8: every partial sum is then a whole
# number below 2^53 (issues under about 38 million units a month), which float8 holds exactly, so
# the order does not matter, and the aggregate keeps a plain float8 state per position (as a
# numeric, the state is allocated per position: the query took twice as long). The months with
# stockout days, whose days D are computed from the month for them only, add their adjusted
# consumption as a numeric; where a position has both, the two parts meet as numerics (the whole
# part through int8: float8 to numeric goes through text), rounded to float8 once.
DAYS = "extract(day FROM month.month + interval '1 month' - interval '1 day')"
FULL = "month.reported AND month.stockout_days = 0"
CUT = f"month.reported AND month.stockout_days > 0 AND month.stockout_days < {DAYS}"
ADJUSTED = f"month.issued::numeric * {DAYS} / ({DAYS} - month.stockout_days)"
CONSUMPTION_STATS_SQL = f"""
    SELECT establishment_id, medicine_id, months_used,
           CASE WHEN cut IS NULL THEN coalesce(whole, 0)
                ELSE (coalesce(whole, 0)::int8 + cut)::float8 END AS total,
           CASE WHEN cut_squares IS NULL THEN coalesce(whole_squares, 0)
                ELSE (coalesce(whole_squares, 0)::int8 + cut_squares)::float8 END AS squares,
           coalesce(recent_issued, 0) AS recent_issued
    FROM (
        SELECT month.establishment_id, month.medicine_id,
               count(*) FILTER (WHERE ({FULL}) OR ({CUT})) AS months_used,
               sum(month.issued::float8) FILTER (WHERE {FULL}) AS whole,
               sum((month.issued * month.issued)::float8) FILTER (WHERE {FULL}) AS whole_squares,
               sum({ADJUSTED}) FILTER (WHERE {CUT}) AS cut,
               sum(({ADJUSTED}) * ({ADJUSTED})) FILTER (WHERE {CUT}) AS cut_squares,
               sum(month.issued::float8) FILTER (WHERE month.month >= %(recent)s) AS recent_issued
        FROM stock_consumptionmonth AS month {{positions}}
        WHERE month.month >= %(first)s AND month.month <= %(last)s {{establishments}}
        GROUP BY month.establishment_id, month.medicine_id
    ) AS sums {{order}}
"""  # noqa: S608 - our own column names
# A run in one process reads the window's sums in parts, one per chunk of consecutive establishments,
# each in the order of the positions: PostgreSQL then walks the unique index of the summaries
# (establishment, medicine, month) over the part's establishments and sums each position as its
# months go by, without hashing nor sorting (nationally 3.0 s on the server for the whole window
# walked that way, against 3.5-3.7 s hashed; 17 parts fetched one after the other take what one
# hashed query does), and each part is scored while the next is summed (docs/performance.md,
# fourteenth round). The planner costs that walk above a hash of the window's rows, so the part's
# transaction turns the hash, the sort and parallel workers off.
ORDERED = "ORDER BY establishment_id, medicine_id"
ORDERED_SETTINGS = (
    "SET LOCAL enable_hashagg = off",
    "SET LOCAL enable_sort = off",
    "SET LOCAL max_parallel_workers_per_gather = 0",
)


def consumption_stats_read(
    *,
    as_of: dt.date,
    months: int,
    establishment_ids: list[int] | None = None,
    positions: pd.DataFrame | None = None,
    establishment_range: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """``months_used``, ``amc``, ``sigma``, ``sigma_rule`` and ``recent_issued`` of every position
    with consumption in the scoring window, summed by the database (one query): the figures of
    :func:`shortages.scoring.consumption.consumption_stats` (sigma from the sums of values and of
    squares, equal to the pandas figure to about 1e-12 relatively) and of the stock status's
    recent issues. ``establishment_ids`` or ``positions`` (keys): only those (the positions through
    the summaries' unique index); ``establishment_range`` (first, last): the establishments between
    those ids, summed in the order of the positions (:data:`ORDERED`). The aggregate runs without
    JIT compilation (a second of compiling for a query that takes three) and with room to hash 0.7
    million positions in memory."""
    window = window_months(as_of, months)
    recent = window_months(as_of, DEMAND_LOOKBACK_MONTHS + 1)[0]
    parameters = {"first": window[0].date(), "last": window[-1].date(), "recent": recent.date()}
    establishments = keys = order = ""
    if establishment_ids is not None:
        establishments = "AND month.establishment_id = ANY(%(ids)s::bigint[])"
        parameters["ids"] = int8_array(establishment_ids)
    if establishment_range is not None:
        establishments += " AND month.establishment_id BETWEEN %(from)s AND %(to)s"
        parameters["from"], parameters["to"] = (int(bound) for bound in establishment_range)
        order = ORDERED
    if positions is not None:
        keys = (
            "JOIN unnest(%(establishments)s::bigint[], %(medicines)s::bigint[]) AS keys(establishment_id, medicine_id)"
            " ON keys.establishment_id = month.establishment_id AND keys.medicine_id = month.medicine_id"
        )
        parameters["establishments"] = int8_array(positions["establishment_id"])
        parameters["medicines"] = int8_array(positions["medicine_id"])
    sql = CONSUMPTION_STATS_SQL.format(establishments=establishments, positions=keys, order=order)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        for setting in ORDERED_SETTINGS if order else ():
            cursor.execute(setting)
        statement = cursor.mogrify(sql, parameters).decode()
        frame = copy_out.statement_frame(
            statement, [*POSITION_KEYS, "months_used", "total", "squares", "recent_issued"]
        )
    used = frame["months_used"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = frame["total"].to_numpy() / used
        variance = (frame["squares"].to_numpy() - frame["total"].to_numpy() * mean) / (used - 1)
    amc = np.where(used >= 2, mean, np.nan)
    stats = frame[[*POSITION_KEYS, "recent_issued"]].copy()
    stats["months_used"] = frame["months_used"].astype("int64")
    stats["amc"] = amc
    stats["sigma"] = np.where(used >= 3, np.sqrt(np.clip(variance, 0.0, None)), np.sqrt(amc))
    stats["sigma_rule"] = np.where(used >= 3, "sample", np.where(used >= 1, "poisson", None))
    if order:
        return stats
    return stats.sort_values(POSITION_KEYS, kind="stable", ignore_index=True)


# Stored position figures the national aggregation and the alert rules read back.
STORED_POSITION_FIELDS = {
    "establishment_id": "establishment_id",
    "medicine_id": "medicine_id",
    "region_id": "region_id",
    "stock": "stock",
    "usable_stock": "usable_stock",
    "amc": "amc",
    "in_transit": "pipeline",
    "months_of_stock": "months_of_stock",
    "horizon_months": "horizon_months",
    "stockout_probability": "stockout_probability",
    "stock_status": "stock_status",
    "expiry_at_risk": "expiry_at_risk",
    "expired_stock": "expired_stock",
    "model_version": "model_version",
}
# Where each of those columns comes from in the frame of ``score_positions``.
SCORED_POSITION_SOURCES = {name: "pipeline" if name == "in_transit" else name for name in STORED_POSITION_FIELDS}
# Position figures where a missing value reads as 0 units.
ZERO_WHEN_MISSING = ("expiry_at_risk", "expired_stock")
STORED_FLOAT_COLUMNS = [
    "stock",
    "usable_stock",
    "amc",
    "in_transit",
    "months_of_stock",
    "horizon_months",
    "stockout_probability",
    "expiry_at_risk",
    "expired_stock",
    # the learned model that gave P (NaN where the analytical formula answered: the alert levels
    # read P only where a model gave it)
    "model_version",
]


def _stored_types(frame: pd.DataFrame) -> pd.DataFrame:
    for column in STORED_FLOAT_COLUMNS:
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    for column in ZERO_WHEN_MISSING:
        frame[column] = frame[column].fillna(0.0)
    return frame


def stored_positions_frame(
    *,
    as_of: dt.date,
    run_id: int | None = None,
    keys: pd.DataFrame | None = None,
    fingerprints: bool = False,
    rows_named: bool = False,
) -> pd.DataFrame:
    """The position scores that hold on ``as_of`` (published, and those of ``run_id``, a run being
    published) with the columns of :data:`STORED_POSITION_FIELDS`; only those of the positions of
    ``keys`` when given. ``fingerprints``: with the rows' ``fingerprint`` too, as
    :func:`position_rows.current_fingerprints` reads it. ``rows_named``: with each row's ``row_id``
    and ``row_as_of`` too (what :func:`position_rows.rows_close` closes). One query."""
    rows = position_rows.rows_holding(as_of=as_of, run_id=run_id)
    fields, columns = list(STORED_POSITION_FIELDS.values()), list(STORED_POSITION_FIELDS)
    if fingerprints:
        rows = rows.annotate(print=position_rows.FINGERPRINT_READ)
        fields, columns = [*fields, "print"], [*columns, "fingerprint"]
    if rows_named:
        fields, columns = [*fields, "id", "as_of"], [*columns, "row_id", "row_as_of"]
    frame = _stored_types(position_rows.keys_frame(rows.values_list(*fields), columns, keys=keys))
    if rows_named:
        frame = frame.astype({"row_id": "int64"})
        frame["row_as_of"] = pd.to_datetime(frame["row_as_of"]).dt.date
    return frame.astype({"fingerprint": "int64"}) if fingerprints else frame


def scored_positions_frame(scored: pd.DataFrame) -> pd.DataFrame:
    """What :func:`stored_positions_frame` reads back once ``scored`` (a frame of ``score_positions``)
    is stored, without reading it: same columns, values and types."""
    frame = pd.DataFrame(
        {
            name: scored[source].to_numpy() if source in scored else np.nan
            for name, source in SCORED_POSITION_SOURCES.items()
        },
        index=range(len(scored)),
    )
    return _stored_types(frame)


@dataclass
class NationalInputs:
    """Frames of :func:`shortages.scoring.score_medicines`."""

    industry: pd.DataFrame
    deliveries: pd.DataFrame
    suppliers: pd.DataFrame
    episodes: pd.DataFrame


def national_inputs(*, as_of: dt.date, history_months: int) -> NationalInputs:
    """Industry frames from ``partners.selectors.scoring_inputs`` (withdrawn products left out of the
    suppliers) and shortage episodes of the register. A handful of queries whatever the size."""
    industry = scoring_inputs(as_of=as_of)
    suppliers = industry.suppliers
    if "product_status" in suppliers:
        suppliers = suppliers.loc[suppliers["product_status"] != "withdrawn"]
    since = (pd.Timestamp(as_of) - pd.DateOffset(months=history_months)).date()
    episodes = _frame(
        Shortage.objects.filter(started_on__gt=since, started_on__lte=as_of).values_list("medicine_id", "started_on"),
        ["medicine_id", "started_on"],
    )
    return NationalInputs(
        industry=industry.industry, deliveries=industry.deliveries, suppliers=suppliers, episodes=episodes
    )
