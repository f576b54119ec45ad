"""Recording movements through the API: balances, lots, summaries, refusals, idempotency, batches."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stock.models import ConsumptionMonth, StockLevel, StockLot, StockMovement
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/movements/"
BULK_URL = "/api/v1/movements/bulk/"
DAY = dt.date(2026, 3, 10)


def movement(kind="receipt", quantity=10, day=DAY, **extra):
    return {
        "establishment": "T-HOSP-A",
        "medicine": "AMOX-500",
        "kind": kind,
        "quantity": quantity,
        "business_date": day.isoformat(),
        **extra,
    }


def level_of(personas, medicine):
    return StockLevel.objects.get(establishment=personas.hospital_a, medicine=medicine)


def test_a_receipt_then_an_issue_update_the_level_and_the_ledger(personas, hospital, medicine):
    # when
    first = hospital.post(URL, movement("receipt", 100))
    second = hospital.post(URL, movement("issue", 30, day=DAY + dt.timedelta(days=1)))

    # then
    assert first.status_code == 201, first.json()
    assert second.json()["balance_after"] == 70 and second.json()["quantity"] == -30
    assert second.json()["created_by"] == "hospital_a"
    assert level_of(personas, medicine).quantity == 70
    month = ConsumptionMonth.objects.get(establishment=personas.hospital_a, medicine=medicine)
    assert (month.issued, month.received, month.closing_balance, month.stockout_days) == (30, 100, 70, 0)


def test_it_refuses_an_issue_larger_than_the_stock_and_writes_nothing(personas, hospital, medicine):
    hospital.post(URL, movement("receipt", 5))

    response = hospital.post(URL, movement("issue", 8))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_stock"
    assert "quantity" in response.json()["error"]["fields"]
    assert level_of(personas, medicine).quantity == 5
    assert StockMovement.objects.count() == 1


def test_it_names_the_field_of_bad_input(hospital, medicine):
    response = hospital.post(URL, movement("loss", 3))

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["loss_reason"]


def test_an_adjustment_needs_a_reason_and_a_count_records_the_difference(personas, hospital, medicine):
    hospital.post(URL, movement("receipt", 50))

    refused = hospital.post(URL, movement("adjustment_minus", 5))
    counted = hospital.post(URL, movement("count", 42))

    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    assert counted.json()["quantity"] == -8 and counted.json()["balance_after"] == 42


def test_issues_take_lots_first_expiry_first_out(personas, hospital, medicine):
    hospital.post(URL, movement("receipt", 10, lot_number="LATE", expiry_date="2028-01-31"))
    hospital.post(URL, movement("receipt", 10, lot_number="SOON", expiry_date="2027-01-31"))

    response = hospital.post(URL, movement("issue", 12))

    lots = dict(StockLot.objects.values_list("lot_number", "quantity"))
    assert lots == {"SOON": 0, "LATE": 8}
    assert response.json()["lot_number"] == ""  # two lots were touched


def test_a_named_lot_cannot_go_below_zero(hospital, medicine):
    hospital.post(URL, movement("receipt", 10, lot_number="A", expiry_date="2027-01-31"))
    hospital.post(URL, movement("receipt", 10))

    response = hospital.post(URL, movement("issue", 11, lot_number="A"))

    assert response.status_code == 409 and "quantity" in response.json()["error"]["fields"]


def test_a_new_lot_needs_its_expiry_date(hospital, medicine):
    response = hospital.post(URL, movement("receipt", 10, lot_number="NEW"))

    assert response.status_code == 400 and "expiry_date" in response.json()["error"]["fields"]


def test_stockout_days_count_the_days_ending_at_zero(personas, hospital, medicine):
    # given 10 in stock on 2026-02-01, all issued on the 20th, 5 received on the 25th
    hospital.post(URL, movement("receipt", 10, day=dt.date(2026, 2, 1)))
    hospital.post(URL, movement("issue", 10, day=dt.date(2026, 2, 20)))

    # when
    hospital.post(URL, movement("receipt", 5, day=dt.date(2026, 2, 25)))

    # then the 20th to the 24th are stockout days
    month = ConsumptionMonth.objects.get(medicine=medicine, month=dt.date(2026, 2, 1))
    assert month.stockout_days == 5 and month.closing_balance == 5


def test_a_lot_that_expires_leaves_the_month_stocked_out_from_its_expiry_date(personas, hospital, medicine):
    # given the only stock, a lot of 10 expiring on 15 February, and nothing moved after the 1st
    hospital.post(URL, movement("receipt", 10, day=dt.date(2026, 2, 1), lot_number="A", expiry_date="2026-02-15"))

    # then the 15th to the 28th are stockout days and the month closes with nothing usable
    month = ConsumptionMonth.objects.get(medicine=medicine, month=dt.date(2026, 2, 1))
    assert (month.closing_balance, month.stockout_days) == (0, 14)
    assert level_of(personas, medicine).quantity == 10  # on hand: the lot is still to be written off


def test_expired_units_are_not_usable_stock_in_the_month_summary(personas, hospital, medicine):
    # given a lot of 10 expiring on 15 February, then 5 usable units received on the 20th
    hospital.post(URL, movement("receipt", 10, day=dt.date(2026, 2, 1), lot_number="A", expiry_date="2026-02-15"))

    # when
    hospital.post(URL, movement("receipt", 5, day=dt.date(2026, 2, 20)))

    # then the 15th to the 19th are stockout days, and the closing counts only the 5 usable units
    month = ConsumptionMonth.objects.get(medicine=medicine, month=dt.date(2026, 2, 1))
    assert (month.received, month.closing_balance, month.stockout_days) == (15, 5, 5)


def test_a_lot_written_off_counts_as_usable_until_its_write_off(personas, hospital, medicine):
    # given a lot of 10 expiring on 15 February, written off on the 20th: the lots' current
    # quantities do not say what the lot held before (the documented approximation)
    hospital.post(URL, movement("receipt", 10, day=dt.date(2026, 2, 1), lot_number="A", expiry_date="2026-02-15"))

    # when
    hospital.post(URL, movement("loss", 10, day=dt.date(2026, 2, 20), loss_reason="expired", lot_number="A"))

    # then the days from the write-off on are stockout days
    month = ConsumptionMonth.objects.get(medicine=medicine, month=dt.date(2026, 2, 1))
    assert (month.losses, month.closing_balance, month.stockout_days) == (10, 0, 9)


def test_a_movement_sent_again_with_the_same_key_is_recorded_once(personas, hospital, medicine):
    # when
    first = hospital.post(URL, movement("receipt", 10), HTTP_IDEMPOTENCY_KEY="k-1")
    again = hospital.post(URL, movement("receipt", 10), HTTP_IDEMPOTENCY_KEY="k-1")
    other_body = hospital.post(URL, movement("receipt", 11), HTTP_IDEMPOTENCY_KEY="k-1")

    # then
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 409 and other_body.json()["error"]["code"] == "idempotency_conflict"
    assert level_of(personas, medicine).quantity == 10
    assert StockMovement.objects.get().idempotency_key == "k-1"


def test_a_batch_is_written_whole(personas, hospital, medicine):
    items = [movement("receipt", 1000)] + [movement("issue", 1) for _ in range(999)]

    response = hospital.post(BULK_URL, {"movements": items})

    assert response.status_code == 201, response.json()
    assert response.json()["count"] == 1000
    assert level_of(personas, medicine).quantity == 1
    assert ConsumptionMonth.objects.get(medicine=medicine).issued == 999


def test_a_batch_with_one_bad_item_writes_nothing_and_names_it(personas, hospital, medicine):
    items = [movement("receipt", 1000)] + [movement("issue", 1) for _ in range(998)] + [movement("issue", 5)]

    response = hospital.post(BULK_URL, {"movements": items})

    assert response.status_code == 409
    assert list(response.json()["error"]["fields"]) == ["movements.999.quantity"]
    assert StockMovement.objects.count() == 0 and not StockLevel.objects.filter(quantity__gt=0).exists()


def test_a_batch_reports_every_invalid_item(hospital, medicine):
    items = [movement("receipt", 0), movement("receipt", 5, medicine="NOPE"), movement("receipt", 5)]

    response = hospital.post(BULK_URL, {"movements": items})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"movements.0.quantity", "movements.1.medicine"}
    assert StockMovement.objects.count() == 0


def test_a_batch_sent_again_with_the_same_key_writes_nothing(personas, hospital, medicine):
    items = [movement("receipt", 3, idempotency_key=f"line-{n}") for n in range(20)]

    first = hospital.post(BULK_URL, {"movements": items}, HTTP_IDEMPOTENCY_KEY="batch-1")
    again = hospital.post(BULK_URL, {"movements": items}, HTTP_IDEMPOTENCY_KEY="batch-1")
    changed = hospital.post(BULK_URL, {"movements": items[:5]}, HTTP_IDEMPOTENCY_KEY="batch-1")
    new_key_same_lines = hospital.post(BULK_URL, {"movements": items}, HTTP_IDEMPOTENCY_KEY="batch-2")

    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert changed.status_code == 409
    assert new_key_same_lines.status_code == 409
    assert new_key_same_lines.json()["error"]["code"] == "duplicate"
    assert level_of(personas, medicine).quantity == 60


def test_a_transfer_is_in_transit_until_received(personas, api_client_for, medicine):
    # given
    hospital_a, hospital_b = api_client_for(personas.hospital_a_user), api_client_for(personas.hospital_b_user)
    hospital_a.post(URL, movement("receipt", 50))

    # when
    shipped = hospital_a.post(
        "/api/v1/transfers/",
        {
            "source": "T-HOSP-A",
            "destination": "T-HOSP-B",
            "medicine": "AMOX-500",
            "quantity": 20,
            "shipped_on": "2026-03-11",
        },
    )
    destination = StockLevel.objects.get(establishment=personas.hospital_b, medicine=medicine)
    in_transit = destination.in_transit
    sender_receives = hospital_a.post(
        f"/api/v1/transfers/{shipped.json()['id']}/receive/", {"received_on": "2026-03-12"}
    )
    received = hospital_b.post(f"/api/v1/transfers/{shipped.json()['id']}/receive/", {"received_on": "2026-03-12"})
    twice = hospital_b.post(f"/api/v1/transfers/{shipped.json()['id']}/receive/", {"received_on": "2026-03-12"})

    # then
    assert shipped.status_code == 201 and in_transit == 20
    assert sender_receives.status_code == 403
    assert received.status_code == 200 and received.json()["status"] == "received"
    assert twice.status_code == 400
    destination.refresh_from_db()
    assert (destination.quantity, destination.in_transit) == (20, 0)
    assert level_of(personas, medicine).quantity == 30


def test_a_batch_costs_the_same_number_of_queries_for_10_or_1000_movements(personas, hospital, medicine):
    # given ten positions already stocked
    others = [factories.MedicineFactory(code=f"OTHER-{n}") for n in range(9)]
    codes = ["AMOX-500", *[other.code for other in others]]
    hospital.post(BULK_URL, {"movements": [movement("receipt", 5, medicine=code) for code in codes]})
    counts = []

    # when
    for size in (10, 1000):
        items = [movement("receipt", 5, medicine=codes[n % len(codes)]) for n in range(size)]
        with CaptureQueriesContext(connection) as context:
            response = hospital.post(BULK_URL, {"movements": items})
        assert response.status_code == 201
        statements = [query["sql"] for query in context.captured_queries]
        inserts = [sql for sql in statements if sql.startswith('INSERT INTO "stock_stockmovement"')]
        counts.append((len(statements) - len(inserts), len(inserts)))

    # then only the ledger INSERT is cut into batches (SQLite takes at most 999 parameters per statement)
    assert counts[0][0] == counts[1][0] < 25
    assert counts[1][1] <= (1 if connection.vendor == "postgresql" else 20)


def test_a_cancelled_transfer_returns_to_the_source(personas, api_client_for, medicine):
    # given 20 shipped from A to B
    hospital_a, hospital_b = api_client_for(personas.hospital_a_user), api_client_for(personas.hospital_b_user)
    hospital_a.post(URL, movement("receipt", 50))
    shipped = hospital_a.post(
        "/api/v1/transfers/",
        {
            "source": "T-HOSP-A",
            "destination": "T-HOSP-B",
            "medicine": "AMOX-500",
            "quantity": 20,
            "shipped_on": "2026-03-11",
        },
    ).json()

    # when
    by_destination = hospital_b.post(f"/api/v1/transfers/{shipped['id']}/cancel/", {"cancelled_on": "2026-03-12"})
    cancelled = hospital_a.post(f"/api/v1/transfers/{shipped['id']}/cancel/", {"cancelled_on": "2026-03-12"})
    receive_after = hospital_b.post(f"/api/v1/transfers/{shipped['id']}/receive/", {"received_on": "2026-03-12"})

    # then
    assert by_destination.status_code == 403
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert receive_after.status_code == 400
    assert level_of(personas, medicine).quantity == 50
    assert StockLevel.objects.get(establishment=personas.hospital_b, medicine=medicine).in_transit == 0


def test_a_known_lot_with_another_expiry_date_is_refused(hospital, medicine):
    hospital.post(URL, movement("receipt", 10, lot_number="A", expiry_date="2027-01-31"))

    response = hospital.post(URL, movement("receipt", 5, lot_number="A", expiry_date="2027-02-28"))

    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["expiry_date"]


def test_losses_carry_their_reason_take_lots_and_count_in_the_month(personas, hospital, medicine):
    # given two lots
    hospital.post(URL, movement("receipt", 10, lot_number="SOON", expiry_date="2027-01-31"))
    hospital.post(URL, movement("receipt", 10, lot_number="LATE", expiry_date="2028-01-31"))

    # when
    expired = hospital.post(URL, movement("loss", 4, loss_reason="expired"))
    stolen = hospital.post(URL, movement("loss", 3, loss_reason="stolen", lot_number="LATE"))
    unknown_reason = hospital.post(URL, movement("loss", 1, loss_reason="evaporated"))

    # then
    assert expired.status_code == 201 and expired.json()["quantity"] == -4
    assert (expired.json()["loss_reason"], expired.json()["lot_number"]) == ("expired", "SOON")
    assert stolen.json()["loss_reason"] == "stolen" and stolen.json()["balance_after"] == 13
    assert unknown_reason.status_code == 400 and list(unknown_reason.json()["error"]["fields"]) == ["loss_reason"]
    assert dict(StockLot.objects.values_list("lot_number", "quantity")) == {"SOON": 6, "LATE": 7}
    month = ConsumptionMonth.objects.get(medicine=medicine)
    assert (month.losses, month.issued, month.received, month.closing_balance) == (7, 0, 20, 13)
    assert level_of(personas, medicine).quantity == 13


def test_a_back_dated_movement_updates_the_months_after_it(personas, hospital, medicine):
    # given 10 received in February and all of it issued on 5 March: March ends stocked out
    hospital.post(URL, movement("receipt", 10, day=dt.date(2026, 2, 1)))
    hospital.post(URL, movement("issue", 10, day=dt.date(2026, 3, 5)))
    march = ConsumptionMonth.objects.get(medicine=medicine, month=dt.date(2026, 3, 1))
    assert (march.closing_balance, march.stockout_days) == (0, 27)

    # when a February receipt is recorded late
    hospital.post(URL, movement("receipt", 5, day=dt.date(2026, 2, 20)))

    # then March's balance and stockout days follow the ledger again; its flows are unchanged
    march.refresh_from_db()
    february = ConsumptionMonth.objects.get(medicine=medicine, month=dt.date(2026, 2, 1))
    assert (february.received, february.closing_balance) == (15, 15)
    assert (march.issued, march.received, march.closing_balance, march.stockout_days) == (10, 0, 5, 0)


def test_a_refused_request_can_be_sent_again_with_its_key_once_stock_has_arrived(personas, hospital, medicine):
    # given an issue refused for lack of stock
    refused = hospital.post(URL, movement("issue", 4), HTTP_IDEMPOTENCY_KEY="issue-7")
    hospital.post(URL, movement("receipt", 10))

    # when the same issue is sent again with the same key, twice
    accepted = hospital.post(URL, movement("issue", 4), HTTP_IDEMPOTENCY_KEY="issue-7")
    replayed = hospital.post(URL, movement("issue", 4), HTTP_IDEMPOTENCY_KEY="issue-7")

    # then the refusal kept nothing, and the issue is written once
    assert refused.status_code == 409
    assert accepted.status_code == 201 and "Idempotent-Replayed" not in accepted
    assert replayed.json() == accepted.json() and replayed["Idempotent-Replayed"] == "true"
    assert level_of(personas, medicine).quantity == 6
    assert StockMovement.objects.filter(kind="issue").count() == 1


def test_summaries_written_before_the_usable_rule_are_derived_again_once(personas, hospital, medicine):
    # given a lot that expired on 15 February, and its month stored as it was before the rule
    hospital.post(URL, movement("receipt", 10, day=dt.date(2026, 2, 1), lot_number="A", expiry_date="2026-02-15"))
    hospital.post(URL, movement("receipt", 20, day=dt.date(2026, 1, 5)))
    ConsumptionMonth.objects.filter(month=dt.date(2026, 2, 1)).update(closing_balance=30, stockout_days=0)
    ConsumptionMonth.objects.filter(month=dt.date(2026, 1, 1)).update(closing_balance=99)  # before the lot

    # when
    out = StringIO()
    call_command("summaries_rederive", stdout=out)
    again = StringIO()
    call_command("summaries_rederive", stdout=again)

    # then February closes on its usable units; January, before the lot expired, is left as it was
    february = ConsumptionMonth.objects.get(medicine=medicine, month=dt.date(2026, 2, 1))
    assert (february.closing_balance, february.stockout_days) == (20, 0)
    assert ConsumptionMonth.objects.get(medicine=medicine, month=dt.date(2026, 1, 1)).closing_balance == 99
    assert out.getvalue().startswith("1 monthly summaries changed")
    assert again.getvalue().startswith("0 monthly summaries changed")

    # and --all derives every month of every position with a movement
    call_command("summaries_rederive", "--all", stdout=StringIO())
    assert ConsumptionMonth.objects.get(medicine=medicine, month=dt.date(2026, 1, 1)).closing_balance == 20
