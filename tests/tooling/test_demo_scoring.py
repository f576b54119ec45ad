"""Scoring the generated demo history: it succeeds, and its query count does not grow with the size."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shortages.models import Alert, Notification, RiskScore
from stock.choices import EstablishmentCategory, EstablishmentLevel
from tests import factories

AS_OF = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reference(db):
    """One region with six hospitals, eight health centres and twelve medicines with two products."""
    province = factories.ProvinceFactory(region=factories.RegionFactory(code="04"), code="04.1")
    for i in range(6):
        factories.EstablishmentFactory(code=f"H-{i}", category="HP", region=province.region, province=province)
    for i in range(8):
        factories.EstablishmentFactory(
            code=f"C-{i}",
            category=EstablishmentCategory.CSU1,
            level=EstablishmentLevel.PRIMARY,
            region=province.region,
            province=province,
        )
    for i in range(12):
        medicine = factories.MedicineFactory(code=f"M-{i:02d}", atc_code="J01CA04")
        factories.ProductFactory(medicine=medicine, is_originator=True)
        factories.ProductFactory(medicine=medicine)


def score_demo(**size) -> tuple[int, str]:
    """Generate the demo at ``size``, score it with the ``score`` command; (queries other than bulk
    inserts, command output)."""
    call_command("generate_demo", as_of=AS_OF, months=12, reset=True, stdout=StringIO(), **size)
    Notification.objects.all().delete()
    Alert.objects.all().delete()
    RiskScore.objects.all().delete()
    out = StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("score", as_of=AS_OF, stdout=out)
    return sum(not query["sql"].startswith("INSERT") for query in queries), out.getvalue()


def test_scoring_the_demo_takes_the_same_queries_at_two_sizes(reference):
    # given / when: a small demo, then one with about four times the positions
    small, small_output = score_demo(hospitals=2, centres=2, medicines=6, hospital_medicines=5, centre_medicines=3)
    small_positions = RiskScore.objects.positions().count()
    large, large_output = score_demo(
        hospitals=6, centres=8, medicines=12, hospital_medicines=10, centre_medicines=6, shortages=2
    )
    large_positions = RiskScore.objects.positions().count()
    # then
    print(
        f"demo scoring queries (without bulk inserts): {small} for {small_positions} positions, {large} for {large_positions}"
    )
    assert "succeeded" in small_output and "succeeded" in large_output
    assert large_positions >= 3 * small_positions > 0
    assert RiskScore.objects.national().count() == 12
    assert small == large, (small, large)
