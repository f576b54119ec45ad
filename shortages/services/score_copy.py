"""Writing position scores with PostgreSQL ``COPY``: the national run writes ~0.7 million rows, and
one ``INSERT`` of model instances per row costs about ten times more than streaming them with
``COPY``, and the binary format spares formatting and parsing every number as text.

The rows are the same as :func:`shortages.services.scores._position_rows` builds: NaN is stored as
NULL, ``figures`` holds the position figures plus ``factors``, ``contributions`` each factor's points.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
from django.db import connection

from shortages.models import RiskScore, ScoringRun
from shortages.services import pg_binary

POSITION_FIGURES = [
    "months_used",
    "model_version",
    "formula_probability",
    "forecast_1",
    "forecast_2",
    "forecast_3",
    "sigma_rule",
    "in_transit",
    "expired_stock",
    "expiring_unused",
    "expiry_at_risk",
    "lead_time_months",
    "review_period_months",
]
ID_COLUMNS = ["medicine_id", "establishment_id", "region_id"]
FLOAT_COLUMNS = [
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
]


def copy_supported() -> bool:
    return connection.vendor == "postgresql"


def _json_lines(frame: pd.DataFrame) -> list[str]:
    """One JSON object per row (NaN and infinities as null), built by pandas' C encoder."""
    if frame.empty:
        return []
    clean = frame.replace([np.inf, -np.inf], np.nan)
    return clean.to_json(orient="records", lines=True, double_precision=15).splitlines()


def stored_json_numbers(values: pd.Series, *, copy: bool | None = None) -> np.ndarray:
    """``values`` as a JSON figure stores them: on the ``COPY`` path (``copy``, default: this
    connection's) pandas' encoder writes at most 15 decimals, so the number read back can differ from
    the computed one in its last bits; the model path stores them exactly. NaN becomes NaN (null)."""
    numbers = values.to_numpy(dtype="float64", copy=True)
    if not (copy_supported() if copy is None else copy):
        return numbers
    fractional = np.isfinite(numbers) & (numbers % 1 != 0)  # whole numbers are written exactly
    encoded = pd.Series(numbers[fractional]).to_json(orient="values", double_precision=15)
    numbers[fractional] = np.array(json.loads(encoded), dtype="float64")
    numbers[np.isinf(numbers)] = np.nan
    return numbers


def position_scores_fields(
    *, scored: pd.DataFrame, run_id: int, as_of: dt.date, weights, figure_names: list[str] = POSITION_FIGURES
) -> list[pg_binary.Field]:
    """The columns of one ``RiskScore`` per row of ``scored`` (the frame of ``score_positions``) for
    the run, ready for a binary ``COPY`` (numbers as IEEE bytes, no text formatting or parsing).
    Pure computation: no database access."""
    names = list(weights)
    figures = _json_lines(scored[[name for name in figure_names if name in scored]])
    factors = _json_lines(scored[[f"factor_{name}" for name in names]].set_axis(names, axis=1))
    contributions = _json_lines(scored[[f"contrib_{name}" for name in names]].set_axis(names, axis=1))
    rows = len(scored)
    return [
        pg_binary.int8("run_id", np.full(rows, run_id, dtype=np.int64)),
        pg_binary.date("as_of", as_of, rows),
        *(pg_binary.int8(column, scored[column].to_numpy(dtype="float64")) for column in ID_COLUMNS),
        *(pg_binary.float8(column, scored[column].to_numpy(dtype="float64")) for column in FLOAT_COLUMNS),
        pg_binary.text("stock_status", scored["stock_status"].to_numpy()),
        pg_binary.text("level", scored["risk_level"].to_numpy()),
        pg_binary.boolean("insufficient_data", scored["insufficient_data"].to_numpy()),
        pg_binary.jsonb(
            "figures",
            [
                f'{figure[:-1]},"factors":{factor}}}' if len(figure) > 2 else f'{{"factors":{factor}}}'
                for figure, factor in zip(figures, factors, strict=True)
            ],
        ),
        pg_binary.jsonb("contributions", contributions),
    ]


def position_scores_copy(
    *,
    scored: pd.DataFrame,
    run: ScoringRun,
    weights,
    figure_names: list[str] = POSITION_FIGURES,
    fields: list[pg_binary.Field] | None = None,
) -> int:
    """Insert one ``RiskScore`` per row of ``scored`` for ``run`` with a binary ``COPY`` of
    :func:`position_scores_fields` (given as ``fields`` when already built). Returns how many."""
    if scored.empty:
        return 0
    if fields is None:
        fields = position_scores_fields(
            scored=scored, run_id=run.pk, as_of=run.as_of, weights=weights, figure_names=figure_names
        )
    with connection.cursor() as cursor:
        return pg_binary.copy_fields(cursor, RiskScore._meta.db_table, fields)
