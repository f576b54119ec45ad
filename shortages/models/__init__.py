from shortages.models.alerts import Alert, AlertEvent, AlertOptOut, Digest, Notification, Subscription
from shortages.models.learning import (
    BacktestReport,
    ModelStatus,
    PositionPrediction,
    PredictionBatch,
    PredictionModel,
)
from shortages.models.register import MitigationAction, Shortage
from shortages.models.scores import PositionSums, RiskScore, ScoringChunk, ScoringRun

__all__ = [
    "Alert",
    "BacktestReport",
    "AlertEvent",
    "AlertOptOut",
    "Digest",
    "MitigationAction",
    "ModelStatus",
    "Notification",
    "PositionPrediction",
    "PositionSums",
    "PredictionBatch",
    "PredictionModel",
    "RiskScore",
    "ScoringChunk",
    "ScoringRun",
    "Shortage",
    "Subscription",
]
