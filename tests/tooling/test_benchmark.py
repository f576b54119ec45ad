"""The benchmark command at a tiny scale: one JSON document with every figure the issue asks for."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from shortages.choices import RunScope, RunStatus
from shortages.models import ScoringRun


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_prints_every_figure_as_one_json_document():
    # given a tiny national dataset (committed: the runs and the server are other processes)
    call_command(
        "generate_national",
        *["--scale", "0.002", "--medicines", "30", "--months", "7", "--ledger-days", "20", "--end", "2026-06-30"],
        stdout=io.StringIO(),
        verbosity=0,
    )
    out = io.StringIO()
    # when
    call_command("benchmark", "--clients", "2", "--requests", "3", "--upload-rows", "50", stdout=out, verbosity=0)
    # then
    document = json.loads(out.getvalue())
    assert document["as_of"] == "2026-07-01"
    assert document["machine"]["cpus"] >= 1 and document["machine"]["postgresql"]
    assert document["sql_floor"]["consumption_rows"] > 0
    assert document["vacuum_before_scoring"]["autovacuum"] in {"on", "off"}
    full = document["scoring_full"]
    assert full["status"] == RunStatus.SUCCEEDED and full["positions"] == document["dataset"]["positions"]
    assert full["peak_rss_mb"] > 0 and full["positions_per_second"] > 0
    assert document["scoring_vs_floor"] > 0
    incremental = document["scoring_incremental"]
    assert incremental["scope"] == RunScope.INCREMENTAL
    assert incremental["positions"] == incremental["changed_positions"]
    assert incremental["share_of_full"] is not None
    endpoints = document["api"]["endpoints"]
    for name in ("minimal", "stock_levels", "risk_detail"):
        assert endpoints[name]["errors"] == 0, endpoints[name]
        assert endpoints[name]["requests"] == 6 and endpoints[name]["p95_ms"] >= endpoints[name]["p50_ms"]
    alone = document["api"]["in_process"]
    assert set(alone["mean_ms"]) == set(endpoints) and all(value > 0 for value in alone["mean_ms"].values())
    assert set(alone["ratio_to_minimal"]) == set(endpoints) - {"minimal"}
    assert document["overview_page"]["status"] == 200 and document["overview_page"]["queries"] > 0
    assert document["position_page"]["status"] == 200 and document["position_page"]["median_ms"] > 0
    lists = document["list_pages"]
    assert "error" not in lists, lists
    assert set(lists["slowest_per_list"]) == {
        "stock-levels", "lots", "movements", "consumption", "monthly-reports", "risk-scores", "alerts",
    }  # fmt: skip
    assert all("status" not in case and case["ms"] > 0 for case in lists["cases"]), lists["cases"]
    assert lists["slowest_ms"] == max(case["ms"] for case in lists["cases"])
    assert "upload" in document
    assert set(document["targets"]) == {
        "scoring_vs_floor",
        "scoring_peak_memory",
        "incremental_share",
        "api_p95_ratio",
        "overview_queries",
    }
    assert ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 2
