"""A scored world for the routing tests: one medicine stocked out at three of the four establishments
of region 01 (a regional roll-up) and at hospital B in region 06 (alone: no roll-up there), a
declared disruption (a national alert), and three analysts: national, regional (region 01) and
provincial (hospital A's province)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from partners.models import SupplyDeclaration
from shortages.choices import RunStatus
from shortages.models import ScoringRun
from shortages.services import scores
from stock.models import ConsumptionMonth, StockLevel
from tests import factories
from tests.partners.factories import ProductSupplierFactory
from tests.shortages.conftest import AS_OF

MONTHS = (dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1))


@dataclass
class RoutingWorld:
    medicine: Any
    hospital_c: Any  # region 01, another province than hospital A
    health_centre: Any  # region 01, hospital A's province, well stocked
    hospital_d: Any  # region 01, stocked out
    regional_analyst: Any
    province_analyst: Any


def months_before(day: dt.date, count: int = 3) -> list[dt.date]:
    """The first days of the ``count`` complete months before ``day``'s month."""
    months, month = [], day.replace(day=1)
    for _ in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.insert(0, month)
    return months


def stock_position(establishment, medicine, quantity: int, *, months=MONTHS) -> StockLevel:
    """A position consuming 100 units a month over ``months``, holding ``quantity`` units."""
    ConsumptionMonth.objects.bulk_create(
        [ConsumptionMonth(establishment=establishment, medicine=medicine, month=month, issued=100) for month in months]
    )
    return StockLevel.objects.create(establishment=establishment, medicine=medicine, quantity=quantity)


def an_earlier_run() -> ScoringRun:
    """A succeeded run of the day before: the history is not new, so the next run notifies."""
    return ScoringRun.objects.create(as_of=AS_OF - dt.timedelta(days=1), status=RunStatus.SUCCEEDED)


def build_routing_world(personas, *, score: bool = True) -> RoutingWorld:
    """The world of this module's docstring, scored once (the first run: nobody notified)."""
    hospital_a, hospital_b = personas.hospital_a, personas.hospital_b
    region = hospital_a.region
    other_province = factories.ProvinceFactory(region=region, code="01.999", name_fr="Province voisine")
    hospital_c = factories.EstablishmentFactory(
        code="T-HOSP-C", name="Hôpital C", region=region, province=other_province
    )
    hospital_d = factories.EstablishmentFactory(
        code="T-HOSP-D", name="Hôpital D", region=region, province=hospital_a.province
    )
    health_centre = factories.EstablishmentFactory(
        code="T-CS-E", name="Centre E", region=region, province=hospital_a.province
    )
    medicine = factories.MedicineFactory(inn="AMOXICILLINE", ven_class="E")
    for establishment, quantity in (
        (hospital_a, 0),
        (hospital_c, 0),
        (hospital_d, 0),
        (health_centre, 250),
        (hospital_b, 0),
    ):
        stock_position(establishment, medicine, quantity)
    ProductSupplierFactory(company=personas.member_company, product=factories.ProductFactory(medicine=medicine))
    SupplyDeclaration.objects.create(
        company=personas.member_company,
        medicine=medicine,
        month=dt.date(2026, 6, 1),
        stock_on_hand=100,
        monthly_sales=100,
        disruption=True,
        disruption_cause="api",
        status="accepted",
    )
    regional_analyst = factories.UserFactory(username="regional", roles=["analyst"])
    region.analysts.add(regional_analyst)
    province_analyst = factories.UserFactory(username="provincial", roles=["analyst"])
    hospital_a.province.analysts.add(province_analyst)
    if score:
        scores.scoring_run_execute(as_of=AS_OF)
    return RoutingWorld(
        medicine=medicine,
        hospital_c=hospital_c,
        health_centre=health_centre,
        hospital_d=hospital_d,
        regional_analyst=regional_analyst,
        province_analyst=province_analyst,
    )
