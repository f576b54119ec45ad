"""How often each kind of alert has been followed by a stockout within the horizon, from the latest
stored backtest of each horizon (``report["alert_kinds"]``, written by
``shortages.services.walkforward.alert_kinds_replayed``)."""

from __future__ import annotations

from dataclasses import dataclass

from shortages.choices import AlertKind
from shortages.selectors_pages.prediction import latest_backtests


@dataclass(frozen=True)
class KindUsefulness:
    """One alert kind replayed: alerts that would have fired, and how many a stockout followed."""

    kind: str
    alerts: int
    hits: int

    @property
    def precision(self) -> float:
        return self.hits / self.alerts

    @property
    def label(self) -> str:
        return AlertKind(self.kind).label


def alert_usefulness() -> dict[str, KindUsefulness]:
    """Per alert kind replayed by the latest backtest of each horizon, the alerts and hits summed over
    the horizons (one query); empty before any backtest. Kinds that never fired are left out."""
    totals: dict[str, list[int]] = {}
    for stored in latest_backtests():
        for figures in ((stored.report or {}).get("alert_kinds") or {}).values():
            kind = figures.get("kind")
            if kind not in AlertKind.values or figures.get("alerts") is None:
                continue
            pair = totals.setdefault(kind, [0, 0])
            pair[0] += int(figures["alerts"])
            pair[1] += int(figures["hits"])
    ordered = [kind for kind in AlertKind.values if kind in totals and totals[kind][0] > 0]
    return {kind: KindUsefulness(kind=kind, alerts=totals[kind][0], hits=totals[kind][1]) for kind in ordered}
