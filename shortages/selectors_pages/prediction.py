"""The learned prediction for analysts: the active model of each horizon, the stored models, the
latest stored backtest of each horizon, and what a probability has meant so far.

A backtest's ``report`` holds, for populations A (positions not stocked out at the month end) and
C (all), the figures of :func:`shortages.scoring.evaluation.population_report`; its reliability
table of population C is what "P has meant so far" reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Subquery
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shortages.explain_features import feature_label
from shortages.models.learning import BacktestReport, ModelStatus, PredictionModel
from shortages.selectors_pages.common import ModelReach, latest_as_of, model_reach
from shortages.services.learning import level_horizons
from stock.choices import EstablishmentLevel
from stock.templatetags.ui import pct, qty

MODEL_LIST_LIMIT = 50
POPULATIONS = ("A", "C")


@dataclass(frozen=True)
class ReliabilityBin:
    """One tenth of P in a backtest: the position-months given a P in [low, high) and the share of
    them that stocked out within the horizon (``observed``, None when the bin is empty)."""

    low: float
    high: float
    positions: int
    mean_probability: float | None
    observed: float | None

    @classmethod
    def from_report(cls, row: dict[str, Any]) -> ReliabilityBin:
        return cls(
            low=float(row["low"]),
            high=float(row["high"]),
            positions=int(row.get("positions") or 0),
            mean_probability=_number_or_none(row.get("mean_probability")),
            observed=_number_or_none(row.get("observed")),
        )


def _number_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


# A band of P that says what P has meant rests on at least this many position-months of the
# backtest: a thinner tenth is widened with its neighbours. Below about 20 position-months the
# share observed is a guess (its binomial standard error reaches 0.11 at 50 %): on the demo's
# first backtest the tenth 60-70 % held 5 position-months, 4 stocked out, and every position given
# 62 % read "80 % ont connu une rupture".
MIN_BAND_POSITIONS = 20


def shown_percent(probability: float) -> Decimal:
    """``probability`` as the pages show it: a whole percentage rounded half up, as a share
    (0.3996 is shown "40 %" and belongs to the band 40-50 %)."""
    return (Decimal(str(probability)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 100


def band_of(bins: list[ReliabilityBin], index: int, *, minimum: int = MIN_BAND_POSITIONS) -> ReliabilityBin:
    """Bin ``index`` widened with its neighbours until it holds ``minimum`` position-months (or the
    whole table): at each step the neighbour holding more position-months joins (the lower one on a
    tie). The band's mean P and observed share are those of all its position-months."""
    first = last = index
    while sum(row.positions for row in bins[first : last + 1]) < minimum and (first > 0 or last < len(bins) - 1):
        below = bins[first - 1].positions if first > 0 else -1
        above = bins[last + 1].positions if last < len(bins) - 1 else -1
        if below >= above:
            first -= 1
        else:
            last += 1
    if first == last:
        return bins[index]
    band = bins[first : last + 1]
    positions = sum(row.positions for row in band)
    counted = [row for row in band if row.positions and row.observed is not None]
    weight = sum(row.positions for row in counted)
    return ReliabilityBin(
        low=band[0].low,
        high=band[-1].high,
        positions=positions,
        mean_probability=(
            sum(row.positions * row.mean_probability for row in counted if row.mean_probability is not None) / weight
            if weight and all(row.mean_probability is not None for row in counted)
            else None
        ),
        observed=sum(row.positions * row.observed for row in counted) / weight if weight else None,
    )


@dataclass
class Reliability:
    """The reliability table of population C of the latest stored backtest, per establishment level."""

    by_level: dict[str, list[ReliabilityBin]] = field(default_factory=dict)

    def bin_of(self, probability: float | None, level: str | None) -> ReliabilityBin | None:
        """The band of ``probability`` in the table of ``level``'s horizon; None without a table or a
        probability. The tenth is found for the probability as the pages show it
        (:func:`shown_percent`, so that "40 %" reads the band 40-50 %; bins are [low, high), the last
        one includes 1), then widened to ``MIN_BAND_POSITIONS`` position-months (:func:`band_of`)."""
        bins = self.by_level.get(level or "")
        if probability is None or not bins:
            return None
        shown = float(shown_percent(float(probability)))
        for index, row in enumerate(bins):
            last = index == len(bins) - 1
            low, high = round(row.low, 6), round(row.high, 6)  # 0.30000000000000004 is the bound 0.3
            if low <= shown < high or (last and shown >= low):
                return band_of(bins, index)
        return None


