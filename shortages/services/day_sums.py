"""The stored sums of a day's positions (:class:`shortages.models.PositionSums`): written by each
publication, read by the next incremental run of the day to adjust them by difference."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from django.db import connection

from bulk import copy_in, copy_out
from shortages.models import PositionSums, ScoringRun
from shortages.scoring.sums import COUNT_COLUMNS, SUM_COLUMNS, SUM_KEYS


def sums_store(*, run: ScoringRun, sums: pd.DataFrame) -> int:
    """Replace the stored sums of the run's day by ``sums`` (:func:`shortages.scoring.sums.position_sums`).
    Returns how many rows were written."""
    PositionSums.objects.filter(as_of=run.as_of).delete()
    if sums.empty:
        return 0
    if connection.vendor == "postgresql":
        rows = len(sums)
        fields = [
            copy_in.date("as_of", run.as_of, rows),
            copy_in.int8("run_id", np.full(rows, run.pk, dtype=np.int64)),
            copy_in.int8("medicine_id", sums["medicine_id"].to_numpy(dtype="int64")),
            copy_in.int8("region_id", sums["region_id"].to_numpy(dtype="float64")),
            copy_in.float8("horizon_months", sums["horizon_months"].to_numpy(dtype="float64")),
            *(copy_in.int4(name, sums[name].to_numpy(dtype="int64")) for name in COUNT_COLUMNS),
            *(
                copy_in.int8(name, sums[name].to_numpy(dtype="int64"))
                for name in SUM_COLUMNS
                if name not in COUNT_COLUMNS
            ),
        ]
        with connection.cursor() as cursor:
            return copy_in.copy_fields(cursor, PositionSums._meta.db_table, fields)
    objects = [
        PositionSums(
            as_of=run.as_of,
            run=run,
            medicine_id=int(record["medicine_id"]),
            region_id=None if pd.isna(record["region_id"]) else int(record["region_id"]),
            horizon_months=None if pd.isna(record["horizon_months"]) else float(record["horizon_months"]),
            **{name: int(record[name]) for name in SUM_COLUMNS},
        )
        for record in sums.to_dict("records")
    ]
    PositionSums.objects.bulk_create(objects, batch_size=2000)
    return len(objects)


def sums_read(*, as_of: dt.date) -> pd.DataFrame | None:
    """The stored sums of ``as_of`` (the frame of :func:`shortages.scoring.sums.position_sums`), or
    None when no publication of that day stored any (a day without positions reads as None too:
    nothing to adjust). One query."""
    rows = PositionSums.objects.filter(as_of=as_of).order_by()
    frame = copy_out.queryset_frame(rows.values_list(*SUM_KEYS, *SUM_COLUMNS), SUM_KEYS + SUM_COLUMNS)
    if frame.empty:
        return None
    frame["medicine_id"] = frame["medicine_id"].astype("int64")
    frame[["region_id", "horizon_months"]] = frame[["region_id", "horizon_months"]].astype("float64")
    frame[SUM_COLUMNS] = frame[SUM_COLUMNS].astype("int64")
    return frame.sort_values(SUM_KEYS, kind="stable", ignore_index=True)
