"""One position (an establishment's medicine) on the latest scoring day: its figures, which model gave
its stockout probability, what such a probability has meant so far, and why the model said it.

The explanation recomputes the position's features exactly as the month's predictions were
computed (:func:`shortages.services.learning.month_predictions_compute`): the ``HISTORY_MONTHS_READ``
months before the last complete one and that month, as they stood at its end, for every position
the features of this one read (the establishment's other medicines for its own signals,
the medicine in every establishment of the same horizon for the national and provincial signals),
then spreads P - base rate over the features with the model's own contributions
(:func:`shortages.scoring.learned.model_contributions`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from django.db.models import Q
from django.utils.translation import gettext

from shortages.choices import AlertKind
from shortages.disclosure_areas import MIN_ESTABLISHMENTS, establishments_read, shown_for
from shortages.explain_features import FEATURE_UNITS, LOG_UNITS, MONTHS, SHARE, YES_NO, feature_label
from shortages.models import RiskScore
from shortages.models.learning import PredictionModel
from shortages.scoring import learned, positions
from shortages.scoring.features import HISTORY_MONTHS_READ
from shortages.selectors_pages.common import latest_as_of
from shortages.selectors_pages.prediction import Reliability, ReliabilityBin, reliability_latest
from shortages.selectors_pages.territory import establishment_get
from shortages.services import learning
from stock.models import Establishment, Medicine
from stock.templatetags.ui import months, pct, qty

TOP_CONTRIBUTIONS = 4


@dataclass
class Contribution:
    """One feature's part of P: percentage points (positive raises P) and its value in words."""

    name: str
    label: str
    points: float
    value: str
    bar: int = 0
    # A national or provincial signal resting on too few establishments for the reader: its value
    # is withheld (shortages.disclosure_areas), its points stay.
    withheld: bool = False

    @property
    def min_establishments(self) -> int:
        return MIN_ESTABLISHMENTS

    @property
    def raises(self) -> bool:
        return self.points > 0


@dataclass
class Explanation:
    """Why the learned model gave P: the base rate it starts from, the largest contributions and the
    rest, which add up to P (percentage points)."""

    model_version: int
    base_rate: float
    probability: float
    contributions: list[Contribution]
    other_points: float
    # The P the page shows (the stored one), which ``probability``, recomputed from the history as
    # it stands now, gives back unless the history or the reference data changed since.
    stored_probability: float | None = None

    @property
    def differs(self) -> bool:
        """Whether the recomputed P, which the points add up to, reads otherwise than the stored P the
        page shows (to the tenth of a percent): the page then says which one the points explain."""
        if self.stored_probability is None:
            return False
        return _tenths(100 * self.probability) != _tenths(100 * self.stored_probability)

    @property
    def other_points_shown(self) -> float:
        """The rest as the page shows it: what the figures shown leave to P shown, each rounded half
        up to the tenth of a point as the page writes it (the base rate and P with ``pct:1``, the
        points with ``points``), so that the figures on the page add up to P to the tenth; it
        differs from ``other_points`` by the rounding of the figures listed (a few tenths at most)."""
        shown = _tenths(100 * self.probability) - _tenths(100 * self.base_rate)
        for item in self.contributions:
            shown -= _tenths(item.points)
        return float(shown)


