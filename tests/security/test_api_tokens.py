"""API tokens under attack: guessing tokens is throttled, the limit of active tokens holds under
parallel creations, and a token cannot make tokens (so none outlives the credential behind it)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from stock.models import ApiToken
from stock.services.tokens import MAX_ACTIVE_TOKENS


@pytest.fixture
def low_auth_rate(monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "5/min")


def test_guessed_tokens_are_throttled_per_address(low_auth_rate, personas, api_client_for):
    # given a client sending made-up tokens from one address
    guesser = APIClient(REMOTE_ADDR="198.51.100.77")
    answers = []
    for attempt in range(8):
        guesser.credentials(HTTP_AUTHORIZATION=f"Bearer guess-{attempt}")
        answers.append(guesser.get("/api/v1/stock-levels/"))

    # then the first ones are refused as unknown, the later ones as too many
    assert [answer.status_code for answer in answers] == [401] * 5 + [429] * 3
    assert int(answers[-1]["Retry-After"]) > 0
    assert answers[-1].json()["error"]["code"] == "throttled"
    # and a real token from another address still gets through
    assert api_client_for(personas.hospital_a_user).get("/api/v1/stock-levels/").status_code == 200


def test_a_token_cannot_create_another_token(personas, api_client_for):
    # given a hospital's software holding one token
    client = api_client_for(personas.hospital_a_user)

    # when it asks for a new token with it
    response = client.post("/api/v1/tokens/", {"name": "copie"})

    # then it is refused, and the user still has that single token
    assert response.status_code == 403
    assert "session" in response.json()["error"]["message"]
    assert ApiToken.objects.filter(user=personas.hospital_a_user).count() == 1


def test_a_signed_in_browser_creates_a_token(client, personas):
    # given a signed-in hospital user
    client.force_login(personas.hospital_a_user)

    # when the user creates a token through the API with the session
    response = client.post("/api/v1/tokens/", {"name": "pharmacie"}, content_type="application/json")

    # then it is made and shown once
    assert response.status_code == 201
    assert response.json()["token"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_parallel_creations_never_pass_the_limit_of_active_tokens(role_groups, personas):
    # given a user 2 below the limit, and 12 browsers of that user creating a token at once
    for index in range(MAX_ACTIVE_TOKENS - 2):
        ApiToken.issue(user=personas.hospital_a_user, name=f"t{index}")
    start = threading.Barrier(12)
    statuses = []

    def create(number: int) -> None:
        browser = APIClient()
        browser.force_authenticate(user=personas.hospital_a_user)
        start.wait()
        try:
            statuses.append(browser.post("/api/v1/tokens/", {"name": f"p{number}"}, format="json").status_code)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=create, args=(number,)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then two were made, the others refused, and the limit holds
    assert sorted(statuses) == [201, 201] + [409] * 10
    assert ApiToken.objects.filter(user=personas.hospital_a_user).active().count() == MAX_ACTIVE_TOKENS


def _codes(client) -> set[str]:
    return {row["establishment"] for row in client.get("/api/v1/stock-levels/", {"page_size": 1000}).json()["results"]}


def test_a_tokens_roles_and_area_come_with_it_and_give_the_same_scope(
    personas, api_client_for, django_assert_num_queries
):
    # given a position at each hospital, and analysts national, regional and provincial, a hospital's
    # user, and a user who held the analyst role until it was taken away
    from stock.models import StockLevel
    from tests import factories

    for hospital in (personas.hospital_a, personas.hospital_b):
        StockLevel.objects.create(establishment=hospital, medicine=factories.MedicineFactory(), quantity=4)
    regional = factories.UserFactory(username="regional", roles=["analyst"])
    personas.hospital_a.region.analysts.add(regional)
    provincial = factories.UserFactory(username="provincial", roles=["analyst"])
    personas.hospital_b.province.analysts.add(provincial)
    former = factories.UserFactory(username="former", roles=["analyst"])
    clients = {
        name: api_client_for(user)
        for name, user in [
            ("national", personas.analyst),
            ("regional", regional),
            ("provincial", provincial),
            ("hospital", personas.hospital_a_user),
            ("former", former),
        ]
    }
    for client in clients.values():
        client.get("/api/v1/stock-levels/")  # each token's first use is written once
    former.groups.clear()

    # then each token reads its own scope, the role read afresh with the token on every request
    assert _codes(clients["national"]) == {"T-HOSP-A", "T-HOSP-B"}
    assert _codes(clients["regional"]) == {"T-HOSP-A"}
    assert _codes(clients["provincial"]) == {"T-HOSP-B"}
    assert _codes(clients["hospital"]) == {"T-HOSP-A"}
    assert _codes(clients["former"]) == set()
    # and a national analyst's page costs the token, the page's ids and their rows; an analyst linked
    # to a region two queries more (the regions and provinces it follows, then their establishments,
    # which the page's ids are filtered on); a hospital's user one more (its establishments)
    with django_assert_num_queries(3):
        clients["national"].get("/api/v1/stock-levels/")
    with django_assert_num_queries(5):
        clients["regional"].get("/api/v1/stock-levels/")
    with django_assert_num_queries(4):
        clients["hospital"].get("/api/v1/stock-levels/")
