"""Eight writers on one position at once, on PostgreSQL: exact balance, no lost update, never negative."""

import random
import threading

import pytest
from django.db import connection

from stock.models import StockLevel, StockMovement
from tests import factories

THREADS = 8
ISSUES_PER_THREAD = 20
RECEIPTS_PER_THREAD = 10
OPENING = 20


@pytest.fixture(autouse=True)
def _role_groups(role_groups):
    """Every test here is transactional: the role groups, made again for each."""


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_and_receipts_end_with_the_exact_balance(personas, api_client_for):
    # given 20 in stock, and 8 pharmacy clients of the same hospital
    medicine = factories.MedicineFactory(code="CONC-1")
    item = {"establishment": "T-HOSP-A", "medicine": "CONC-1", "business_date": "2026-03-01"}
    clients = [api_client_for(personas.hospital_a_user) for _ in range(THREADS)]
    assert clients[0].post("/api/v1/movements/", {**item, "kind": "receipt", "quantity": OPENING}).status_code == 201
    outcomes: list[tuple[str, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def writer(client, seed):
        plan = ["issue"] * ISSUES_PER_THREAD + ["receipt"] * RECEIPTS_PER_THREAD
        random.Random(seed).shuffle(plan)
        start.wait()
        try:
            for kind in plan:
                status = client.post("/api/v1/movements/", {**item, "kind": kind, "quantity": 1}).status_code
                with lock:
                    outcomes.append((kind, status))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=writer, args=(client, n)) for n, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every request either wrote or was refused for lack of stock
    assert {status for _, status in outcomes} <= {201, 409}
    receipts = sum(1 for kind, status in outcomes if kind == "receipt" and status == 201)
    issues = sum(1 for kind, status in outcomes if kind == "issue" and status == 201)
    assert receipts == THREADS * RECEIPTS_PER_THREAD
    level = StockLevel.objects.get(establishment=personas.hospital_a, medicine=medicine)
    assert level.quantity == OPENING + receipts - issues
    ledger = list(
        StockMovement.objects.filter(medicine=medicine).order_by("id").values_list("quantity", "balance_after")
    )
    assert len(ledger) == 1 + receipts + issues
    assert sum(quantity for quantity, _ in ledger) == level.quantity
    running = 0
    for quantity, balance_after in ledger:
        running += quantity
        assert balance_after == running >= 0


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_by_eight_clients_at_once_is_written_once(personas, api_client_for):
    # given one batch and one Idempotency-Key, sent by eight connections of the same user at once
    medicine = factories.MedicineFactory(code="CONC-2")
    batch = {
        "movements": [
            {
                "establishment": "T-HOSP-A",
                "medicine": "CONC-2",
                "kind": "receipt",
                "quantity": 5,
                "business_date": "2026-03-01",
            }
            for _ in range(50)
        ]
    }
    client = api_client_for(personas.hospital_a_user)
    start = threading.Barrier(THREADS)
    answers = []

    def send():
        start.wait()
        try:
            response = client.post("/api/v1/movements/bulk/", batch, format="json", HTTP_IDEMPOTENCY_KEY="same-batch")
            answers.append((response.status_code, response.json()["movements"][0]["id"]))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every client got the same answer and the batch was written once
    assert len(answers) == THREADS and set(answers) == {answers[0]}
    assert answers[0][0] == 201
    assert StockLevel.objects.get(establishment=personas.hospital_a, medicine=medicine).quantity == 250
    assert StockMovement.objects.filter(medicine=medicine).count() == 50


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_eight_first_receipts_on_a_new_position_create_one_level(personas, api_client_for):
    # given a medicine never stocked at hospital A
    medicine = factories.MedicineFactory(code="CONC-3")
    item = {"establishment": "T-HOSP-A", "medicine": "CONC-3", "kind": "receipt", "business_date": "2026-03-01"}
    clients = [api_client_for(personas.hospital_a_user) for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    statuses = []

    def receive(client):
        start.wait()
        try:
            for _ in range(5):
                statuses.append(client.post("/api/v1/movements/", {**item, "quantity": 2}).status_code)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=receive, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert statuses == [201] * THREADS * 5
    assert StockLevel.objects.get(establishment=personas.hospital_a, medicine=medicine).quantity == 2 * 5 * THREADS
