"""Frames read with a binary COPY are the frames read as CSV, and a column the binary reader cannot
hold (a NULL, a text) falls back to CSV."""

from __future__ import annotations

import pandas as pd
import pytest

from bulk import copy_out
from shortages.services import inputs
from stock.models import ConsumptionMonth, StockLevel
from tests.shortages.conftest import AS_OF, build_positions

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def readers(monkeypatch):
    """Which reader answered each query: ``binary`` or ``csv``."""
    seen = []
    binary = copy_out.binary_frame

    def spy(*args, **kwargs):
        frame = binary(*args, **kwargs)
        seen.append("csv" if frame is None else "binary")
        return frame

    monkeypatch.setattr(copy_out, "binary_frame", spy)
    return seen


def test_position_inputs_read_in_binary_are_the_inputs_read_as_csv(readers, monkeypatch):
    # given positions with lots and six months of consumption
    sites, _ = build_positions(establishments=3, medicines=4)
    ids = [site.pk for site in sites]
    # when read through the binary path, then through CSV only
    fast = inputs.position_inputs(as_of=AS_OF, establishment_ids=ids, months=6)
    monkeypatch.setattr(copy_out, "binary_frame", lambda *args, **kwargs: None)
    slow = inputs.position_inputs(as_of=AS_OF, establishment_ids=ids, months=6)
    # then
    assert readers == ["binary"] * 3
    for name in ("positions", "lots", "consumption"):
        left, right = getattr(fast, name), getattr(slow, name)
        assert len(left) > 0
        pd.testing.assert_frame_equal(left, right, check_exact=True)


def test_a_null_falls_back_to_csv(readers):
    # given monthly rows without a closing balance (NULL)
    build_positions(establishments=1, medicines=2)
    rows = ConsumptionMonth.objects.order_by("id").values_list("id", "closing_balance")
    # when
    frame = copy_out.queryset_frame(rows, ["id", "closing_balance"])
    # then
    assert readers == ["csv"]
    assert len(frame) == ConsumptionMonth.objects.count() and frame["closing_balance"].isna().all()


def test_a_text_column_falls_back_to_csv(readers):
    build_positions(establishments=1, medicines=2)
    rows = StockLevel.objects.values_list("id", "medicine__inn")
    frame = copy_out.queryset_frame(rows, ["id", "inn"])
    assert readers == ["csv"] and len(frame) == 2
