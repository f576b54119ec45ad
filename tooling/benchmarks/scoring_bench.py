"""Scoring figures: a full national run and an incremental one, each in a child process (so that its
peak memory is its own), and the floor they are compared with: one plain SQL aggregate over the same
consumption rows, read once."""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection, transaction

from shortages import scoring
from stock.models import ConsumptionMonth, StockLevel

MANAGE_PY = Path(settings.BASE_DIR) / "manage.py"
FLOOR_SQL = """
    SELECT establishment_id, medicine_id, count(*), sum(issued), sum(stockout_days)
    FROM stock_consumptionmonth
    WHERE month >= %s AND month <= %s
    GROUP BY establishment_id, medicine_id
"""


def default_as_of() -> dt.date:
    """The day after the last month of consumption (the day a monthly run would score)."""
    last = ConsumptionMonth.objects.order_by("-month").values_list("month", flat=True).first()
    if last is None:
        return dt.date.today()
    return (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def scoring_window(as_of: dt.date) -> tuple[dt.date, dt.date]:
    """First and last month the scoring reads for ``as_of``."""
    window = scoring.window_months(as_of, settings.SCORING_MONTHS)
    return window[0].date(), window[-1].date()


def database_url() -> str:
    """The URL of the database this process uses, for the child processes (a test database too)."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{quote(db.get('USER') or '')}{password}@{host}{port}/{db['NAME']}"


# What a child runs with when no secret is set: production settings need one, and a benchmark's
# child serves nobody.


def child_env() -> dict[str, str]:
    """The environment of a child process: this one's, on the same database and secret key, with
    production settings (``DEBUG`` off) as the worker and the web server run: with ``DEBUG`` on, Django keeps
    and formats every query's text, which a run does not pay in production."""
    env = os.environ.copy()
    env["DATABASE_URL"] = database_url()
    env["DJANGO_DEBUG"] = "0"
    # This process's key, as every process of a deployment shares one: an API token made here is
    # bound to a digest keyed by it (stock.models.access), which the child must read alike.
    env["SECRET_KEY"] = env.get("SECRET_KEY") or settings.SECRET_KEY
    return env


def child_run(kind: str, *, as_of: dt.date) -> dict:
    """Run ``manage.py benchmark --child kind`` and return what it measured, plus its wall time
    seen from here (Python and Django start-up included)."""
    with tempfile.NamedTemporaryFile("r", suffix=".json") as result:
        command = [sys.executable, str(MANAGE_PY), "benchmark", "--child", kind, "--as-of", as_of.isoformat()]
        command += ["--result-file", result.name]
        started = time.perf_counter()
        completed = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=child_env(), check=False
        )
        process_seconds = time.perf_counter() - started
        if completed.returncode != 0:
            raise RuntimeError(f"benchmark child {kind} failed: {completed.stderr[-2000:]}")
        figures = json.loads(Path(result.name).read_text())
    figures["process_seconds"] = round(process_seconds, 2)
    return figures


