"""A small but complete world for page tests: positions with scores, consumption, lots, alerts,
shortages with actions, suppliers and declarations. ``size`` multiplies every row count, so a query
count measured on two sizes shows whether it grows with the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from partners.choices import DeclarationStatus
from shortages.choices import (
    ActionKind,
    AlertEventKind,
    AlertKind,
    AlertStatus,
    RiskLevel,
    RunStatus,
    ShortageCause,
    ShortageScope,
    ShortageStatus,
)
from shortages.models import Alert, AlertEvent, MitigationAction, RiskScore, ScoringRun, Shortage
from stock.models import ConsumptionMonth, StockLevel, StockLot
from tests import factories
from tests.partners.factories import DeclarationFactory, ProductSupplierFactory, SupplyLineFactory

LEVELS = [RiskLevel.CRITICAL, RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW]
STATUSES = ["stocked_out", "below_emergency", "understocked", "adequate", "overstocked"]
CONTRIBUTIONS = {
    "stock_cover": 24.0,
    "stockout_spread": 12.5,
    "industry_cover": 9.0,
    "disruption": 7.5,
    "concentration": 6.0,
    "import_dependency": 5.0,
    "history": 2.0,
    "criticality": 3.0,
}
FIGURES = {
    "national_mos": 0.8,
    "share_at_risk": 0.42,
    "industry_mos": 1.2,
    "disrupted_sales_share": 0.5,
    "supplier_hhi": 0.75,
    "supplier_count": 2,
    "import_share": 1.0,
    "episodes": 1,
    "ven_class": "V",
}


@dataclass
class World:
    medicines: list[Any] = field(default_factory=list)
    establishments: list[Any] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    shortages: list[Shortage] = field(default_factory=list)
    as_of: dt.date | None = None
    regions: list[Any] = field(default_factory=list)


def build_world(personas: Any, *, size: int = 1, today: dt.date | None = None, batch: str = "A") -> World:
    """Rows for every page: ``size`` x (3 medicines, 2 extra establishments, ...). Call again with
    another ``batch`` to add more of the same on top."""
    today = today or timezone.localdate()
    as_of = today - dt.timedelta(days=1)
    world = World(as_of=as_of)
    run = ScoringRun.objects.create(as_of=as_of, status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    regions = [personas.hospital_a.region, personas.hospital_b.region]
    world.regions = regions
    establishments = [personas.hospital_a, personas.hospital_b]
    for index in range(2 * size):
        establishments.append(factories.EstablishmentFactory(region=regions[index % 2]))
    world.establishments = establishments
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)

    for number in range(3 * size):
        medicine = factories.MedicineFactory(inn=f"MÉDICAMENT {batch}{number:03d}", ven_class="V")
        world.medicines.append(medicine)
        product = factories.ProductFactory(medicine=medicine, origin="imported")
        ProductSupplierFactory(company=personas.member_company, product=product)
        ProductSupplierFactory(company=personas.outside_company, product=factories.ProductFactory(medicine=medicine))
        level = LEVELS[number % len(LEVELS)]
        RiskScore.objects.create(
            run=run,
            medicine=medicine,
            as_of=as_of,
            stock=1200,
            usable_stock=1000,
            amc=1250,
            months_of_stock=0.8,
            stock_status="below_emergency",
            score=90 - number % 80,
            level=level,
            figures=FIGURES,
            contributions=CONTRIBUTIONS,
        )
        RiskScore.objects.create(
            run=run,
            medicine=medicine,
            as_of=as_of - dt.timedelta(days=30),
            stock_status="adequate",
            score=40,
            level="medium",
        )
        levels, scores, consumption, lots, alerts = [], [], [], [], []
        for position, establishment in enumerate(establishments):
            status = STATUSES[(number + position) % len(STATUSES)]
            levels.append(StockLevel(establishment=establishment, medicine=medicine, quantity=100 * position))
            scores.append(
                RiskScore(
                    run=run,
                    medicine=medicine,
                    establishment=establishment,
                    region=establishment.region,
                    as_of=as_of,
                    stock=100 * position,
                    usable_stock=100 * position,
                    amc=120,
                    months_of_stock=100 * position / 120,
                    stock_status=status,
                    stockout_probability=0.3,
                    score=50,
                    level="medium",
                )
            )
            consumption += [
                ConsumptionMonth(
                    establishment=establishment, medicine=medicine, month=month, issued=100, stockout_days=position % 2
                )
                for month in (last_month, this_month)
            ]
            lots.append(
                StockLot(
                    establishment=establishment,
                    medicine=medicine,
                    lot_number=f"L{batch}{number}-{position}",
                    expiry_date=today + dt.timedelta(days=40),
                    quantity=10,
                )
            )
            alerts.append(
                Alert(
                    kind=AlertKind.STOCKOUT,
                    medicine=medicine,
                    establishment=establishment,
                    region=establishment.region,
                    level=level,
                    message="Rupture constatée",
                )
            )
        StockLevel.objects.bulk_create(levels)
        RiskScore.objects.bulk_create(scores)
        ConsumptionMonth.objects.bulk_create(consumption)
        StockLot.objects.bulk_create(lots)
        alerts = Alert.objects.bulk_create(alerts)
        AlertEvent.objects.bulk_create(
            [AlertEvent(alert=alert, kind=AlertEventKind.OPENED, to_value=level) for alert in alerts]
        )
        world.alerts += alerts
        national = Alert.objects.create(
            kind=AlertKind.NATIONAL_RISK,
            medicine=medicine,
            level=level,
            status=AlertStatus.OPEN,
            message="Risque national",
        )
        AlertEvent.objects.create(alert=national, kind=AlertEventKind.OPENED, to_value=level)
        world.alerts.append(national)
        shortage = Shortage.objects.create(
            medicine=medicine,
            status=ShortageStatus.ONGOING,
            cause=ShortageCause.IMPORT,
            scope=ShortageScope.NATIONAL,
            started_on=today - dt.timedelta(days=20),
            created_by=personas.analyst,
        )
        MitigationAction.objects.create(
            shortage=shortage,
            kind=ActionKind.EXCEPTIONAL_IMPORT,
            due_date=today - dt.timedelta(days=2),
            owner=personas.analyst,
        )
        world.shortages.append(shortage)
        declaration = DeclarationFactory(
            company=personas.member_company, medicine=medicine, month=last_month, status=DeclarationStatus.ACCEPTED
        )
        SupplyLineFactory(declaration=declaration, expected_on=today + dt.timedelta(days=20))
    for first, second in zip(world.medicines, world.medicines[1:], strict=False):
        first.alternatives.add(second)
    return world