def latest_backtests() -> list[BacktestReport]:
    """The latest stored backtest of each horizon (one query), shortest horizon first."""
    latest = BacktestReport.objects.filter(horizon_months=OuterRef("horizon_months")).order_by("-created_at", "-pk")
    return list(
        BacktestReport.objects.filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("model")
        .defer("model__payload")
        .order_by("horizon_months")
    )


def _report_levels(report: BacktestReport) -> list[str]:
    levels = (report.report or {}).get("levels")
    if levels:
        return [str(level) for level in levels]
    return [level for level, months in level_horizons().items() if months == report.horizon_months]


def reliability_from(reports: list[BacktestReport]) -> Reliability:
    """Population C's reliability table of each report, keyed by the levels it covers."""
    reliability = Reliability()
    for report in reports:
        rows = ((report.report or {}).get("C") or {}).get("reliability") or []
        bins = [ReliabilityBin.from_report(row) for row in rows]
        for level in _report_levels(report):
            reliability.by_level[level] = bins
    return reliability


def reliability_latest() -> Reliability:
    """What P has meant so far, per establishment level (one query; empty before any backtest)."""
    return reliability_from(latest_backtests())


def decimal_text(value: Any, digits: int = 3) -> str:
    """A figure rounded half up to ``digits`` decimals in the page's language, or an em dash."""
    if value is None or value == "":
        return "—"
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return number_format(rounded, digits)


@dataclass(frozen=True)
class FigureRow:
    """One line of the backtest table: its label and the figure of each population, in words."""

    label: str | Promise
    values: tuple[str, ...]


FIGURES: list[tuple[str | Promise, str, str]] = [
    (_("Positions-mois évaluées"), "rows", "qty"),
    (_("Ruptures observées dans l'horizon"), "stockouts", "qty"),
    (_("Taux de base (part en rupture dans l'horizon)"), "base_rate", "pct1"),
    (_("AUC de la probabilité du modèle"), "auc", "dec"),
    (_("AUC de la formule analytique"), "auc_formula", "dec"),
    (_("AUC des mois de stock seuls"), "auc_months_of_stock", "dec"),
    (_("Seuil d'alerte de la probabilité"), "cut", "pct"),
    (_("Positions-mois au-dessus du seuil d'alerte"), "flagged", "qty"),
    (_("Précision au seuil d'alerte"), "precision_at_cut", "pct1"),
    (_("Rappel au seuil d'alerte"), "recall_at_cut", "pct1"),
    (_("Précision de la règle « moins d'un mois de stock »"), "rule_precision", "pct1"),
    (_("Rappel de la règle « moins d'un mois de stock »"), "rule_recall", "pct1"),
    (_("Rappel de la probabilité à la précision de la règle"), "recall_at_rule_precision", "pct1"),
    (_("Seuil de la probabilité qui atteint cette précision"), "cut_at_rule_precision", "pct1"),
    (_("Erreur de calibration attendue (ECE) du modèle"), "ece", "dec"),
    (_("Erreur de calibration attendue (ECE) de la formule"), "ece_formula", "dec"),
    (_("Score de Brier du modèle"), "brier", "dec"),
    (_("Gain de Brier sur le taux de base, modèle"), "brier_skill", "dec"),
    (_("Gain de Brier sur le taux de base, formule"), "brier_skill_formula", "dec"),
]


def figure_text(value: Any, kind: str) -> str:
    """A backtest figure in the page's language (an em dash when it could not be computed)."""
    if value is None:
        return "—"
    if kind == "qty":
        return qty(value)
    if kind == "pct":
        return pct(value)
    if kind == "pct1":
        return pct(value, 1)
    return decimal_text(value)


@dataclass
class BacktestView:
    """A stored backtest as the page shows it."""

    report: BacktestReport
    rows: list[FigureRow]
    reliability: dict[str, list[ReliabilityBin]]
    months: list[str]
    mase: dict[str, str]
    mase_rows: list[FigureRow]
    levels: list[str]

    @property
    def population_rows(self) -> dict[str, str]:
        return {name: qty(((self.report.report or {}).get(name) or {}).get("rows")) for name in POPULATIONS}


