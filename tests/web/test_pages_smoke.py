"""Every page answers for the roles it is for, and refuses the others."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.web.world import build_world


@pytest.fixture
def world(personas):
    return build_world(personas, size=1)


def test_analyst_pages_render(client, personas, world):
    # given
    client.force_login(personas.analyst)
    medicine, alert, shortage = world.medicines[0], world.alerts[0], world.shortages[0]
    urls = [
        reverse("home"),
        reverse("shortages:overview"),
        reverse("shortages:medicine_list"),
        reverse("shortages:medicine_detail", args=[medicine.pk]),
        reverse("shortages:region_list"),
        reverse("shortages:region_detail", args=[world.regions[0].pk]),
        reverse("shortages:establishment_detail", args=[personas.hospital_a.pk]),
        reverse("shortages:alert_list"),
        reverse("shortages:alert_detail", args=[alert.pk]),
        reverse("shortages:shortage_list"),
        reverse("shortages:shortage_detail", args=[shortage.pk]),
    ]
    for url in urls:
        # when
        response = client.get(url)
        # then
        assert response.status_code == 200, url
