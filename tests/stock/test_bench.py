"""The stock benchmark command runs end to end on a small size and leaves the database as it was."""

import io
import re

import pytest
from django.core.management import call_command

from stock.models import Establishment, MonthlyReport, StockMovement

pytestmark = pytest.mark.django_db


def test_the_benchmark_prints_both_figures_beside_their_reference_and_rolls_back():
    # given
    out, err = io.StringIO(), io.StringIO()

    # when
    call_command("bench_stock", movements=30, establishments=2, medicines=3, months=2, stdout=out, stderr=err)

    # then
    printed = out.getvalue()
    assert err.getvalue() == ""
    assert re.search(r"bulk movements: 30 movements in one request: \d+ ms .*plain bulk insert", printed)
    assert re.search(r"monthly report upload: 12 rows .* rows/s.*plain bulk insert", printed)
    assert not Establishment.objects.filter(code__startswith="BENCH-").exists()
    assert not StockMovement.objects.exists() and not MonthlyReport.objects.exists()
