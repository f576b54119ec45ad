"""Writing position scores with PostgreSQL ``COPY``: the national run writes ~0.7 million rows, and
one ``INSERT`` of model instances per row costs about ten times more than streaming them as CSV.

The rows are the same as :func:`shortages.services.scores._position_rows` builds: NaN is stored as
NULL, ``figures`` holds the position figures plus ``factors``, ``contributions`` each factor's points.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.db import connection

from shortages.models import RiskScore, ScoringRun

SCALAR_COLUMNS = {
    "medicine_id": "medicine_id",
    "establishment_id": "establishment_id",
    "region_id": "region_id",
    "stock": "stock",
    "usable_stock": "usable_stock",
    "amc": "amc",
    "sigma": "sigma",
    "months_of_stock": "months_of_stock",
    "days_of_cover": "days_of_cover",
    "pipeline": "pipeline",
    "horizon_months": "horizon_months",
    "stockout_probability": "stockout_probability",
    "stock_status": "stock_status",
    "score": "score",
    "level": "risk_level",
    "insufficient_data": "insufficient_data",
}


def copy_supported() -> bool:
    return connection.vendor == "postgresql"


def _json_lines(frame: pd.DataFrame) -> list[str]:
    """One JSON object per row (NaN and infinities as null), built by pandas' C encoder."""
    if frame.empty:
        return []
    clean = frame.replace([np.inf, -np.inf], np.nan)
    return clean.to_json(orient="records", lines=True, double_precision=15).splitlines()


def position_scores_copy(*, scored: pd.DataFrame, run: ScoringRun, figure_names: list[str], weights) -> int:
    """Insert one ``RiskScore`` per row of ``scored`` (the frame of ``score_positions``) for ``run``
    with ``COPY ... FROM STDIN (FORMAT csv)``. Returns the number of rows written."""
    if scored.empty:
        return 0
    names = list(weights)
    figures = _json_lines(scored[[name for name in figure_names if name in scored]])
    factors = _json_lines(scored[[f"factor_{name}" for name in names]].set_axis(names, axis=1))
    contributions = _json_lines(scored[[f"contrib_{name}" for name in names]].set_axis(names, axis=1))
    table = pd.DataFrame({column: scored[source].to_numpy() for column, source in SCALAR_COLUMNS.items()})
    table.insert(0, "run_id", run.pk)
    table.insert(4, "as_of", run.as_of.isoformat())
    for column in ("medicine_id", "establishment_id", "region_id"):
        table[column] = table[column].astype("Int64")  # NULL-able integers written without ".0"
    float_columns = table.select_dtypes("float").columns
    table[float_columns] = table[float_columns].replace([np.inf, -np.inf], np.nan)
    table["figures"] = [
        f'{figure[:-1]},"factors":{factor}}}' if len(figure) > 2 else f'{{"factors":{factor}}}'
        for figure, factor in zip(figures, factors, strict=True)
    ]
    table["contributions"] = contributions
    buffer = io.StringIO()
    table.to_csv(buffer, header=False, index=False, na_rep="")
    buffer.seek(0)
    columns = ", ".join(table.columns)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {RiskScore._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
    return len(table)
