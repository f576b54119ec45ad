"""Walk forward over the history: the learned probability and forecast against the analytical formula
and the naive rule, stored for the analysts' page (``--formula``: the formula's own replay, with its
cuts, reliability table and alert rules)."""

from __future__ import annotations

import datetime as dt
import math

from django.core.management.base import BaseCommand, CommandError

from shortages.scoring.backtest import DEFAULT_CUTS
from shortages.services import walkforward
from shortages.services.backtest import backtest_run
from shortages.services.backtest_text import outcome_write

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
        "Walk forward over every month-end with a full horizon: models trained on the months known then "
        "predict it; AUC, calibration, Brier skill and recall at the naive rule's precision of the learned P "
        "against the formula, MASE of the forecast against a moving average; stored for the analysts' page. "
        "With --formula: the analytical formula's replay (cuts, reliability, alert rules)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="first",
            type=lambda text: dt.date.fromisoformat(f"{text}-01" if len(text) == 7 else text),
            default=None,
            help="first month-end tested, YYYY-MM (default: 24 months after the history's first month)",
        )
        parser.add_argument("--predictions", default=None, help="write one row per position and month end to this CSV")
        parser.add_argument(
            "--formula",
            action="store_true",
            help="replay the analytical formula alone (cuts, reliability, alert rules)",
        )
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
        if not options["formula"]:
            self._walk_forward(options)
            return
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

    def _walk_forward(self, options) -> None:
        def progress(text: str) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {text}")

        try:
            outcome = walkforward.backtest_run(first=options["first"], cut=options["threshold"], progress=progress)
        except ValueError as error:
            raise CommandError(str(error))
        if not outcome_write(outcome, write=self.stdout.write, predictions_path=options["predictions"]):
            raise CommandError("history: no month-end could be tested")

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
