"""Whatever sequence of movements is recorded, the ledger, the level and the lots agree."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stock.models import ConsumptionMonth, StockLevel, StockLot, StockMovement
from stock.services.ledger import LedgerRejected
from stock.services.movements import movements_record
from tests import factories

pytestmark = pytest.mark.django_db

LOTS = {"A": dt.date(2027, 1, 31), "B": dt.date(2027, 6, 30), "C": dt.date(2028, 1, 31)}
operation = st.tuples(
    st.sampled_from(["receipt", "issue", "loss", "count", "adjustment_plus", "adjustment_minus"]),
    st.integers(min_value=0, max_value=40),
    st.sampled_from(["", "A", "B", "C"]),
    st.integers(min_value=1, max_value=28),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=12))
def test_level_ledger_and_lots_always_agree(personas, operations):
    # given a clean position
    StockMovement.objects.all().delete()
    StockLot.objects.all().delete()
    StockLevel.objects.all().delete()
    ConsumptionMonth.objects.all().delete()
    medicine = factories.MedicineFactory(code="PROP-1")
    recorded_issues = 0

    # when each operation is recorded, or refused as a whole
    for kind, quantity, lot, day in operations:
        item = {
            "establishment": "T-HOSP-A",
            "medicine": "PROP-1",
            "kind": kind,
            "quantity": quantity if kind == "count" else max(quantity, 1),
            "business_date": dt.date(2026, 2, day),
            "lot_number": lot,
            "expiry_date": LOTS.get(lot),
            "loss_reason": "damaged" if kind == "loss" else "",
            "reason": "test" if kind.startswith("adjustment") else "",
        }
        try:
            movements_record(user=personas.hospital_a_user, items=[item])
        except LedgerRejected:
            continue
        if kind == "issue":
            recorded_issues += item["quantity"]

        # then after every step
        level = StockLevel.objects.get(medicine=medicine).quantity
        ledger = list(
            StockMovement.objects.filter(medicine=medicine).order_by("id").values_list("quantity", "balance_after")
        )
        lots = list(StockLot.objects.filter(medicine=medicine).values_list("quantity", flat=True))
        assert level >= 0 and all(quantity >= 0 for quantity in lots)
        assert sum(quantity for quantity, _ in ledger) == level == ledger[-1][1]
        assert sum(lots) <= level
        month = ConsumptionMonth.objects.get(medicine=medicine)
        assert month.issued == recorded_issues
        assert 0 <= month.stockout_days <= 28
