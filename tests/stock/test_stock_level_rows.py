"""The stock list's rows come from one query of fixed text (``selectors.stock_level_rows``); they must
say what the ORM says (the codes through the relations, ``with_usable``'s expired and usable
units), for every kind of position, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from stock import selectors
from stock.models import StockLevel, StockLot
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(personas):
    """Positions at two hospitals of different regions: without lots, with a lot expired yesterday
    (partly and wholly), with an empty expired lot, with a lot expiring today, with stock in transit."""
    today = timezone.localdate()
    medicines = [factories.MedicineFactory(strength=strength) for strength in ("500 mg", "", "1 g", "2 g", "5 mg")]
    created = []
    for hospital in (personas.hospital_a, personas.hospital_b):
        for number, medicine in enumerate(medicines):
            created.append(
                StockLevel.objects.create(
                    establishment=hospital, medicine=medicine, quantity=100 * number, in_transit=7 * number
                )
            )
    lots = [
        (1, today - dt.timedelta(days=1), 40),  # part of 100 expired
        (2, today - dt.timedelta(days=1), 500),  # more than the level: usable 0, never negative
        (2, today + dt.timedelta(days=90), 50),
        (3, today - dt.timedelta(days=3), 0),  # an empty expired lot counts nothing
        (4, today, 30),  # expires today: expired (the scoring's rule)
    ]
    for index, (number, expiry, quantity) in enumerate(lots):
        StockLot.objects.create(
            establishment=personas.hospital_a,
            medicine=medicines[number],
            lot_number=f"L-{index}",
            expiry_date=expiry,
            quantity=quantity,
        )
    return created


def test_rows_say_what_the_orm_definition_says(personas, levels):
    # given the levels as the ORM reads them
    fields = (
        "id", "establishment_code", "region_code", "medicine_code", "quantity", "in_transit", "updated_at",
        "expired_quantity", "usable_quantity",
    )  # fmt: skip
    expected = {
        level.id: {name: getattr(level, name) for name in fields}
        for level in StockLevel.objects.visible_to(personas.analyst)
        .with_usable()
        .annotate(
            establishment_code=F("establishment__code"),
            region_code=F("establishment__region__code"),
            medicine_code=F("medicine__code"),
        )
    }
    ids = sorted(expected, reverse=True)
    # when
    rows = selectors.stock_level_rows(ids)
    # then every row, in the order asked, says the same
    assert [row["id"] for row in rows] == ids
    assert [{name: row[name] for name in fields} for row in rows] == [expected[pk] for pk in ids]
    by_quantity = {(row["establishment_code"], row["quantity"]): row for row in rows}
    a = personas.hospital_a.code
    assert (by_quantity[(a, 100)]["expired_quantity"], by_quantity[(a, 100)]["usable_quantity"]) == (40, 60)
    assert (by_quantity[(a, 200)]["expired_quantity"], by_quantity[(a, 200)]["usable_quantity"]) == (500, 0)
    assert by_quantity[(a, 300)]["expired_quantity"] == 0
    assert by_quantity[(a, 400)]["usable_quantity"] == 370
    assert all(timezone.is_aware(row["updated_at"]) for row in rows)
    # and the names the expanded list shows
    level = StockLevel.objects.select_related("establishment", "medicine").get(pk=ids[0])
    assert (rows[0]["establishment_name"], rows[0]["medicine_inn"], rows[0]["medicine_unit"]) == (
        level.establishment.name,
        level.medicine.inn,
        level.medicine.dispensing_unit,
    )


def test_ids_that_do_not_exist_are_left_out_and_none_asks_nothing(levels, django_assert_num_queries):
    # when / then
    assert [row["id"] for row in selectors.stock_level_rows([levels[0].id, 10**9])] == [levels[0].id]
    with django_assert_num_queries(0):
        assert selectors.stock_level_rows([]) == []
