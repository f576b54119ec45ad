"""Does the write get slower as the score history grows? A run that rewrites every position (the
first run of a month, when the consumption window moves) is timed into a table that holds one day
of position rows, then into one that holds ``days`` days of them.

The history is the worst case for the storage: ``days - 1`` closed copies of every position row,
as if every position had changed every day (a real month writes far fewer: a position gets a row
when its figures change). Every position is made to count as changed by moving the fingerprints of
the rows that hold, so both runs write the same 0.7 million rows. The copies are deleted afterwards;
the runs stay (they are ordinary runs). The copies have no run, so no reader ever shows them.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection

from shortages.models import RiskScore
from tooling.benchmarks import scoring_bench

TABLE = RiskScore._meta.db_table


def _execute(sql: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _every_position_changed() -> int:
    """The rows that hold get another fingerprint: the next run writes every position again."""
    return _execute(
        f"UPDATE {TABLE} SET fingerprint = fingerprint + 1 "  # noqa: S608 - a model's table
        "WHERE establishment_id IS NOT NULL AND valid_until IS NULL"
    )


def _vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {TABLE}")


def history_write(*, as_of: dt.date, days: int = 30) -> dict:
    """Time a run writing every position with one day of position rows in the table, then with
    ``days`` days (see the module). ``as_of``: a day already scored; the runs score the two days after."""
    closed = _execute(f"DELETE FROM {TABLE} WHERE establishment_id IS NOT NULL AND valid_until IS NOT NULL")  # noqa: S608
    _every_position_changed()
    _vacuum()
    one_day_rows = RiskScore.objects.positions().count()
    one_day = scoring_bench.child_run("full", as_of=as_of + dt.timedelta(days=1))
    started = time.perf_counter()
    for back in range(1, days):
        _execute(
            f"""
            INSERT INTO {TABLE} (run_id, medicine_id, establishment_id, region_id, as_of, valid_until, stock,
                usable_stock, amc, sigma, months_of_stock, days_of_cover, pipeline, horizon_months,
                stockout_probability, stock_status, score, level, insufficient_data, months_used,
                model_version, formula_probability, forecast_1, forecast_2, forecast_3, sigma_rule, in_transit,
                expired_stock, expiring_unused, expiry_at_risk, lead_time_months, review_period_months,
                factor_cover, factor_criticality, points_probability, points_cover, points_criticality,
                fingerprint)
            SELECT NULL, medicine_id, establishment_id, region_id, %s, %s, stock,
                usable_stock, amc, sigma, months_of_stock, days_of_cover, pipeline, horizon_months,
                stockout_probability, stock_status, score, level, insufficient_data, months_used,
                model_version, formula_probability, forecast_1, forecast_2, forecast_3, sigma_rule, in_transit,
                expired_stock, expiring_unused, expiry_at_risk, lead_time_months, review_period_months,
                factor_cover, factor_criticality, points_probability, points_cover, points_criticality,
                fingerprint
            FROM {TABLE} WHERE establishment_id IS NOT NULL AND valid_until IS NULL
            """,  # noqa: S608 - a model's table
            [as_of - dt.timedelta(days=back + 1), as_of - dt.timedelta(days=back)],
        )
    build_seconds = time.perf_counter() - started
    _every_position_changed()
    _vacuum()
    history_rows = RiskScore.objects.positions().count()
    with_history = scoring_bench.child_run("full", as_of=as_of + dt.timedelta(days=2))
    removed = _execute(f"DELETE FROM {TABLE} WHERE establishment_id IS NOT NULL AND run_id IS NULL")  # noqa: S608
    return {
        "days": days,
        "closed_rows_deleted_first": closed,
        "one_day": {"position_rows": one_day_rows, **one_day},
        "with_history": {
            "position_rows": history_rows,
            "history_build_seconds": round(build_seconds, 1),
            **with_history,
        },
        "history_rows_removed_after": removed,
        "write_ratio": round(with_history["seconds"] / one_day["seconds"], 2) if one_day["seconds"] else None,
    }