def _tenths(value: float) -> Decimal:
    """``value`` rounded to one decimal as the pages round it (half away from zero: the ``points``
    filter rounds the size half up and puts the sign back)."""
    size = Decimal(str(abs(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return size if value >= 0 else -size


@dataclass
class FormulaExplanation:
    """Why the analytical formula gave P (docs/scoring.md): usable stock S and stock in transit Q
    against the consumption expected over the horizon H (AMC x H), whose spread is sigma x sqrt(H);
    P = 1 - Phi((S + Q - AMC x H) / (sigma x sqrt(H)))."""

    usable_stock: float
    in_transit: float
    amc: float
    horizon_months: float
    sigma: float | None
    probability: float

    @property
    def expected(self) -> float:
        return self.amc * self.horizon_months

    @property
    def spread(self) -> float:
        return (self.sigma or 0.0) * math.sqrt(self.horizon_months)

    @property
    def margin(self) -> float:
        """Units available beyond the expected consumption (negative: missing)."""
        return self.usable_stock + self.in_transit - self.expected

    @property
    def shortfall(self) -> float:
        return max(0.0, -self.margin)

    @property
    def surplus(self) -> float:
        return max(0.0, self.margin)

    @property
    def spreads(self) -> float | None:
        """The margin in spreads (standard deviations of the horizon's consumption), unsigned; None
        when the consumption did not vary."""
        return abs(self.margin) / self.spread if self.spread > 0 else None


def formula_explanation_of(score: Any) -> FormulaExplanation | None:
    """The formula's own terms behind the P of a score the formula gave (``model_version`` null);
    None where a learned model spoke, without a P or an AMC, or where the stored figures no longer
    give the stored P (a score stored by another rule)."""
    if score is None or model_version_of(score) is not None:
        return None
    if score.stockout_probability is None or score.amc is None or score.horizon_months is None:
        return None
    terms = FormulaExplanation(
        usable_stock=float(score.usable_stock or 0.0),
        in_transit=float(score.pipeline or 0.0),
        amc=float(score.amc),
        horizon_months=float(score.horizon_months),
        sigma=None if score.sigma is None else float(score.sigma),
        probability=float(score.stockout_probability),
    )
    again = positions.stockout_probability(
        pd.Series([terms.usable_stock]),
        pd.Series([terms.in_transit]),
        pd.Series([terms.amc]),
        pd.Series([terms.sigma if terms.sigma is not None else 0.0]),
        pd.Series([terms.horizon_months]),
    ).iloc[0]
    if not math.isclose(float(again), terms.probability, abs_tol=1e-6):
        return None
    return terms


@dataclass
class MonthForecast:
    """The learned forecast of one month ahead: the median units the run kept, and the 80 % interval
    (10 % and 90 % quantiles) of the stored prediction that gave it, None where none is known."""

    month: dt.date
    units: float
    low: float | None = None
    high: float | None = None


@dataclass
class PositionPage:
    establishment: Establishment
    medicine: Medicine
    score: RiskScore | None
    reliability: Reliability
    explanation: Explanation | None

    @property
    def model_version(self) -> int | None:
        return model_version_of(self.score)

    @property
    def forecasts(self) -> list[MonthForecast]:
        """Each month ahead the learned forecast gave (none where the formula answered), with its 80 %
        interval where the stored prediction that spoke holds one (:func:`forecast_interval`)."""
        figures = (self.score.figures or {}) if self.score else {}
        if not self.score:
            return []
        last = prediction_period(self.score)
        spoken = spoken_prediction(self.score)
        forecasts = []
        for step in range(1, learned.FORECAST_MONTHS + 1):
            if figures.get(f"forecast_{step}") is None:
                continue
            units = float(figures[f"forecast_{step}"])
            low, high = forecast_interval(spoken, step=step, units=units)
            forecasts.append(MonthForecast((last + step).to_timestamp().date(), units, low, high))
        return forecasts

    @property
    def forecast_intervals(self) -> bool:
        """Whether any month ahead shows an interval (the table's column)."""
        return any(forecast.low is not None for forecast in self.forecasts)

    @property
    def formula_probability(self) -> float | None:
        return ((self.score.figures or {}) if self.score else {}).get("formula_probability")

    @property
    def formula_explanation(self) -> FormulaExplanation | None:
        """The formula's own terms, where the formula gave P."""
        return formula_explanation_of(self.score)

    @property
    def probability_band(self) -> ReliabilityBin | None:
        """The band of the latest backtest that says what a learned P has meant (None where the
        formula answered, or without a backtest of the position's horizon)."""
        if self.score is None or self.model_version is None:
            return None
        return self.reliability.bin_of(self.score.stockout_probability, self.establishment.level)


def model_version_of(score: Any) -> int | None:
    """The version of the learned model that gave a score's probability; None where the analytical
    formula answered."""
    figures = getattr(score, "figures", None) or {}
    version = figures.get("model_version")
    return None if version is None else int(version)


def position_page_get(*, user: Any, establishment_id: int, medicine_id: int) -> PositionPage:
    """The position page; raises ``Establishment.DoesNotExist`` outside the user's establishments and
    ``Medicine.DoesNotExist`` for an unknown medicine."""
    establishment = establishment_get(user=user, establishment_id=establishment_id)
    medicine = Medicine.objects.get(pk=medicine_id)
    as_of = latest_as_of()
    score = (
        RiskScore.objects.published_on(as_of)
        .filter(establishment=establishment, medicine=medicine)
        .order_by("-pk")
        .first()
        if as_of
        else None
    )
    if score is not None:
        score.as_of = as_of  # the day's run computed these figures (a row is kept while they hold)
    return PositionPage(
        establishment=establishment,
        medicine=medicine,
        score=score,
        reliability=reliability_latest(),
        explanation=position_explanation_get(score=score, level=establishment.level, user=user) if score else None,
    )


def _neighbourhood_grid(*, establishment_id: int, medicine_id: int, levels: list[str], start, end) -> pd.DataFrame:
    """``learning.history_grid`` restricted to the positions whose rows a position's features read:
    the establishment's medicines and the medicine's establishments, of the given levels. The levels
    are kept after the read (each position's grid is its own, so the rows kept are the same): as a
    join in the query, PostgreSQL probed the summaries once per establishment of those levels, 5.6 s
    for the page nationally; the two halves of the ``OR`` alone are two index ranges
    (docs/performance.md)."""
    near = Q(establishment_id=establishment_id) | Q(medicine_id=medicine_id)
    grid = learning.history_grid(start=start, end=end, where=near)
    return grid.loc[grid["level"].isin(levels)].reset_index(drop=True)


def spoken_prediction(score: RiskScore) -> learning.SpokenPrediction | None:
    """The stored prediction that gave the learned figures of ``score``
    (:func:`learning.prediction_spoken`, the rule of the scoring runs); None where the formula
    answered or no stored month predicts the position. Memoised on the score: the forecasts, their
    intervals and the explanation ask for it (one query for the page)."""
    if not hasattr(score, "_spoken_prediction"):
        version = model_version_of(score)
        score._spoken_prediction = (
            learning.prediction_spoken(
                as_of=score.as_of,
                model_version=version,
                establishment_id=score.establishment_id,
                medicine_id=score.medicine_id,
            )
            if version is not None
            else None
        )
    return score._spoken_prediction


def prediction_period(score: RiskScore) -> pd.Period:
    """The month from whose end the learned figures of ``score`` were predicted: the last month
    complete on its day, or the month before for a position whose report of that month had not
    arrived (:func:`spoken_prediction`)."""
    spoken = spoken_prediction(score)
    month = spoken.month if spoken is not None else learning.last_complete_month(score.as_of)
    return month.to_period("M")


def forecast_interval(
    spoken: learning.SpokenPrediction | None, *, step: int, units: float
) -> tuple[float | None, float | None]:
    """The 10 % and 90 % quantiles of month ``step`` ahead from the stored prediction that spoke,
    when that prediction's median is the ``units`` the score shows; (None, None) otherwise: a
    prediction stored before the bounds were kept, or a month computed again since the score's run
    (its interval belongs to another median until the next run)."""
    if spoken is None:
        return None, None
    median, low, high = spoken.forecasts.get(step, (None, None, None))
    if median is None or low is None or high is None or not math.isclose(median, units, rel_tol=1e-9, abs_tol=1e-9):
        return None, None
    return float(low), float(high)


def position_explanation_get(*, score: RiskScore, level: str, user: Any = None) -> Explanation | None:
    """The learned model's contributions to the position's P on the score's day, the largest
    ``TOP_CONTRIBUTIONS`` first; None where the formula answered or the features are unknown. The
    value of a national or provincial signal follows the rule of small areas for ``user``
    (:func:`signals_withheld`; no user: as for a reader of no other establishment)."""
    version = model_version_of(score)
    if version is None:
        return None
    row = PredictionModel.objects.filter(version=version).first()
    if row is None:
        return None
    levels = [name for name, months_ in learning.level_horizons().items() if months_ == row.horizon_months]
    if level not in levels:
        return None
    last = prediction_period(score)
    grid = _neighbourhood_grid(
        establishment_id=score.establishment_id,
        medicine_id=score.medicine_id,
        levels=levels,
        start=(last - HISTORY_MONTHS_READ).to_timestamp().date(),
        end=last.to_timestamp().date(),
    )
    if grid.empty:
        return None
    panel = learned.build_panel(grid.reset_index(drop=True), horizon=row.horizon_months)
    at = (
        (panel.grid["establishment_id"] == score.establishment_id)
        & (panel.grid["medicine_id"] == score.medicine_id)
        & (panel.months == last.to_timestamp())
    ).to_numpy() & learned.scored_rows(panel)
    if not at.any():
        return None
    features = panel.features.loc[at]
    model = learning.loaded_model(row)
    points = learned.model_contributions(model, features).iloc[0]
    probability = float(learned.model_predict(model, features)["probability"].iloc[0])
    ranked = points.reindex(points.abs().sort_values(ascending=False, kind="stable").index)
    top = ranked.iloc[:TOP_CONTRIBUTIONS]
    values = features.iloc[0]
    withheld = signals_withheld(grid, score=score, last=last, names=list(top.index), user=user)
    largest = max(float(top.abs().max()), 1e-9)
    return Explanation(
        model_version=version,
        base_rate=float(model.base_rate),
        probability=probability,
        contributions=[
            Contribution(
                name=name,
                label=feature_label(name),
                points=float(value),
                value="—" if name in withheld else _value_text(name, values[name]),
                bar=round(100 * abs(float(value)) / largest),
                withheld=name in withheld,
            )
            for name, value in top.items()
        ],
        other_points=float(ranked.iloc[TOP_CONTRIBUTIONS:].sum()),
        stored_probability=None if score.stockout_probability is None else float(score.stockout_probability),
    )


def _signal_months(name: str) -> tuple[int, ...]:
    """How many months before the prediction's month each month a national or provincial signal
    reads is (:func:`shortages.scoring.features.supply_nodes`)."""
    if name == "national_stocked_out_change":
        return (0, 1)
    if name.endswith("_previous"):
        return (1,)
    if name.endswith("_two_months_ago"):
        return (2,)
    return (0,)


def signals_withheld(grid: pd.DataFrame, *, score: RiskScore, last: pd.Period, names: list[str], user: Any) -> set[str]:
    """The national and provincial signals among ``names`` whose value ``user`` may not read (the
    rule of small areas, :mod:`shortages.disclosure_areas`): a signal is built from the positions
    of the medicine that reported in the months it reads, in the establishments of the position's
    horizon (``grid``, :func:`_neighbourhood_grid`), nationally or in the position's province. It
    is shown when it rests on at least ``MIN_ESTABLISHMENTS`` establishments in each of those months,
    or to whoever reads them all (:func:`shortages.disclosure_areas.shown_for`: a national analyst,
    an analyst of the province or its region, an establishment alone there)."""
    signals = [name for name in names if name.startswith(("national_", "province_"))]
    readable = establishments_read(user)
    if not signals or readable is None:
        return set()
    reported = grid.loc[(grid["medicine_id"] == score.medicine_id) & grid["reported"].astype(bool)]
    own = grid.loc[grid["establishment_id"] == score.establishment_id, "province_id"].dropna()
    province_id = int(own.iloc[0]) if not own.empty else None
    in_province = reported["province_id"].isna() if province_id is None else reported["province_id"] == province_id
    withheld = set()
    for name in signals:
        rows = reported if name.startswith("national_") else reported.loc[in_province]
        for back in _signal_months(name):
            month = (last - back).to_timestamp()
            if not shown_for(set(rows.loc[rows["month"] == month, "establishment_id"].astype(int)), readable=readable):
                withheld.add(name)
                break
    return withheld


def _value_text(name: str, value: Any) -> str:
    """A feature's value as the page shows it beside its phrase ("" for a ratio without a unit)."""
    if value is None or pd.isna(value):
        return "—"
    unit = FEATURE_UNITS.get(name)
    if unit == MONTHS:
        return months(value)
    if unit == SHARE:
        return pct(value)
    if unit == LOG_UNITS:
        return qty(math.expm1(float(value)))
    if unit == YES_NO:
        return gettext("oui") if float(value) > 0 else gettext("non")
    if unit:
        return qty(value)
    return ""


@dataclass
class PositionProbability:
    """A position's latest probability with the model that gave it and the backtest's reliability."""

    score: RiskScore
    level: str
    reliability: Reliability

    @property
    def model_version(self) -> int | None:
        return model_version_of(self.score)


def alert_probability_get(*, alert: Any) -> PositionProbability | None:
    """For a high-stockout-probability alert: its position's probability on the latest scoring day
    (two queries); None for other alerts or before any scoring."""
    if alert.kind != AlertKind.HIGH_PROBABILITY or alert.establishment_id is None:
        return None
    as_of = latest_as_of()
    score = (
        RiskScore.objects.published_on(as_of)
        .filter(establishment_id=alert.establishment_id, medicine_id=alert.medicine_id)
        .order_by("-pk")
        .first()
        if as_of
        else None
    )
    if score is None:
        return None
    score.as_of = as_of  # the day's run computed it (a row is kept while its figures hold)
    return PositionProbability(score=score, level=alert.establishment.level, reliability=reliability_latest())
