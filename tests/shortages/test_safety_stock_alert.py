"""A safety-stock alert says what raised it: how many of the declaring companies hold less than three
months of their sales, beside the industry's months of stock (which alone read as met when one
company of several is short)."""

from __future__ import annotations

import pytest
from django.utils import translation

from shortages.choices import AlertKind
from shortages.models import Alert
from shortages.services import scores
from shortages.templatetags.alert_text import alert_figure
from tests.partners.factories import DeclarationFactory
from tests.shortages.conftest import AS_OF, build_positions

pytestmark = pytest.mark.django_db


def test_the_alert_names_the_companies_in_breach_beside_the_industry_months(personas):
    # given a medicine two companies declare: 500 units for 100 a month (5 months) and 100 for 100
    # (1 month, short of the 3 the arrêté asks); together 600 for 200 a month, 3.0 months
    _, (medicine,) = build_positions(establishments=2, medicines=1, region=personas.hospital_a.region)
    month = AS_OF.replace(day=1)
    DeclarationFactory(medicine=medicine, month=month, stock_on_hand=500, monthly_sales=100)
    DeclarationFactory(medicine=medicine, month=month, stock_on_hand=100, monthly_sales=100)

    # when the day is scored
    scores.scoring_run_execute(as_of=AS_OF)

    # then the alert keeps the counts, and says them first, to analysts
    alert = Alert.objects.get(kind=AlertKind.SAFETY_STOCK, medicine=medicine)
    assert alert.value == {"industry_mos": 3.0, "companies_in_breach": 1, "declared_companies": 2}
    assert alert.message == (
        "Stock de sécurité non respecté — entreprises sous l'obligation : 1 ; mois de ventes en stock déclarés : 3,0"
    )
    with translation.override("fr"):
        assert alert_figure(alert, personas.analyst) == (
            "1 entreprise sur 2 déclare moins de 3 mois de ventes en stock ; l'industrie en déclare 3,0 mois au total."
        )
        # and, as before, to nobody else
        assert alert_figure(alert, personas.association_user) == ""


def test_an_alert_stored_before_the_counts_keeps_its_sentence(personas):
    # given a safety-stock alert stored with the industry's months only
    alert = Alert(kind=AlertKind.SAFETY_STOCK, value={"industry_mos": 0.7})

    # then it reads as it did
    with translation.override("fr"):
        assert alert_figure(alert, personas.analyst) == (
            "L'industrie déclare 0,7 mois de ventes en stock (obligation : 3 mois)."
        )


def test_several_companies_in_breach_are_counted_in_the_plural(personas):
    alert = Alert(
        kind=AlertKind.SAFETY_STOCK, value={"industry_mos": 1.25, "companies_in_breach": 2, "declared_companies": 3}
    )
    with translation.override("fr"):
        assert alert_figure(alert, personas.analyst) == (
            "2 entreprises sur 3 déclarent moins de 3 mois de ventes en stock ; "
            "l'industrie en déclare 1,3 mois au total."
        )
