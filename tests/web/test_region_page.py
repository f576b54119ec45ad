"""A region's establishments: most at risk first, and those without any scored position last."""

from __future__ import annotations

from django.urls import reverse

from shortages.models import RiskScore, ScoringRun
from tests import factories
from tests.web.world import build_world


def test_followed_establishments_come_before_those_without_positions(client, personas):
    # given two establishments with nothing at risk: one never scored, named to sort first
    world = build_world(personas, size=1)
    region = world.regions[0]
    unscored = factories.EstablishmentFactory(region=region, name="AAA sans position")
    followed = factories.EstablishmentFactory(region=region, name="ZZZ suivi")
    RiskScore.objects.create(
        run=ScoringRun.objects.get(),
        medicine=world.medicines[0],
        establishment=followed,
        region=region,
        as_of=world.as_of,
        stock_status="adequate",
        score=5,
        level="low",
    )
    client.force_login(personas.analyst)
    # when
    rows = list(client.get(reverse("shortages:region_detail", args=[region.pk])).context["page_obj"])
    # then: the never-scored one is last, after the followed one
    names = [row.name for row in rows]
    assert names[-1] == unscored.name
    assert names.index(followed.name) < names.index(unscored.name)
    assert [row.at_risk for row in rows] == sorted((row.at_risk for row in rows), reverse=True)
