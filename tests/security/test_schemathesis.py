"""Property-based API testing: schemathesis generates requests for every operation of
``/api/schema/`` and sends them, authenticated as each role, through the WSGI application.

Every answer must be below 500, have a status the schema documents (401, 403, 404, 400 and 429
included: ``stock.api.schema``), and match the schema. A few examples per operation keep the suite
fast; the data is the permission matrix's world, so that identifiers sometimes point at real rows,
plus rows whose optional fields are empty (a movement and a transfer whose author's account was
deleted, a commitment with no progress yet, a signatory without a representative).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stock.models import ApiToken
from stock.services.movements import movement_record
from stock.services.transfers import transfer_ship
from tests import factories
from tests.partners.factories import AgreementFactory, CommitmentFactory, SignatoryFactory
from tests.security.matrix_world import ROLE_PERSONAS, build_matrix_world

# Roles that authenticate; anonymous calls are all 401 and the matrix covers them.
ROLES = ("analyst", "hospital", "industry")
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]


def rows_with_empty_fields(personas) -> None:
    """Rows whose nullable fields are null, so that the schema must say they may be."""
    former = factories.UserFactory(username="former", roles=["analyst"])
    medicine = factories.MedicineFactory(code="NULLS-1")
    day = timezone.localdate()
    item = {"establishment": "T-HOSP-A", "medicine": medicine.code, "kind": "receipt", "quantity": 50}
    movement_record(user=former, item={**item, "business_date": day})
    transfer_ship(
        user=former,
        source=personas.hospital_a,
        destination=personas.hospital_b,
        medicine=medicine,
        quantity=5,
        shipped_on=day,
    )
    former.delete()  # their movement and transfer keep no author
    agreement = AgreementFactory()
    SignatoryFactory(agreement=agreement, organization=personas.association)
    CommitmentFactory(agreement=agreement, party=personas.association)


@pytest.fixture
def role_headers(personas):
    build_matrix_world(personas)
    rows_with_empty_fields(personas)
    headers = {}
    for role in ROLES:
        _, raw = ApiToken.issue(user=getattr(personas, ROLE_PERSONAS[role]), name="schemathesis")
        headers[role] = {"Authorization": f"Bearer {raw}"}
    return headers


@pytest.fixture
def api_schema(db):
    # Requests go through the real WSGI handler; like Django's test client, keep it from closing the
    # test's database connection (inside the test transaction) around each request.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


HYPOTHESIS_SETTINGS = settings(
    max_examples=4,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def exercise(operation, role_headers) -> None:
    """Sends a few generated requests for ``operation`` as each role; raises on the first failure."""

    @HYPOTHESIS_SETTINGS
    @given(case=operation.as_strategy())
    def run(case):
        for role in ROLES:
            cache.clear()  # rate-limit counters
            # Each request meets the same data, and a database error cannot poison the next one.
            savepoint = transaction.savepoint()
            try:
                response = case.call(headers=role_headers[role])
            finally:
                transaction.savepoint_rollback(savepoint)
                transaction.set_rollback(False)
            case.validate_response(response, checks=CHECKS)

    run()


@pytest.mark.slow
def test_api_answers_conform_to_the_schema_for_every_role(api_schema, role_headers):
    # given every operation of the published schema
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 50

    # when generated requests are sent for each, as each role
    failures = []
    for operation in operations:
        try:
            exercise(operation, role_headers)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collect every failure, then report
            failures.append(f"{operation.label}: {str(error).strip()[:1500]}")

    # then no answer was a server error or broke the schema
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)
