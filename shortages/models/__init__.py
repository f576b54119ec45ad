from shortages.models.alerts import Alert, AlertEvent, AlertOptOut, Digest, Notification, Subscription
from shortages.models.register import MitigationAction, Shortage
from shortages.models.scores import RiskScore, ScoringRun

__all__ = [
    "Alert",
    "AlertEvent",
    "AlertOptOut",
    "Digest",
    "MitigationAction",
    "Notification",
    "RiskScore",
    "ScoringRun",
    "Shortage",
    "Subscription",
]
