"""Replay the history month by month and print precision, recall and AUC of the stockout probability."""

from __future__ import annotations

import datetime as dt
import math

from django.core.management.base import BaseCommand, CommandError

from shortages.services.backtest import backtest_run


def _fmt(value) -> str:
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.3f}"
    return str(value)


class Command(BaseCommand):
    help = (
        "Score each past month-end as it stood then and compare with what happened over the horizon: "
        "precision, recall (P >= threshold) and AUC for 'stocks out within the horizon', overall and by level."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None, help="replay only the latest N months")
        parser.add_argument("--threshold", type=float, default=None, help="probability cut (default: settings)")
        parser.add_argument("--start", type=dt.date.fromisoformat, default=None, help="first month-end (YYYY-MM-DD)")

    def handle(self, *args, **options):
        try:
            result = backtest_run(months=options["months"], threshold=options["threshold"], start=options["start"])
        except ValueError as error:
            raise CommandError(str(error))
        first, last = result.months[0], result.months[-1]
        self.stdout.write(
            f"Backtest: {len(result.months)} month-ends replayed ({first:%Y-%m} .. {last:%Y-%m}), "
            f"prediction = P >= {result.threshold:g}"
        )
        header = (
            f"{'scope':<12}{'positions':>11}{'stockouts':>11}{'predicted':>11}{'precision':>11}{'recall':>9}{'AUC':>8}"
        )
        self.stdout.write(header)
        for name, metrics in [("overall", result.overall), *sorted(result.by_level.items())]:
            self.stdout.write(
                f"{name:<12}{metrics['positions']:>11}{metrics['stockouts']:>11}{metrics['predicted']:>11}"
                f"{_fmt(metrics['precision']):>11}{_fmt(metrics['recall']):>9}{_fmt(metrics['auc']):>8}"
            )
