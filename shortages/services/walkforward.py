"""The walk-forward backtest of the learned prediction on the platform's own history.

For each horizon the establishments' levels use, every month-end t from ``first`` on that leaves
a full horizon after it is predicted by models trained on what was known at t; the analytical
formula and the naive rule "months of stock < 1" are judged on the same position-months. The
result is stored (:class:`shortages.models.BacktestReport`) for the analysts' page and returned with
its per-row predictions for a command to print or write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd
from django.conf import settings
from django.utils import timezone, translation

from shortages.choices import AlertKind
from shortages.models.learning import BacktestReport, ModelStatus, PredictionModel
from shortages.scoring import alert_replay, evaluation, learned
from shortages.services import inputs, learning
from stock.models import Establishment, Medicine

#: Months of history before the first month-end tested, when none is given; the shorter one when the
#: longer would leave fewer than ``MINIMUM_TEST_MONTHS`` month-ends to test.
DEFAULT_TRAINING_MONTHS = 24
SHORT_TRAINING_MONTHS = 12
MINIMUM_TEST_MONTHS = 6
#: Origins of the forecast comparison: the last three quarter-ends that leave three months after them.
MASE_ORIGINS = 3


@dataclass
class BacktestOutcome:
    """Per horizon: the stored report and the predictions (one row per position and month end)."""

    reports: dict[int, BacktestReport] = field(default_factory=dict)
    predictions: dict[int, pd.DataFrame] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)


def mase_origins(panel: learned.Panel) -> list[pd.Timestamp]:
    """Every third month-end counted back from the last one with three months after it."""
    last = (pd.Timestamp(panel.months.max()).to_period("M") - learned.FORECAST_MONTHS).to_timestamp()
    return sorted((last.to_period("M") - 3 * step).to_timestamp() for step in range(MASE_ORIGINS))


def backtest_run(
    *,
    first: dt.date | None = None,
    cut: float | None = None,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
    retrain_every: int = 1,
    max_positions: int | None = None,
) -> BacktestOutcome:
    """Walk forward from ``first`` (default: ``DEFAULT_TRAINING_MONTHS`` after the first month of the
    history, or ``SHORT_TRAINING_MONTHS`` for a short history) for each horizon, store and return the reports. ``cut``: the alert cut of P."""
    seed = settings.PREDICTION_SEED if seed is None else seed
    cut = float(settings.STOCKOUT_PROBABILITY_ALERT) if cut is None else cut
    grid = learning.history_grid()
    outcome = BacktestOutcome()
    if grid.empty:
        raise ValueError("history: no monthly data to replay")
    horizons = learning.level_horizons()
    for horizon in sorted(set(horizons.values())):
        levels = [level for level, months in horizons.items() if months == horizon]
        part = grid.loc[grid["level"].isin(levels)].reset_index(drop=True)
        if part.empty:
            continue
        # A national history is replayed on a random sample of positions (whole histories).
        part, share = learning.sample_positions(
            part, max_positions=max_positions or settings.PREDICTION_MAX_TRAINING_POSITIONS, seed=seed
        )
        panel = learned.build_panel(part.reset_index(drop=True), horizon=horizon)
        if first:
            months = evaluation.test_month_ends(panel, first=pd.Timestamp(first))
        else:
            months = evaluation.test_month_ends(panel, first=_months_after(panel.months.min(), DEFAULT_TRAINING_MONTHS))
            if len(months) < MINIMUM_TEST_MONTHS:
                start = _months_after(panel.months.min(), SHORT_TRAINING_MONTHS)
                months = evaluation.test_month_ends(panel, first=start)
        if not months:
            outcome.skipped[horizon] = "historique trop court pour un mois testé avec son horizon complet"
            continue

        def formula(panel, mask, horizon=horizon):
            return evaluation.formula_probability(
                panel, mask, months=settings.SCORING_MONTHS, horizon_months=float(horizon)
            )

        def step(month, model, horizon=horizon):
            if progress is not None:
                progress(f"horizon {horizon} mois : {month:%Y-%m} ({model.training_rows} lignes d'apprentissage)")

        walked = evaluation.walk_forward(
            panel, test_months=months, formula=formula, seed=seed, progress=step, retrain_every=retrain_every
        )
        if walked.predictions.empty:
            outcome.skipped[horizon] = "; ".join(reason for _, reason in walked.skipped) or "aucune prédiction"
            continue
        report = evaluation.walk_forward_report(walked.predictions, cut=cut)
        report["alert_kinds"] = alert_kinds_replayed(walked.predictions, grid=part, cut=cut)
        report["forecast"] = evaluation.mase_report(panel, walked.predictions, origins=mase_origins(panel))
        report["months"] = [month.strftime("%Y-%m") for month in walked.months]
        report["levels"] = levels
        report["seed"] = seed
        report["sample_share"] = share
        report["retrain_every"] = retrain_every
        active = PredictionModel.objects.filter(horizon_months=horizon, status=ModelStatus.ACTIVE).first()
        outcome.reports[horizon] = learning.backtest_store(
            model=active, horizon=horizon, months=walked.months, rows=len(walked.predictions), report=report
        )
        outcome.predictions[horizon] = _with_codes(walked.predictions)
    return outcome


def alert_kinds_replayed(predictions: pd.DataFrame, *, grid: pd.DataFrame, cut: float) -> dict[str, dict]:
    """Each position alert kind's rule replayed at the month ends (:mod:`alert_replay`), keyed by its
    French label, with the live stock levels and ``cut`` as the high-probability alert's cut."""
    levels = grid.drop_duplicates("establishment_id").set_index("establishment_id")["level"]
    params = replace(inputs.scoring_params(as_of=timezone.localdate()), probability_alert=cut)
    with translation.override("fr"):
        labels = {kind: str(AlertKind(kind).label) for kind in alert_replay.STOCKOUT_KINDS}
    with_levels = predictions.assign(level=predictions["establishment_id"].map(levels))
    return alert_replay.alert_kind_report(with_levels, params=params, labels=labels)


