"""Replay the history month by month and print precision, recall and AUC of the stockout probability,
then what other cuts would flag, how the observed stockout rate follows P, and the alert rules."""

from __future__ import annotations

import datetime as dt
import math

from django.core.management.base import BaseCommand, CommandError

from shortages.scoring.backtest import DEFAULT_CUTS
from shortages.services.backtest import backtest_run

RULE_NAMES = {
    "alert": "high-probability alert (P, understocked)",
    "any_status": "P alone, above the emergency point",
    "with_emergency": "alert or below the emergency point",
}


def _fmt(value, digits: int = 3) -> str:
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def _cuts(text: str) -> list[float]:
    return [float(part) for part in text.split(",")]


class Command(BaseCommand):
    help = (
        "Score each past month-end as it stood then and compare with what happened over the horizon: "
        "precision, recall (P >= threshold) and AUC for 'stocks out within the horizon', overall and by level; "
        "then, overall, a table of cuts, a reliability table (observed stockout rate by bin of P) and the alert rules."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None, help="replay only the latest N months")
        parser.add_argument("--threshold", type=float, default=None, help="probability cut (default: settings)")
        parser.add_argument("--start", type=dt.date.fromisoformat, default=None, help="first month-end (YYYY-MM-DD)")
        parser.add_argument(
            "--cuts",
            type=_cuts,
            default=list(DEFAULT_CUTS),
            help="comma-separated cuts of P to compare (default: %(default)s)",
        )

    def handle(self, *args, **options):
        try:
            result = backtest_run(
                months=options["months"], threshold=options["threshold"], start=options["start"], cuts=options["cuts"]
            )
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
        self._write_cuts(result)
        self._write_reliability(result)
        self._write_alert_rules(result)

    def _write_cuts(self, result) -> None:
        title = "Cuts of P (overall): positions predicted, precision, recall, predicted per 1,000 positions"
        labels = [f"P >= {cut:g}" for cut in result.cuts["cut"]]
        self._write_predictions(title, "cut", labels, result.cuts, width=12)

    def _write_reliability(self, result) -> None:
        self.stdout.write("")
        self.stdout.write("Reliability (overall): positions by bin of P, their mean P and the share that stocked out")
        self.stdout.write(f"{'P':<12}{'positions':>11}{'mean P':>11}{'observed':>11}")
        for row in result.reliability.itertuples():
            self.stdout.write(
                f"{f'{row.low:.1f}-{row.high:.1f}':<12}{row.positions:>11}"
                f"{_fmt(float(row.mean_probability), 4):>11}{_fmt(float(row.observed), 4):>11}"
            )

    def _write_alert_rules(self, result) -> None:
        title = f"Alert rules at P >= {result.threshold:g} (overall)"
        labels = [RULE_NAMES[rule] for rule in result.alert_rules["rule"]]
        self._write_predictions(title, "rule", labels, result.alert_rules, width=44)

    def _write_predictions(self, title: str, heading: str, labels: list[str], table, *, width: int) -> None:
        self.stdout.write("")
        self.stdout.write(title)
        self.stdout.write(f"{heading:<{width}}{'predicted':>11}{'precision':>11}{'recall':>9}{'per 1,000':>11}")
        for label, row in zip(labels, table.itertuples(), strict=True):
            self.stdout.write(
                f"{label:<{width}}{row.predicted:>11}{_fmt(row.precision):>11}{_fmt(row.recall):>9}"
                f"{row.per_thousand:>11.1f}"
            )
