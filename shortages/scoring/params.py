"""Parameters of the scoring: plain values, read from settings by the services layer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

# Average days in a month (365.25 / 12): converts months of stock into days of cover.
DAYS_PER_MONTH = 30.4375

DEFAULT_STOCK_LEVELS: Mapping[str, Mapping[str, float]] = {
    "hospital": {"emergency": 0.5, "minimum": 1.5, "maximum": 3.0, "lead_time": 1.0, "review": 1.0},
    "primary": {"emergency": 0.5, "minimum": 1.5, "maximum": 3.0, "lead_time": 1.0, "review": 1.0},
    "warehouse": {"emergency": 1.0, "minimum": 3.0, "maximum": 6.0, "lead_time": 2.0, "review": 1.0},
}
DEFAULT_POSITION_WEIGHTS: Mapping[str, float] = {"stockout_probability": 60.0, "cover": 30.0, "criticality": 10.0}
DEFAULT_NATIONAL_WEIGHTS: Mapping[str, float] = {
    "stock_cover": 30.0,
    "stockout_spread": 20.0,
    "industry_cover": 15.0,
    "disruption": 15.0,
    "concentration": 8.0,
    "import_dependency": 5.0,
    "history": 4.0,
    "criticality": 3.0,
}
DEFAULT_THRESHOLDS: Mapping[str, float] = {"critical": 75.0, "high": 50.0, "medium": 25.0}
# VEN class -> criticality factor (0..1).
VEN_CRITICALITY: Mapping[str, float] = {"V": 1.0, "E": 0.5, "N": 0.0}


@dataclass(frozen=True)
class ScoringParams:
    """Everything the pure scoring needs besides the data frames.

    ``months``: consumption window (n); ``stock_levels``: max-min levels in months per establishment
    level; weights sum to anything (scores are normalised by the weights of the factors present);
    ``thresholds``: lower bounds of the 0-100 score for each risk level.
    """

    as_of: dt.date
    months: int = 6
    stock_levels: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: DEFAULT_STOCK_LEVELS)
    position_weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_POSITION_WEIGHTS)
    national_weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_NATIONAL_WEIGHTS)
    thresholds: Mapping[str, float] = field(default_factory=lambda: DEFAULT_THRESHOLDS)
    safety_stock_months: float = 3.0
    national_cover_target_months: float = 3.0
    probability_alert: float = 0.5  # the setting STOCKOUT_PROBABILITY_ALERT, docs/scoring.md
    expiry_alert_months: float = 6.0
    history_months: int = 24
    history_saturation: int = 3

    def __post_init__(self) -> None:
        if self.months < 1:
            raise ValueError("months: the consumption window needs at least one month")
        for level, values in self.stock_levels.items():
            missing = {"emergency", "minimum", "maximum", "lead_time", "review"} - set(values)
            if missing:
                raise ValueError(f"stock_levels[{level!r}]: missing {sorted(missing)}")
            if not values["emergency"] <= values["minimum"] <= values["maximum"]:
                raise ValueError(f"stock_levels[{level!r}]: emergency <= minimum <= maximum is required")
        if not self.thresholds["critical"] >= self.thresholds["high"] >= self.thresholds["medium"]:
            raise ValueError("thresholds: critical >= high >= medium is required")
