"""``manage.py benchmark``: the national-scale figures as one JSON document (see docs/performance.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tooling.benchmarks import report
from tooling.benchmarks.scoring_bench import child_measure

PARTS = ["floor", "scoring", "incremental", "api", "lists", "overview", "upload"]
# Asked for by name only: history rewrites every position twice and builds 20 million rows of
# history; predictions computes the active models' month again (what the worker does after a
# monthly report import).
EXTRA_PARTS = ["history", "predictions"]


class Command(BaseCommand):
    help = (
        "Measure, on the current (national) dataset: a full scoring run against the plain SQL floor, an "
        "incremental run after 1%% of positions changed, API latencies under 16 clients against gunicorn, "
        "each scoped list at its worst (one request at a time), the overview page, the 100,000-row upload, and (history) a full write with one day and with 30 days of "
        "position rows in the table. Prints one JSON document."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="Scoring day (default: the day after the last month of consumption).",
        )
        parser.add_argument(
            "--only", nargs="+", choices=PARTS + EXTRA_PARTS, default=None, help="Measure only these parts."
        )
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument("--requests", type=int, default=40, help="Requests per client and endpoint.")
        parser.add_argument("--change-share", type=float, default=0.01, help="Share of positions changed.")
        parser.add_argument("--upload-rows", type=int, default=100_000)
        parser.add_argument("--child", choices=["full", "incremental", "predictions"], help=None)
        parser.add_argument("--result-file", default=None, help=None)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark needs PostgreSQL (set DATABASE_URL).")
        if options["child"]:
            figures = child_measure(options["child"], as_of=options["as_of"])
            Path(options["result_file"]).write_text(json.dumps(figures))
            return
        document = report.benchmark_report(
            as_of=options["as_of"],
            parts=options["only"] or PARTS,
            clients=options["clients"],
            requests_per_client=options["requests"],
            change_share=options["change_share"],
            upload_rows=options["upload_rows"],
            log=self.stderr.write if options["verbosity"] > 0 else (lambda message: None),
        )
        self.stdout.write(json.dumps(document, indent=2))
