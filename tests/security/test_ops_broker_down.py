"""A scoring run asked for while the broker does not answer: the API says so (503, with a code) and
the run is failed at once, not left pending until a dispatch marks it failed an hour later."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from shortages.choices import RunStatus
from shortages.models import ScoringRun

# Nothing listens on port 1: connections are refused at once.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@contextmanager
def broker_unreachable() -> Iterator[None]:
    """The real Celery application, sending to a broker that refuses connections (its producer pool
    made again for the address, and again for the previous one afterwards)."""
    previous = celery_app.conf.broker_url, celery_app.conf.broker_connection_retry, celery_app.conf.task_always_eager

    def pools_reset() -> None:
        celery_app.pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    pools_reset()
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = UNREACHABLE_BROKER, False
    celery_app.conf.broker_transport_options = {**celery_app.conf.broker_transport_options, "max_retries": 0}
    try:
        yield
    finally:
        pools_reset()
        celery_app.conf.broker_url, celery_app.conf.broker_connection_retry, celery_app.conf.task_always_eager = (
            previous
        )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_run_asked_for_while_the_broker_is_unreachable_is_refused_and_failed(personas, api_client_for):
    # given a national analyst's client
    client = api_client_for(personas.analyst)

    # when it asks for a run of today while the broker refuses connections
    with broker_unreachable():
        response = client.post("/api/v1/scoring-runs/", {}, format="json")

    # then the answer says the tasks service did not answer, and the run is failed with the reason
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "service_unavailable"
    run = ScoringRun.objects.get(as_of=timezone.localdate())
    assert run.status == RunStatus.FAILED and run.error.startswith("Not started: the task could not be sent")

    # and once the broker answers again, a new request of the same day is accepted
    response = client.post("/api/v1/scoring-runs/", {}, format="json")
    assert response.status_code == 202, response.content
