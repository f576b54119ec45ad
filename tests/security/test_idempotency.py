"""Idempotency keys leak nothing and hold under concurrency: a refusal never names another
establishment's movement, and identical requests sent at once with one key all get the first answer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from stock.models import StockMovement
from tests import factories

URL = "/api/v1/movements/"


def receipt(establishment: str, **changes) -> dict:
    return {
        "establishment": establishment,
        "medicine": "M000",
        "kind": "receipt",
        "business_date": "2026-03-02",
        "quantity": 5,
    } | changes


def test_a_key_used_at_another_establishment_reveals_nothing(personas, api_client_for):
    # given hospital B recorded a receipt under the key "lot-42"
    factories.MedicineFactory(code="M000")
    hospital_b = api_client_for(personas.hospital_b_user)
    first = hospital_b.post(URL, receipt("T-HOSP-B", idempotency_key="lot-42"), format="json")
    assert first.status_code == 201

    # when hospital A's software posts for hospital B with that key
    response = api_client_for(personas.hospital_a_user).post(
        URL, receipt("T-HOSP-B", idempotency_key="lot-42"), format="json"
    )

    # then it is refused for the establishment only: no word of B's key or movement
    assert response.status_code == 403
    body = response.json()["error"]
    assert list(body["fields"]) == ["establishment"]
    assert str(first.json()["id"]) not in response.content.decode()
    assert StockMovement.objects.count() == 1


def test_a_key_reused_at_the_same_establishment_is_still_a_duplicate(personas, api_client_for):
    # given a receipt recorded at hospital B under a key
    factories.MedicineFactory(code="M000")
    hospital_b = api_client_for(personas.hospital_b_user)
    assert hospital_b.post(URL, receipt("T-HOSP-B", idempotency_key="lot-43"), format="json").status_code == 201

    # when the same establishment's software sends another receipt with that key
    response = hospital_b.post(URL, receipt("T-HOSP-B", idempotency_key="lot-43", quantity=7), format="json")

    # then it is the documented duplicate
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_identical_requests_at_once_all_get_the_first_answer(role_groups, personas, api_client_for):
    # given one receipt and one Idempotency-Key, sent by 20 connections of the same software at once
    factories.MedicineFactory(code="M000")
    client = api_client_for(personas.hospital_a_user)
    start = threading.Barrier(20)
    answers = []

    def send() -> None:
        start.wait()
        try:
            response = client.post(URL, receipt("T-HOSP-A"), format="json", HTTP_IDEMPOTENCY_KEY="once")
            answers.append((response.status_code, response.json().get("id")))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every one got 201 and the same movement, written once
    assert len(answers) == 20
    assert set(answers) == {(201, answers[0][1])}, answers
    assert StockMovement.objects.count() == 1
