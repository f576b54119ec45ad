"""Score every position and medicine for a day (default today) and print the run's figures.

The day follows the platform's rule of recorded dates (``stock.dates``): not after today, not before
2000-01-01. A run of a day to come would open that day's alerts and notify them now (and before the
rule, it became the day every user read); there is no flag to force one.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shortages.services.scores import scoring_run_execute
from stock.dates import date_refusal


class Command(BaseCommand):
    help = "Run the risk scoring in this process (or enqueue it with --async) and print the run."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="day scored (YYYY-MM-DD)")
        parser.add_argument("--async", action="store_true", dest="enqueue", help="enqueue on the Celery workers")

    def handle(self, *args, **options):
        as_of = options["as_of"] or timezone.localdate()
        if refusal := date_refusal(as_of):
            raise CommandError(f"--as-of {as_of}: {refusal}")
        if options["enqueue"]:
            from shortages.tasks import scoring_dispatch

            result = scoring_dispatch.delay(as_of=as_of.isoformat(), trigger="command")
            self.stdout.write(f"Scoring of {as_of} enqueued (task {result.id}).")
            return
        try:
            run = scoring_run_execute(as_of=as_of, trigger="command")
        except Exception as error:
            raise CommandError(f"scoring of {as_of} failed: {error}")
        self.stdout.write(
            f"Scoring run {run.pk} for {run.as_of}: {run.status}, {run.positions} positions, {run.medicines} "
            f"medicines, {run.chunks_total} chunks, {run.alerts_opened} alerts opened, {run.alerts_closed} closed, "
            f"{run.duration_seconds or 0:.1f} s"
        )