def backtest_view(report: BacktestReport) -> BacktestView:
    """The figures of populations A and C, the reliability tables and the forecast's MASE."""
    data = report.report or {}
    rows = [
        FigureRow(label=label, values=tuple(figure_text((data.get(name) or {}).get(key), kind) for name in POPULATIONS))
        for label, key, kind in FIGURES
    ]
    forecast = data.get("forecast") or {}
    mase_rows = []
    for origin in forecast.get("origins") or []:
        mase_rows.append(
            FigureRow(
                label=_month_text(origin.get("origin")),
                values=(
                    qty(origin.get("series")),
                    decimal_text(origin.get("mase_forecast"), 2),
                    decimal_text(origin.get("mase_moving_average"), 2),
                ),
            )
        )
    return BacktestView(
        report=report,
        rows=rows,
        reliability={
            name: [ReliabilityBin.from_report(row) for row in (data.get(name) or {}).get("reliability") or []]
            for name in POPULATIONS
        },
        months=[str(month) for month in data.get("months") or []],
        mase={
            "forecast": decimal_text(forecast.get("mase_forecast"), 2),
            "moving_average": decimal_text(forecast.get("mase_moving_average"), 2),
            "ratio": decimal_text(forecast.get("ratio"), 2),
            "series": qty(forecast.get("series")),
            # absent from reports stored before it was measured
            "hindsight_best": decimal_text(forecast.get("mase_hindsight_best"), 2)
            if forecast.get("mase_hindsight_best") is not None
            else "",
            "hindsight_ratio": decimal_text(forecast.get("hindsight_ratio"), 2),
        },
        mase_rows=mase_rows,
        levels=[_level_label(level) for level in _report_levels(report)],
    )


def _month_text(value: Any) -> str:
    if not value:
        return "—"
    try:
        return dt.date.fromisoformat(str(value)[:10]).strftime("%m/%Y")
    except ValueError:
        return str(value)


def _level_label(level: str) -> str:
    return str(EstablishmentLevel(level).label) if level in EstablishmentLevel.values else level


@dataclass
class ActiveModel:
    """The model scoring uses for one horizon, with the words the page needs."""

    model: PredictionModel
    can_roll_back: bool
    levels: list[str]
    feature_labels: list[str]

    @property
    def calibration_a(self) -> str:
        return decimal_text(self.model.calibration[0], 3) if self.model.calibration else "—"

    @property
    def calibration_b(self) -> str:
        return decimal_text(self.model.calibration[1], 3) if len(self.model.calibration or []) > 1 else "—"


@dataclass
class PredictionPage:
    active: list[ActiveModel]
    models: list[PredictionModel]
    backtests: list[BacktestView]
    reach: ModelReach | None


def prediction_page_get() -> PredictionPage:
    """The model page in five queries (six on a day without stored sums): active models (with
    whether an earlier one can come back), the latest stored models, the latest backtest of each
    horizon, and how many of the positions of the latest scoring day the learned model spoke for
    (the day, then :func:`model_reach`)."""
    earlier = PredictionModel.objects.filter(
        horizon_months=OuterRef("horizon_months"), version__lt=OuterRef("version"), activated_at__isnull=False
    )
    horizons = level_horizons()
    active = [
        ActiveModel(
            model=row,
            can_roll_back=row.has_earlier,
            levels=[_level_label(level) for level, months in horizons.items() if months == row.horizon_months],
            feature_labels=[feature_label(name) for name in row.features or []],
        )
        for row in PredictionModel.objects.filter(status=ModelStatus.ACTIVE)
        .annotate(has_earlier=Exists(earlier))
        .select_related("activated_by")
        .defer("payload")
        .order_by("horizon_months")
    ]
    models = list(
        PredictionModel.objects.select_related("activated_by").defer("payload").order_by("-version")[:MODEL_LIST_LIMIT]
    )
    return PredictionPage(
        active=active,
        models=models,
        backtests=[backtest_view(report) for report in latest_backtests()],
        reach=model_reach(latest_as_of()),
    )
