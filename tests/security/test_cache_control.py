"""Nothing a signed-in user reads is kept by a browser or a shared cache: pages, API answers and
exports carry ``Cache-Control: no-store``. Static files keep their far-future caching."""

from __future__ import annotations

import pytest
from django.urls import reverse


def assert_not_stored(response) -> None:
    assert response.status_code == 200, response.status_code
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


def test_a_signed_in_page_is_not_stored(client, personas):
    # given a signed-in analyst
    client.force_login(personas.analyst)

    # when the alerts page is read
    response = client.get(reverse("shortages:alert_list"))

    # then no cache may keep it
    assert_not_stored(response)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_is_not_stored(client, personas, fmt):
    # given a signed-in hospital user
    client.force_login(personas.hospital_a_user)

    # when the establishment's stock is exported
    response = client.get(reverse("shortages:establishment_detail", args=[personas.hospital_a.pk]), {"format": fmt})

    # then the file is not stored either
    assert_not_stored(response)


def test_an_api_answer_with_a_token_is_not_stored(api_client_for, personas):
    # when a hospital's software reads its stock levels
    response = api_client_for(personas.hospital_a_user).get("/api/v1/stock-levels/")

    # then the answer is not stored
    assert_not_stored(response)


def test_an_api_refusal_is_not_stored(client):
    # when an anonymous client reads a protected list
    response = client.get("/api/v1/stock-levels/")

    # then even the refusal is not stored
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]