def child_measure(kind: str, *, as_of: dt.date) -> dict:
    """In the child: run one scoring (full or incremental), or compute the month's predictions again
    as after a monthly report import, and report its time, positions and the peak resident memory
    of this process."""
    from shortages.services.incremental import scoring_run_incremental_execute
    from shortages.services.scores import scoring_run_execute

    if kind == "predictions":
        return _predictions_measure(as_of=as_of)
    started = time.perf_counter()
    if kind == "full":
        run = scoring_run_execute(as_of=as_of, trigger="benchmark")
    elif kind == "incremental":
        run = scoring_run_incremental_execute(as_of=as_of, trigger="benchmark")
    else:
        raise ValueError(f"kind: unknown child {kind!r}")
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {
        "run_id": run.pk,
        "scope": run.scope,
        "status": run.status,
        "seconds": round(seconds, 2),
        "positions": run.positions,
        "positions_per_second": round(run.positions / seconds, 1) if seconds else None,
        "medicines": run.medicines,
        "alerts_opened": run.alerts_opened,
        "alerts_closed": run.alerts_closed,
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def _predictions_measure(*, as_of: dt.date) -> dict:
    """The active models' predictions from the last month complete on ``as_of``, computed again (their
    batch forgotten first, as a monthly report import makes it stale) by the worker's refresh."""
    from shortages.models import PositionPrediction, PredictionBatch
    from shortages.services import learning

    month = learning.last_complete_month(as_of)
    PredictionBatch.objects.filter(month=month.date()).delete()
    started = time.perf_counter()
    models = learning.month_predictions_refresh(as_of=as_of)
    seconds = time.perf_counter() - started
    return {
        "month": month.date().isoformat(),
        "models": models,
        "positions": PositionPrediction.objects.filter(month=month.date()).count(),
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def sql_floor(*, as_of: dt.date, repeats: int = 2) -> dict:
    """The plain aggregate per position over the scoring window's consumption rows: best of
    ``repeats``, measured fetched into this process and on the server alone."""
    first, last = scoring_window(as_of)
    fetched, server, rows = [], [], 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM stock_consumptionmonth WHERE month >= %s AND month <= %s", [first, last])
        rows = cursor.fetchone()[0]
        for _ in range(repeats):
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL, [first, last])
            positions = len(cursor.fetchall())
            fetched.append(time.perf_counter() - started)
            started = time.perf_counter()
            cursor.execute(f"SELECT count(*) FROM ({FLOOR_SQL}) AS floor", [first, last])  # noqa: S608 - constant
            cursor.fetchone()
            server.append(time.perf_counter() - started)
    return {
        "window": [first.isoformat(), last.isoformat()],
        "consumption_rows": rows,
        "positions": positions,
        "seconds_fetched": round(min(fetched), 5),
        "seconds_server_only": round(min(server), 5),
        "query": " ".join(FLOOR_SQL.split()),
    }


# The tables runs rewrite, and the runs and day sums they add to (small, but a server with autovacuum
# on keeps their statistics current: with the statistics of an empty runs table, the planner joined
# the position scores of a page with every succeeded run one by one, 1.9 ms instead of 0.2 ms).
VACUUMED_TABLES = [
    "shortages_riskscore",
    "shortages_alert",
    "shortages_alertevent",
    "shortages_scoringrun",
    "shortages_positionsums",
]


def scores_vacuum() -> dict:
    """``VACUUM (ANALYZE)`` the tables a run rewrites, so that every measured run starts from the
    state autovacuum keeps a server in: each run of the same day deletes and rewrites 0.7 million
    score rows, and without a vacuum between runs the next one inserts among the dead rows (their
    entries in the unique index must be checked one by one) into an ever larger table. Not timed
    as part of the run; reported with the server's ``autovacuum`` setting."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
        for table in VACUUMED_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return {"tables": VACUUMED_TABLES, "seconds": round(time.perf_counter() - started, 2), "autovacuum": autovacuum}


def positions_change(*, share: float = 0.01) -> int:
    """Change a random ``share`` of the positions as a day of movements would: stock and the latest
    month's consumption move, and the stock level's ``updated_at`` says so. Returns how many changed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TEMP TABLE bench_changed ON COMMIT DROP AS
            SELECT id, establishment_id, medicine_id FROM stock_stocklevel WHERE random() < %s
            """,
            [share],
        )
        cursor.execute(
            """
            UPDATE stock_stocklevel AS level SET quantity = level.quantity + 7, updated_at = clock_timestamp()
            FROM bench_changed WHERE level.id = bench_changed.id
            """
        )
        changed = cursor.rowcount
        cursor.execute(
            """
            UPDATE stock_consumptionmonth AS month SET issued = month.issued + 3
            FROM bench_changed
            WHERE month.establishment_id = bench_changed.establishment_id
              AND month.medicine_id = bench_changed.medicine_id
              AND month.month = (SELECT max(month) FROM stock_consumptionmonth)
            """
        )
    return changed


def dataset_figures() -> dict:
    """Sizes of what the benchmark runs on (PostgreSQL's row estimates for the big tables)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT relname, reltuples::bigint FROM pg_class
            WHERE relname IN ('stock_consumptionmonth', 'stock_stockmovement', 'stock_stocklot')
            """
        )
        estimates = dict(cursor.fetchall())
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return {
        "positions": StockLevel.objects.count(),
        "establishments": StockLevel.objects.values("establishment_id").distinct().count(),
        "medicines": StockLevel.objects.values("medicine_id").distinct().count(),
        "consumption_rows_estimate": estimates.get("stock_consumptionmonth"),
        "movement_rows_estimate": estimates.get("stock_stockmovement"),
        "lot_rows_estimate": estimates.get("stock_stocklot"),
        "database_gb": round(size / 1024**3, 2),
    }
