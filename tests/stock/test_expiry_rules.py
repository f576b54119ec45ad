"""Expired stock is not stock (docs/alerts.md): what issues, shipments, losses and receipts do with
lots and their expiry dates, and transfers received or cancelled again with an Idempotency-Key."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from stock.dates import latest_planned_date
from stock.models import StockLevel, StockLot, StockMovement, Transfer

pytestmark = pytest.mark.django_db

URL = "/api/v1/movements/"
TRANSFERS = "/api/v1/transfers/"
STOCKED = dt.date(2025, 12, 1)  # the lots arrive
DAY = dt.date(2026, 3, 10)  # the movements under test: OLD has expired, GOOD and LATE have not
OLD, GOOD, LATE = "2026-01-31", "2027-06-30", "2028-01-31"


def movement(kind="receipt", quantity=10, day=DAY, **extra):
    return {
        "establishment": "T-HOSP-A",
        "medicine": "AMOX-500",
        "kind": kind,
        "quantity": quantity,
        "business_date": day.isoformat(),
        **extra,
    }


def receive_lots(client, **lots):
    """Receive ``lot_number=(quantity, expiry)`` on STOCKED, before any of them expired."""
    for number, (quantity, expiry) in lots.items():
        response = client.post(URL, movement("receipt", quantity, day=STOCKED, lot_number=number, expiry_date=expiry))
        assert response.status_code == 201, response.json()


def lots():
    return dict(StockLot.objects.values_list("lot_number", "quantity"))


def level(personas, medicine, establishment=None):
    return StockLevel.objects.get(establishment=establishment or personas.hospital_a, medicine=medicine)


def ship(client, quantity, **extra):
    body = {
        "source": "T-HOSP-A",
        "destination": "T-HOSP-B",
        "medicine": "AMOX-500",
        "quantity": quantity,
        "shipped_on": DAY.isoformat(),
    }
    return client.post(TRANSFERS, {**body, **extra})


def test_an_issue_without_a_lot_skips_the_lots_expired_on_its_date(hospital, medicine):
    # given an expired lot and two good ones
    receive_lots(hospital, OLD=(5, OLD), LATE=(10, LATE), GOOD=(10, GOOD))

    # when
    several = hospital.post(URL, movement("issue", 12))
    one = hospital.post(URL, movement("issue", 3))
    back_dated = hospital.post(URL, movement("issue", 2, day=dt.date(2026, 1, 15)))

    # then the good lots go first-expiry-first-out, and the expired one stays whole, except for an
    # issue dated before it expired
    assert several.status_code == one.status_code == back_dated.status_code == 201
    assert (several.json()["lot_number"], several.json()["expiry_date"]) == ("", None)
    assert (one.json()["lot_number"], one.json()["expiry_date"]) == ("LATE", LATE)
    assert (back_dated.json()["lot_number"], back_dated.json()["expiry_date"]) == ("OLD", OLD)
    assert lots() == {"OLD": 3, "GOOD": 0, "LATE": 5}


def test_an_issue_on_expired_stock_only_is_refused_with_the_usable_and_expired_quantities(personas, hospital, medicine):
    # given 5 units, all in a lot expired on the day
    receive_lots(hospital, OLD=(5, OLD))

    # when
    issue = hospital.post(URL, movement("issue", 1))
    shipment = ship(hospital, 1)

    # then both are refused, and nothing moved
    for response in (issue, shipment):
        assert response.status_code == 409 and response.json()["error"]["code"] == "insufficient_stock"
        [message] = response.json()["error"]["fields"]["quantity"]
        assert "utilisable 0, périmé 5" in message and "10/03/2026" in message
    assert level(personas, medicine).quantity == 5 and lots() == {"OLD": 5}
    assert StockMovement.objects.filter(kind__in=["issue", "transfer_out"]).count() == 0
    assert Transfer.objects.count() == 0


def test_an_issue_beyond_the_usable_stock_is_refused_even_when_the_balance_covers_it(personas, hospital, medicine):
    # given 10 usable (5 in a good lot, 5 received without a lot number) and 5 expired
    receive_lots(hospital, OLD=(5, OLD), GOOD=(5, GOOD))
    hospital.post(URL, movement("receipt", 5, day=STOCKED))

    refused = hospital.post(URL, movement("issue", 11))
    accepted = hospital.post(URL, movement("issue", 10))

    assert refused.status_code == 409
    assert "utilisable 10, périmé 5" in refused.json()["error"]["fields"]["quantity"][0]
    assert accepted.status_code == 201 and accepted.json()["balance_after"] == 5
    assert lots() == {"OLD": 5, "GOOD": 0}


def test_naming_an_expired_lot_in_an_issue_or_a_shipment_is_refused(personas, hospital, medicine):
    receive_lots(hospital, OLD=(5, OLD), GOOD=(10, GOOD))

    issue = hospital.post(URL, movement("issue", 1, lot_number="OLD"))
    shipment = ship(hospital, 1, lot_number="OLD")

    for response in (issue, shipment):
        assert response.status_code == 400, response.json()
        assert response.json()["error"]["fields"]["lot_number"] == [
            "Lot OLD périmé le 31/01/2026 : déclarez-le en perte (péremption)."
        ]
    assert lots() == {"OLD": 5, "GOOD": 10} and level(personas, medicine).quantity == 15


def test_a_shipment_without_a_lot_skips_the_expired_lots(personas, hospital, medicine):
    receive_lots(hospital, OLD=(5, OLD), GOOD=(10, GOOD))

    response = ship(hospital, 4)

    assert response.status_code == 201, response.json()
    assert lots() == {"OLD": 5, "GOOD": 6}
    assert StockMovement.objects.get(kind="transfer_out").lot_number == "GOOD"


def test_a_loss_for_expiry_takes_the_expired_lot(personas, hospital, medicine):
    # given an expired lot and a good one, and an issue (which took the good lot)
    receive_lots(hospital, OLD=(5, OLD), GOOD=(10, GOOD))
    hospital.post(URL, movement("issue", 3))

    # when the expired units are declared lost, without naming the lot, then one by its number
    expired = hospital.post(URL, movement("loss", 4, loss_reason="expired"))
    named = hospital.post(URL, movement("loss", 1, loss_reason="expired", lot_number="OLD"))
    issue = hospital.post(URL, movement("issue", 7))

    # then the losses emptied the expired lot, and the good stock is all usable
    assert expired.status_code == named.status_code == issue.status_code == 201
    assert (expired.json()["lot_number"], expired.json()["expiry_date"]) == ("OLD", OLD)
    assert lots() == {"OLD": 0, "GOOD": 0}
    assert level(personas, medicine).quantity == 0


def test_a_lot_expiry_outside_the_rule_of_dates_is_refused(hospital, medicine):
    bound = latest_planned_date(timezone.localdate())
    outside = ["1900-01-01", "1999-12-31", "9999-12-31", (bound + dt.timedelta(days=1)).isoformat()]

    # when
    refused = [
        hospital.post(URL, movement("receipt", 10, lot_number=f"NEW-{n}", expiry_date=expiry))
        for n, expiry in enumerate(outside)
    ]
    on_the_bound = hospital.post(URL, movement("receipt", 10, lot_number="FAR", expiry_date=bound.isoformat()))

    # then each is refused on its expiry date; the last day allowed is accepted
    for response in refused:
        assert response.status_code == 400, response.json()
        assert list(response.json()["error"]["fields"]) == ["expiry_date"]
    assert refused[0].json()["error"]["fields"]["expiry_date"] == ["Date trop ancienne : au plus tôt le 01/01/2000."]
    assert refused[2].json()["error"]["fields"]["expiry_date"][0].startswith("Date trop lointaine : au plus tard le")
    assert on_the_bound.status_code == 201 and on_the_bound.json()["expiry_date"] == bound.isoformat()
    assert lots() == {"FAR": 10}


def test_a_receipt_of_a_lot_already_expired_on_its_date_is_refused(personas, hospital, medicine):
    # given a lot received while it was good
    receive_lots(hospital, OLD=(5, OLD))

    # when
    new_lot = hospital.post(URL, movement("receipt", 10, lot_number="NEW", expiry_date=DAY.isoformat()))
    more_of_old = hospital.post(URL, movement("receipt", 10, lot_number="OLD"))
    tomorrow = hospital.post(
        URL, movement("receipt", 10, lot_number="NEXT", expiry_date=(DAY + dt.timedelta(days=1)).isoformat())
    )

    # then
    for response, expiry in ((new_lot, "10/03/2026"), (more_of_old, "31/01/2026")):
        assert response.status_code == 400
        [message] = response.json()["error"]["fields"]["expiry_date"]
        assert message.startswith(f"Lot déjà périmé à la date de réception (péremption le {expiry})")
        assert "n'entre pas dans le stock utilisable" in message
    assert tomorrow.status_code == 201
    assert lots() == {"OLD": 5, "NEXT": 10}


def test_a_movement_with_an_expiry_date_its_lot_does_not_have_is_refused(personas, hospital, medicine):
    # given one good lot
    receive_lots(hospital, GOOD=(10, GOOD))

    # when
    wrong = hospital.post(URL, movement("issue", 1, expiry_date="2030-01-01"))
    right = hospital.post(URL, movement("issue", 1, expiry_date=GOOD))
    unlotted_receipt = hospital.post(URL, movement("receipt", 5, expiry_date="2030-01-01"))

    # then
    assert wrong.status_code == 400 and list(wrong.json()["error"]["fields"]) == ["expiry_date"]
    assert "lot GOOD, péremption le 30/06/2027" in wrong.json()["error"]["fields"]["expiry_date"][0]
    assert right.status_code == 201 and (right.json()["lot_number"], right.json()["expiry_date"]) == ("GOOD", GOOD)
    assert unlotted_receipt.status_code == 400 and list(unlotted_receipt.json()["error"]["fields"]) == ["expiry_date"]
    assert not StockMovement.objects.filter(expiry_date=dt.date(2030, 1, 1)).exists()
    assert level(personas, medicine).quantity == 9


def test_a_monthly_report_issue_is_recorded_even_beyond_the_usable_stock(
    personas, hospital, medicine, tasks_in_process, django_capture_on_commit_callbacks
):
    # given 10 good units and 5 expired ones
    receive_lots(hospital, OLD=(5, OLD), GOOD=(10, GOOD))
    header = (
        "establishment;medicine;month;opening_balance;received;issued;losses;adjustments;closing_count;stockout_days"
    )
    file = SimpleUploadedFile("rapport.csv", f"{header}\nT-HOSP-A;AMOX-500;2026-03;15;0;12;0;0;3;0\n".encode())

    # when the site reports 12 units issued in March
    with django_capture_on_commit_callbacks(execute=True):
        response = hospital.post("/api/v1/monthly-reports/upload/", {"file": file}, format="multipart")
    job = hospital.get(f"/api/v1/import-jobs/{response.json()['id']}/").json()

    # then the report is written: the good lot first, the rest from the expired lot
    assert job["status"] == "succeeded", job
    assert StockMovement.objects.get(kind="issue", source="report").quantity == -12
    assert lots() == {"OLD": 3, "GOOD": 0} and level(personas, medicine).quantity == 3


def test_a_transfer_received_or_cancelled_again_with_its_key_replays_the_first_answer(
    personas, api_client_for, medicine
):
    # given two shipments from A to B
    hospital_a, hospital_b = api_client_for(personas.hospital_a_user), api_client_for(personas.hospital_b_user)
    hospital_a.post(URL, movement("receipt", 50))
    first, second = ship(hospital_a, 20).json(), ship(hospital_a, 5).json()
    receive, cancel = f"{TRANSFERS}{first['id']}/receive/", f"{TRANSFERS}{second['id']}/cancel/"
    body = {"received_on": "2026-03-12"}

    # when each is sent twice with its key
    received = hospital_b.post(receive, body, HTTP_IDEMPOTENCY_KEY="rcv-1")
    received_again = hospital_b.post(receive, body, HTTP_IDEMPOTENCY_KEY="rcv-1")
    cancelled = hospital_a.post(cancel, {"cancelled_on": "2026-03-12"}, HTTP_IDEMPOTENCY_KEY="cnl-1")
    cancelled_again = hospital_a.post(cancel, {"cancelled_on": "2026-03-12"}, HTTP_IDEMPOTENCY_KEY="cnl-1")
    other_date = hospital_b.post(receive, {"received_on": "2026-03-13"}, HTTP_IDEMPOTENCY_KEY="rcv-1")
    without_key = hospital_b.post(receive, body)

    # then the retries get the first answer and write nothing; other requests are told apart
    assert received.status_code == received_again.status_code == 200
    assert received_again.json() == received.json() and received_again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in received
    assert cancelled.status_code == cancelled_again.status_code == 200
    assert cancelled_again.json() == cancelled.json() and cancelled_again["Idempotent-Replayed"] == "true"
    assert other_date.status_code == 409 and other_date.json()["error"]["code"] == "idempotency_conflict"
    assert without_key.status_code == 400
    destination = level(personas, medicine, personas.hospital_b)
    assert (destination.quantity, destination.in_transit) == (20, 0)
    assert level(personas, medicine).quantity == 30
    assert StockMovement.objects.filter(kind="transfer_in").count() == 2


def test_a_receive_key_reused_for_another_transfer_is_a_conflict(personas, api_client_for, medicine):
    hospital_a, hospital_b = api_client_for(personas.hospital_a_user), api_client_for(personas.hospital_b_user)
    hospital_a.post(URL, movement("receipt", 50))
    first, second = ship(hospital_a, 20).json(), ship(hospital_a, 5).json()
    body = {"received_on": "2026-03-12"}

    hospital_b.post(f"{TRANSFERS}{first['id']}/receive/", body, HTTP_IDEMPOTENCY_KEY="rcv-1")
    reused = hospital_b.post(f"{TRANSFERS}{second['id']}/receive/", body, HTTP_IDEMPOTENCY_KEY="rcv-1")

    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_conflict"
    assert Transfer.objects.get(pk=second["id"]).status == "in_transit"


def test_a_transfer_carries_its_lots_and_their_expiry_to_the_destination(personas, api_client_for, medicine):
    # given, at A, 5 expired units (OLD), 30 in GOOD, 50 in LATE and 10 without a lot number
    hospital_a, hospital_b = api_client_for(personas.hospital_a_user), api_client_for(personas.hospital_b_user)
    receive_lots(hospital_a, OLD=(5, OLD), GOOD=(30, GOOD), LATE=(50, LATE))
    hospital_a.post(URL, movement("receipt", 10, day=STOCKED))

    # when 45 go to B (first expiry first out among the usable lots: 30 of GOOD, then 15 of LATE),
    # B receives them, and a second shipment of 90 (all the usable stock) is cancelled
    first = ship(hospital_a, 45).json()
    received = hospital_b.post(f"{TRANSFERS}{first['id']}/receive/", {"received_on": "2026-03-12"})
    second = ship(hospital_a, 45).json()
    cancelled = hospital_a.post(f"{TRANSFERS}{second['id']}/cancel/", {"cancelled_on": "2026-03-12"})

    # then B holds the lots with their expiry dates, not undated units
    assert received.status_code == cancelled.status_code == 200, (received.json(), cancelled.json())
    at_b = StockLot.objects.filter(establishment=personas.hospital_b).order_by("lot_number")
    assert [(lot.lot_number, lot.expiry_date.isoformat(), lot.quantity) for lot in at_b] == [
        ("GOOD", GOOD, 30),
        ("LATE", LATE, 15),
    ]
    assert level(personas, medicine, personas.hospital_b).quantity == 45
    # and the cancelled shipment's units (35 of LATE and the 10 without a lot) went back where they were
    at_a = dict(StockLot.objects.filter(establishment=personas.hospital_a).values_list("lot_number", "quantity"))
    assert at_a == {"OLD": 5, "GOOD": 0, "LATE": 35}
    assert level(personas, medicine).quantity == 50
