"""Rupture-risk scoring: pure pandas, frames in and frames out, no Django import.

Every figure, its unit and its rule are described in docs/scoring.md and in each function's docstring.
"""

from shortages.scoring.alerts import national_conditions, position_conditions
from shortages.scoring.backtest import classification_metrics, positions_at_month_end, stockout_outcomes
from shortages.scoring.consumption import adjusted_consumption, consumption_stats, window_months
from shortages.scoring.national import (
    herfindahl,
    industry_side,
    score_medicines,
    structural_side,
)
from shortages.scoring.params import DAYS_PER_MONTH, ScoringParams
from shortages.scoring.positions import (
    risk_level,
    score_positions,
    stock_status,
    stockout_probability,
    usable_stock,
    weighted_score,
)

__all__ = [
    "DAYS_PER_MONTH",
    "ScoringParams",
    "adjusted_consumption",
    "classification_metrics",
    "consumption_stats",
    "herfindahl",
    "industry_side",
    "national_conditions",
    "position_conditions",
    "positions_at_month_end",
    "risk_level",
    "score_medicines",
    "score_positions",
    "stock_status",
    "stockout_outcomes",
    "stockout_probability",
    "structural_side",
    "usable_stock",
    "weighted_score",
    "window_months",
]
