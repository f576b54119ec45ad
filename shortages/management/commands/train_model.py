"""Train the learned stockout probability and demand forecast now, list the models, or roll back."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shortages.models import PredictionModel
from shortages.services import learning, walkforward


def _month(text: str) -> dt.date:
    day = dt.date.fromisoformat(f"{text}-01" if len(text) == 7 else text)
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


class Command(BaseCommand):
    help = (
        "Train one model per resupply horizon on the history up to a month (default: the last complete one) "
        "and make it active; --list shows the models, --rollback H re-activates the previous model of horizon H."
    )

    def add_arguments(self, parser):
        parser.add_argument("--until", type=_month, default=None, help="last month learned from, YYYY-MM")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: PREDICTION_SEED)")
        parser.add_argument("--no-activate", action="store_true", help="store the models without activating them")
        parser.add_argument(
            "--max-positions",
            type=int,
            default=None,
            help="positions drawn (default PREDICTION_MAX_TRAINING_POSITIONS)",
        )
        parser.add_argument("--backtest", action="store_true", help="then walk forward and store the backtest")
        parser.add_argument(
            "--retrain-every", type=int, default=1, help="with --backtest: months a replayed model is kept (default 1)"
        )
        parser.add_argument("--list", action="store_true", help="list the stored models")
        parser.add_argument("--rollback", type=int, default=None, metavar="H", help="roll back horizon H")

    def handle(self, *args, **options):
        if options["list"]:
            for row in PredictionModel.objects.all():
                self.stdout.write(
                    f"v{row.version:<4} {row.get_status_display():<22} horizon {row.horizon_months} mois, "
                    f"appris sur {row.first_month:%Y-%m} .. {row.trained_until:%Y-%m}, {row.training_rows} lignes"
                )
            return
        if options["rollback"] is not None:
            try:
                row = learning.prediction_model_rollback(horizon_months=options["rollback"])
            except PredictionModel.DoesNotExist as error:
                raise CommandError(str(error))
            self.stdout.write(f"Modèle actif pour l'horizon {row.horizon_months} mois : v{row.version}")
            return
        trained = learning.prediction_models_train(
            until=options["until"],
            seed=options["seed"],
            activate=not options["no_activate"],
            max_positions=options["max_positions"],
        )
        for row in trained.models:
            self.stdout.write(
                f"v{row.version} ({row.get_status_display()}) : horizon {row.horizon_months} mois, "
                f"{row.first_month:%Y-%m} .. {row.trained_until:%Y-%m}, {row.training_rows} lignes "
                f"({row.sample_share:.0%} des positions), calibration sur {row.calibration_rows} lignes"
            )
        for horizon, reason in trained.skipped.items():
            self.stdout.write(f"Horizon {horizon} mois : pas de modèle ({reason}) ; la formule répond.")
        if trained.models and not settings.PREDICTIONS_COMPUTED_IN_RUNS:
            self.stdout.write(
                "Prédictions de fin de mois : calculées par le worker (month_predictions_refresh, "
                "au plus tard au prochain passage de la veille, toutes les 15 minutes)."
            )
        if options["backtest"] and trained.models:
            outcome = walkforward.backtest_run(
                seed=options["seed"], retrain_every=options["retrain_every"], max_positions=options["max_positions"]
            )
            for horizon, stored in outcome.reports.items():
                figures = stored.report
                self.stdout.write(
                    f"Backtest horizon {horizon} mois : {stored.rows} lignes, AUC A {figures['A']['auc']:.3f}, "
                    f"C {figures['C']['auc']:.3f}, ECE A {figures['A']['ece']:.3f}"
                )