def _months_after(month, months: int) -> pd.Timestamp:
    return (pd.Timestamp(month).to_period("M") + months).to_timestamp()


def _with_codes(predictions: pd.DataFrame) -> pd.DataFrame:
    """The predictions with the establishments' and medicines' own codes."""
    establishments = dict(Establishment.objects.values_list("id", "code"))
    medicines = dict(Medicine.objects.values_list("id", "code"))
    frame = predictions.copy()
    frame.insert(0, "site_code", frame["establishment_id"].map(establishments))
    frame.insert(1, "product_code", frame["medicine_id"].map(medicines))
    frame.insert(2, "month_end", (frame["month"] + pd.offsets.MonthEnd(0)).dt.strftime("%Y-%m-%d"))
    return frame


PREDICTION_COLUMNS = ["site_code", "product_code", "month_end", "p", "forecast_1", "forecast_2", "forecast_3", "label"]
EXTRA_COLUMNS = [
    "scored",
    "stocked_out_now",
    "observed",
    "p_formula",
    "months_of_stock",
    "forecast_low_1",
    "forecast_high_1",
    "actual_1",
    "actual_2",
    "actual_3",
]


def predictions_table(predictions: pd.DataFrame) -> pd.DataFrame:
    """The rows a country team recomputes every figure from: the required columns first, then
    ``scored`` (in the probability's population: recent demand; C is every scored row with an
    observed outcome, A those of them with ``stocked_out_now`` 0), whether the outcome was
    observed, the formula's P, months of stock and the units issued in each month ahead."""
    frame = predictions.copy()
    frame["scored"] = frame["scored"].astype(int)
    frame["stocked_out_now"] = frame["stocked_out_now"].astype(int)
    frame["observed"] = frame["observed"].astype(int)
    for step in range(1, learned.FORECAST_MONTHS + 1):
        frame[f"actual_{step}"] = frame[f"future_{step}"]
    frame["label"] = frame["label"].astype(int).where(frame["observed"] == 1).astype("Int64")
    return frame[PREDICTION_COLUMNS + EXTRA_COLUMNS]
