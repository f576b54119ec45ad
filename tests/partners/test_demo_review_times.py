"""The demo history's declarations are never reviewed after the demo was generated: generated on the
8th, the previous month's declarations (reviewed on the 9th in the history) are reviewed "now" at the
latest. (Beside tests/tooling/test_demo.py, whose reference and generator it uses.)"""

import datetime as dt

import pytest
from django.db.models import Max
from django.utils import timezone

from partners.models import SupplyDeclaration
from tests.tooling import test_demo

reference = test_demo.reference

GENERATED_AT = dt.datetime(2026, 3, 8, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_no_declaration_is_reviewed_after_the_demo_was_generated(reference, monkeypatch):
    # given a demo generated on the 8th of the month, before the 9th's reviews of the month before
    monkeypatch.setattr(timezone, "now", lambda: GENERATED_AT)
    # when
    test_demo.generate(as_of=GENERATED_AT.date())
    # then the previous month is reviewed, but not after the generation
    reviewed = SupplyDeclaration.objects.filter(reviewed_at__isnull=False)
    last_month = reviewed.filter(month=dt.date(2026, 2, 1))
    assert last_month.exists()
    assert reviewed.aggregate(last=Max("reviewed_at"))["last"] <= GENERATED_AT
    # and earlier months keep their review on the 9th of the month after
    assert set(reviewed.filter(month=dt.date(2026, 1, 1)).values_list("reviewed_at", flat=True)) == {
        dt.datetime(2026, 2, 9, 10, 0, tzinfo=dt.UTC)
    }
