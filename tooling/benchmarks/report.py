"""The benchmark document: every figure of the national-scale benchmark and its targets."""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Callable

from django.db import connection

from shortages.models import RiskScore
from stock.models import StockLevel
from tooling.benchmarks import history_bench, http_bench, lists_bench, pages_bench, scoring_bench

TARGETS = {
    "scoring_vs_floor": "full national scoring within 3 x the plain SQL aggregate over the same rows",
    "scoring_peak_memory": "worker peak memory under 2 GB",
    "incremental_share": "incremental run after 1 % of changes under 10 % of a full run",
    "api_p95_ratio": "API p95 within 3 x the minimal endpoint's p95 under the same load",
    "overview_queries": "overview page query count constant in the data size",
}


def machine() -> dict:
    """Where the figures were measured."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
            "('shared_buffers', 'work_mem', 'maintenance_work_mem', 'max_parallel_workers_per_gather', "
            "'max_wal_size', 'autovacuum')"
        )
        pg_settings = dict(cursor.fetchall())
    memory_gb = None
    try:
        with open("/proc/meminfo") as meminfo:
            memory_gb = round(int(meminfo.readline().split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb,
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "python": platform.python_version(),
        "postgresql": server,
        "postgresql_settings": pg_settings,
        "platform": platform.platform(),
    }


def _ratio(numerator, denominator) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def _api(*, as_of: dt.date, clients: int, requests_per_client: int, log) -> dict:
    user = pages_bench.benchmark_analyst()
    token = pages_bench.benchmark_token(user)
    establishments = list(StockLevel.objects.values_list("establishment__code", flat=True).distinct()[:500])
    national = list(RiskScore.objects.national().filter(as_of=as_of).values_list("id", flat=True)[:1000])
    endpoints = {
        "minimal": lambda rng: "/health/",
        "stock_levels": lambda rng: f"/api/v1/stock-levels/?establishment={rng.choice(establishments)}",
        "stock_levels_unfiltered": lambda rng: "/api/v1/stock-levels/",
        # The same rows with the medicine's name and unit, the establishment's name and the latest risk.
        "stock_levels_expanded": lambda rng: (
            f"/api/v1/stock-levels/?establishment={rng.choice(establishments)}&expand=medicine,establishment,risk"
        ),
    }
    if national:
        endpoints["risk_detail"] = lambda rng: f"/api/v1/risk-scores/{rng.choice(national)}/"
    results: dict = {"server": "gunicorn -c config/gunicorn.conf.py (DEBUG off)", "endpoints": {}}
    log("api: in the process")
    results["in_process"] = http_bench.in_process(paths=endpoints, token=token)
    alone = results["in_process"]["mean_ms"]
    results["in_process"]["ratio_to_minimal"] = {
        name: _ratio(value, alone["minimal"]) for name, value in alone.items() if name != "minimal"
    }
    with http_bench.gunicorn_server() as port:
        for paths in endpoints.values():  # warm every worker's connections and caches first
            http_bench.load_test(port=port, paths=paths, token=token, clients=clients, requests_per_client=3)
        for name, paths in endpoints.items():
            log(f"api: {name}")
            results["endpoints"][name] = http_bench.load_test(
                port=port, paths=paths, token=token, clients=clients, requests_per_client=requests_per_client
            )
    minimal = results["endpoints"]["minimal"]["p95_ms"]
    results["p95_ratio_to_minimal"] = {
        name: _ratio(figures["p95_ms"], minimal) for name, figures in results["endpoints"].items() if name != "minimal"
    }
    return results


def _targets(document: dict) -> dict:
    scoring = document.get("scoring_full", {})
    incremental = document.get("scoring_incremental", {})
    api = document.get("api", {}).get("p95_ratio_to_minimal", {})
    checks = {
        "scoring_vs_floor": (document.get("scoring_vs_floor"), lambda value: value <= 3),
        "scoring_peak_memory": (scoring.get("peak_rss_mb"), lambda value: value < 2048),
        "incremental_share": (incremental.get("share_of_full"), lambda value: value < 0.10),
        "api_p95_ratio": (
            max((v for v in api.values() if v is not None), default=None),
            lambda value: value <= 3,
        ),
    }
    targets = {}
    for name, (value, rule) in checks.items():
        targets[name] = {"target": TARGETS[name], "value": value, "met": None if value is None else bool(rule(value))}
    overview = document.get("overview_page")
    targets["overview_queries"] = {
        "target": TARGETS["overview_queries"],
        "value": overview.get("queries") if overview else None,
        "met": None,
        "note": "compare with the same figure at another --scale (docs/performance.md); pinned in tests",
    }
    return targets


def benchmark_report(
    *,
    as_of: dt.date | None,
    parts: list[str],
    clients: int,
    requests_per_client: int,
    change_share: float,
    upload_rows: int,
    log: Callable[[str], object],
) -> dict:
    """Measure ``parts`` and return the document (figures in seconds, milliseconds and megabytes)."""
    as_of = as_of or scoring_bench.default_as_of()
    document: dict = {"as_of": as_of.isoformat(), "machine": machine(), "dataset": scoring_bench.dataset_figures()}

    def measure(key: str, part, *args, **kwargs) -> dict | None:
        """Run one part; a part that fails is reported with its error, the others still run."""
        log(f"{key} ...")
        try:
            document[key] = part(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the document says what failed
            document[key] = {"error": f"{type(error).__name__}: {error}"}
            return None
        return document[key]

    if "predictions" in parts:
        measure("month_predictions", scoring_bench.child_run, "predictions", as_of=as_of)
    if "floor" in parts or "scoring" in parts:
        measure("sql_floor", scoring_bench.sql_floor, as_of=as_of)
    if "scoring" in parts:
        measure("vacuum_before_scoring", scoring_bench.scores_vacuum)
        full = measure("scoring_full", scoring_bench.child_run, "full", as_of=as_of)
        floor = document.get("sql_floor", {})
        if full:
            document["scoring_vs_floor"] = _ratio(full["seconds"], floor.get("seconds_fetched"))
            document["scoring_vs_floor_server_only"] = _ratio(full["seconds"], floor.get("seconds_server_only"))
    if "incremental" in parts:
        changed = scoring_bench.positions_change(share=change_share)
        incremental = measure("scoring_incremental", scoring_bench.child_run, "incremental", as_of=as_of)
        if incremental:
            incremental["changed_positions"] = changed
            incremental["share_of_full"] = _ratio(
                incremental["seconds"], document.get("scoring_full", {}).get("seconds")
            )
    if "history" in parts:
        measure("history_write", history_bench.history_write, as_of=as_of)
    if "api" in parts:
        measure("vacuum_before_api", scoring_bench.scores_vacuum)
        measure("api", _api, as_of=as_of, clients=clients, requests_per_client=requests_per_client, log=log)
    if "lists" in parts:
        measure("list_pages", lists_bench.list_pages, analyst=pages_bench.benchmark_analyst())
    if "overview" in parts:
        measure("overview_page", pages_bench.overview_page, user=pages_bench.benchmark_analyst())
        measure("position_page", pages_bench.position_page, user=pages_bench.benchmark_analyst())
    if "upload" in parts:
        measure("upload", pages_bench.upload_throughput, rows=upload_rows)
    document["targets"] = _targets(document)
    return document
