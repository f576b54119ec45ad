"""The expiry alert opens on what its figure shows: units projected to expire unused that round to
at least one whole unit, never an alert reading "unités à risque de péremption : 0"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shortages.choices import AlertKind
from shortages.models import Alert
from shortages.services import scores
from stock.models import StockLot
from tests import factories
from tests.shortages.routing_world import months_before, stock_position

pytestmark = pytest.mark.django_db


def _short_dated(personas, inn: str, quantity: int, today: dt.date):
    """Hospital A issues 100 units a month (AMC 100) and holds ``quantity`` units in one lot expiring
    in 59 days: used first-expiry-first-out at 100 / 30.4375 a day, the lot delivers
    100 x 59 / 30.4375 = 193.84 units before it expires."""
    medicine = factories.MedicineFactory(inn=inn, ven_class="E")
    stock_position(personas.hospital_a, medicine, quantity, months=months_before(today))
    StockLot.objects.create(
        establishment=personas.hospital_a,
        medicine=medicine,
        lot_number=f"L-{inn}",
        expiry_date=today + dt.timedelta(days=59),
        quantity=quantity,
    )
    return medicine


def test_a_fraction_of_a_unit_raises_no_expiry_alert_and_a_unit_does(personas):
    today = timezone.localdate()
    # 194 - 193.84 = 0.16 unit projected to expire unused: "0" once rounded, no alert
    fraction = _short_dated(personas, "FRACTION", 194, today)
    # 195 - 193.84 = 1.16 units: one unit, an alert that says so
    one_unit = _short_dated(personas, "UNE UNITE", 195, today)
    scores.scoring_run_execute(as_of=today)
    expiry = Alert.objects.filter(kind=AlertKind.EXPIRY)
    assert not expiry.filter(medicine=fraction).exists()
    alert = expiry.get(medicine=one_unit)
    assert alert.value["expiry_at_risk"] == pytest.approx(195 - 100 * 59 / 30.4375)
    assert alert.message.endswith("unités à risque de péremption : 1")
    assert alert.level == "medium"  # 1.16 units, far under half the 195 held
