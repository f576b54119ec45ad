"""``manage.py generate_national``: build the national-scale dataset (PostgreSQL only)."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from tooling.benchmarks.dataset import DatasetError, DatasetOptions, dataset_generate


class Command(BaseCommand):
    help = (
        "Generate a national-scale dataset (3,344 establishments, ~1,000 medicines, ~0.7 M positions, "
        "24 months of consumption, lots, a daily hospital ledger, industry declarations) with COPY. "
        "Prints the row counts and timings as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Share of the establishments (0.01 = quick run).")
        parser.add_argument("--medicines", type=int, default=1000, help="Number of medicines stocked.")
        parser.add_argument("--months", type=int, default=24, help="Months of consumption history.")
        parser.add_argument("--ledger-days", type=int, default=90, help="Days of daily hospital ledger.")
        parser.add_argument(
            "--end", type=dt.date.fromisoformat, default=None, help="Last day of history (default: end of last month)."
        )
        parser.add_argument("--seed", type=int, default=20240601)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty stock positions, lots, movements, consumption, reports, transfers, declarations, "
            "scores and runs first (and, by cascade, alerts and register links to them).",
        )

    def handle(self, *args, **options):
        dataset_options = DatasetOptions(
            scale=options["scale"],
            medicines=options["medicines"],
            months=options["months"],
            ledger_days=options["ledger_days"],
            end=options["end"],
            seed=options["seed"],
            reset=options["reset"],
        )
        log = self.stderr.write if options["verbosity"] > 0 else (lambda message: None)
        try:
            summary = dataset_generate(options=dataset_options, log=log)
        except DatasetError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps({"end": summary.end, "counts": summary.counts, "seconds": summary.seconds}))
