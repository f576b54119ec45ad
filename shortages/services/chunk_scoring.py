"""One chunk of a run scored without touching the database, and the next chunk scored while the
current one is stored.

A run in one process reads its inputs once (:func:`inputs.run_frames`); a chunk's figures and its
stored columns (:func:`position_rows.stored_columns`) are then pure computation. :func:`run_chunks_scored_ahead`
scores chunk k+1 in a scoring thread while the caller stores chunk k in its own transaction: the
server writes rows while Python computes the next ones (psycopg2 waits, and most pandas and numpy
work runs, without the GIL). The scoring thread never uses the database. :func:`run_chunks_stored`
can also hand the chunks to several writer threads (:mod:`bulk.writers`), each storing a chunk in
its own transaction on its own connection; every database read and write of a chunk stays in that
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd
from django.conf import settings

from bulk import writers as bulk_writers
from shortages import scoring
from shortages.models import ScoringRun
from shortages.services import inputs, learning, position_rows

# Chunks written at once by a run in one process on PostgreSQL: one per core of the 2-core servers
# measured in docs/performance.md (the server, not Python, does most of the work of a write).
WRITERS = 2


@dataclass
class ScoredChunk:
    """A chunk's scored positions, what the publication reads of them, and their stored columns."""

    index: int
    establishment_ids: list[int]
    scored: pd.DataFrame
    published: pd.DataFrame
    stored: pd.DataFrame


def chunk_scored(
    *,
    index: int = 0,
    establishment_ids: list[int],
    frames: inputs.RunFrames | None,
    medicines: pd.DataFrame,
    params: scoring.ScoringParams,
    learned: pd.DataFrame | None = None,
) -> ScoredChunk:
    """Score the positions of ``establishment_ids``: from ``frames`` without a query, else reading
    their inputs. ``index``: the chunk's place in its run. ``learned``: the run's learned
    predictions (:func:`learning.run_predictions`), of which only the chunk's are read (a slice when
    they are sorted by establishment, as :func:`run_chunks_scored_ahead` leaves them)."""
    if learned is not None:
        learned = inputs.rows_of(learned, establishment_ids)
    data = inputs.position_inputs(
        as_of=params.as_of,
        establishment_ids=establishment_ids,
        months=params.months,
        frames=frames,
        aggregated=True,
        part=index,
    )
    scored = scoring.score_positions(
        data.positions, data.lots, data.consumption, medicines, params, learned=learned, stats=data.stats
    )
    return ScoredChunk(
        index=index,
        establishment_ids=establishment_ids,
        scored=scored,
        published=inputs.scored_positions_frame(scored),
        stored=position_rows.stored_columns(scored),
    )


def run_chunks_scored_ahead(*, run: ScoringRun, chunks: list[list[int]]) -> Iterator[ScoredChunk]:
    """The chunks of ``run`` scored in order, each one computed while the caller handles the one
    before. Reads the levels, lots and establishments of every establishment first (three queries),
    and the window's sums chunk by chunk beside (:func:`inputs.run_frames` with ``parts``: one query
    per chunk, each chunk scored as soon as its sums are read)."""
    if not chunks:
        return
    params = inputs.scoring_params(as_of=run.as_of)
    frames = inputs.run_frames(as_of=run.as_of, months=settings.SCORING_MONTHS, aggregated=True, parts=chunks)
    medicines = inputs.medicines_frame()
    learned = learning.run_predictions(run=run)
    if not learned.empty and not inputs.sorted_by_establishment(learned):
        learned = learned.sort_values(position_rows.POSITION_KEYS, kind="stable", ignore_index=True)

    def score(index: int) -> ScoredChunk:
        return chunk_scored(
            index=index,
            establishment_ids=chunks[index],
            frames=frames,
            medicines=medicines,
            params=params,
            learned=learned,
        )

    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chunk-scoring") as scorer:
            pending = scorer.submit(score, 0)
            for following in range(1, len(chunks) + 1):
                current = pending.result()
                if following < len(chunks):
                    pending = scorer.submit(score, following)
                yield current
    finally:
        for part in frames.stats_parts or ():
            part.cancel()  # a run that stops early reads no more of them


def run_chunks_stored(
    *, run: ScoringRun, chunks: list[list[int]], store: Callable[[ScoredChunk], None], writers: int
) -> None:
    """Score the chunks of ``run`` ahead and hand each to ``store``, in this thread with one writer,
    else to ``writers`` threads with their own connections (:func:`bulk.writers.write_all`)."""
    bulk_writers.write_all(run_chunks_scored_ahead(run=run, chunks=chunks), store, writers=writers)
