"""What an integrator writing a client from docs/stock-api.md met on the write endpoints: a misspelt
field was silently dropped (a retry with a misspelt ``idempotency_key`` wrote the movement twice), a
transfer's unknown code answered REST framework's "L'objet avec code=X n'existe pas.", a transfer
kind sent to /movements/ did not say where transfers go, and the schema's 409 (and the 413 and 415
of every write) had no body."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from stock.models import StockLevel, StockMovement

pytestmark = pytest.mark.django_db

URL = "/api/v1/movements/"
BULK_URL = "/api/v1/movements/bulk/"
TRANSFERS = "/api/v1/transfers/"
DAY = dt.date(2026, 3, 10)
ACCEPTED = (
    "establishment, medicine, kind, business_date, quantity, lot_number, expiry_date, loss_reason, reason, "
    "idempotency_key"
)


def movement(kind="receipt", quantity=10, **extra):
    return {
        "establishment": "T-HOSP-A",
        "medicine": "AMOX-500",
        "kind": kind,
        "quantity": quantity,
        "business_date": DAY.isoformat(),
        **extra,
    }


# --- unknown body fields --------------------------------------------------------------------------


def test_a_misspelt_idempotency_key_is_refused_so_a_retry_cannot_write_twice(personas, hospital, medicine):
    # given: the client misspells the item's key
    body = movement(idempotency_kye="hosp-a-2026-03-10-1")

    # when: it sends the movement, then retries it
    first = hospital.post(URL, body)
    retry = hospital.post(URL, body)

    # then: both are refused on the misspelt field, and nothing is written
    for response in (first, retry):
        assert response.status_code == 400, response.content
        assert response.json()["error"]["fields"] == {
            "idempotency_kye": [f"Champ inconnu : vérifiez son nom. Champs acceptés : {ACCEPTED}."]
        }
    assert not StockMovement.objects.exists()


def test_an_unknown_field_is_named_beside_the_other_faults_of_the_item(personas, hospital, medicine):
    response = hospital.post(URL, movement(quantity="abc", lot_numbr="L1"))

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"quantity", "lot_numbr"}


def test_a_batch_names_the_unknown_fields_of_each_item_and_of_the_body(personas, hospital, medicine):
    response = hospital.post(BULK_URL, {"movements": [movement(), movement(lot_numbr="L1")], "atomic": True})

    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"movements.1.lot_numbr", "atomic"}
    assert fields["atomic"] == ["Champ inconnu : vérifiez son nom. Champs acceptés : movements."]
    assert not StockMovement.objects.exists()


def test_a_form_post_of_the_browsable_api_is_not_refused_for_its_csrf_field(personas, hospital, medicine):
    response = hospital.post(URL, {**movement(), "csrfmiddlewaretoken": "x"}, format="multipart")

    assert response.status_code == 201, response.content
    assert StockLevel.objects.get(establishment=personas.hospital_a, medicine=medicine).quantity == 10


def test_an_unknown_field_of_a_transfer_reception_is_refused(personas, api_client_for, medicine):
    response = api_client_for(personas.hospital_b_user).post(
        f"{TRANSFERS}1/receive/", {"received_on": "2026-03-12", "recieved_by": "x"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "recieved_by": ["Champ inconnu : vérifiez son nom. Champs acceptés : received_on."]
    }


# --- the project's messages instead of REST framework's -----------------------------------------------


def test_a_transfer_naming_unknown_codes_is_refused_with_the_messages_of_a_movement(personas, hospital, medicine):
    body = {"source": "NOPE", "destination": "T-HOSP-B", "medicine": "X", "quantity": 1, "shipped_on": "2026-03-10"}

    french = hospital.post(TRANSFERS, body)
    arabic = hospital.post(TRANSFERS, body, HTTP_ACCEPT_LANGUAGE="ar")

    assert french.status_code == 400
    assert french.json()["error"]["fields"] == {
        "source": ["Établissement inconnu : NOPE."],
        "medicine": ["Médicament inconnu : X."],
    }
    assert arabic.json()["error"]["fields"]["source"] == ["مؤسسة غير معروفة: NOPE."]


def test_a_transfer_kind_sent_as_a_movement_lists_the_kinds_and_the_transfers_endpoint(personas, hospital, medicine):
    response = hospital.post(URL, movement(kind="transfer_in"))

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "kind": [
            "Type de mouvement non accepté : transfer_in. Types acceptés : receipt, issue, adjustment_plus, "
            "adjustment_minus, loss, count (les transferts passent par /transfers/)."
        ]
    }


# --- the schema ------------------------------------------------------------------------------------


@pytest.fixture
def schema(client, personas):
    client.force_login(personas.hospital_a_user)
    return yaml.safe_load(client.get("/api/schema/").content)


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/movements/", "post"),
        ("/api/v1/movements/bulk/", "post"),
        ("/api/v1/transfers/", "post"),
        ("/api/v1/transfers/{id}/receive/", "post"),
    ],
)
def test_every_error_answer_of_a_write_has_the_error_shape_in_the_schema(schema, path, method):
    responses = schema["paths"][path][method]["responses"]

    assert {"400", "403", "409", "413", "415"} <= set(responses)
    for code in ("409", "413", "415"):
        assert responses[code]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "idempotency_conflict" in responses["409"]["description"]


def test_a_stock_level_always_has_its_quantity_and_in_transit_in_the_schema(schema):
    level = schema["components"]["schemas"]["StockLevelExpanded"]

    assert {"quantity", "in_transit"} <= set(level["required"])
    assert level["properties"]["quantity"]["readOnly"] is True


@pytest.mark.parametrize(
    "component", ["MovementInputRequest", "BulkMovementInputRequest", "TransferShipRequest", "TransferReceiveRequest"]
)
def test_the_write_bodies_say_they_take_no_other_field(schema, component):
    assert schema["components"]["schemas"][component]["additionalProperties"] is False
