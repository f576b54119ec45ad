"""``/health/?worker=1`` says whether a Celery worker answers, without making the web process
unhealthy; the plain ``/health/`` (load balancers, the API benchmark's baseline) asks no worker."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.shortages.test_worker import start_worker, stop_worker


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_it_reports_a_running_worker(client, tmp_path):
    # given a real worker on the broker
    process = start_worker(tmp_path / "worker.log")
    try:
        # when the health endpoint is probed
        response = client.get("/health/?worker=1")
    finally:
        stop_worker(process)

    # then the worker is reported as answering
    assert response.status_code == 200
    worker = response.json()["checks"]["worker"]
    assert (worker["ok"], worker["configured"]) == (True, True), worker


@pytest.mark.django_db
@override_settings(REDIS_URL="", CELERY_TASK_ALWAYS_EAGER=True)
def test_the_embedded_default_has_no_worker_to_report(client):
    # when the embedded default (tasks run in the web process) is probed
    response = client.get("/health/?worker=1")

    # then there is no worker to ask, and the process is healthy
    assert response.status_code == 200
    assert response.json()["checks"]["worker"]["configured"] is False


@pytest.mark.django_db
@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_with_redis_unreachable_the_worker_is_not_asked(client):
    # when Redis is configured on a closed port
    response = client.get("/health/?worker=1")

    # then the answer names Redis, and the worker check says why it was not made
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False, "error": "redis unavailable"}


@pytest.mark.django_db
def test_the_plain_probe_asks_no_worker(client):
    # when a load balancer probes
    response = client.get("/health/")

    # then the answer holds the database, Redis and scoring checks only
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database", "redis", "scoring"}
