"""``/health/``: is this web process able to serve? For load balancers and monitoring.

Answers 200 when the database (and Redis, when configured) respond, else 503. The age of the
last successful scoring run is reported, with ``stale`` set past ``HEALTH_SCORING_MAX_AGE_HOURS``;
a stale score does not make the web process unhealthy (restarting it would not help). With
``?worker=1`` (a monitor's probe, not a load balancer's) ``worker`` says whether a Celery worker
answered a ping on the broker within ``WORKER_PING_SECONDS``, so that a monitor sees at once what
``stale`` would show only a day and a half later; a missing worker does not make the web process
unhealthy either (a load balancer would take every web machine out). The plain probe stays one
database query and one Redis ping: it is what load balancers call every few seconds, and the
baseline of the API benchmark (docs/performance.md).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("medwatch.health")
# How long /health/ waits for a worker's answer; a probe takes that long while no worker runs.
WORKER_PING_SECONDS = 1.0


class NoWorkerAnswered(Exception):
    """No Celery worker answered the ping: tasks wait in the queues."""


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        result = {"ok": True, **(check() or {})}
    except Exception as error:  # noqa: BLE001 - any failure is an answer to report
        logger.warning("health check failed: %s", error)
        result = {"ok": False, "error": type(error).__name__}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    # Nothing about the database itself: an anonymous caller has no use for its make.
    return {}


def _redis() -> dict:
    if not settings.REDIS_URL:
        return {"configured": False}
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {"configured": True}


def _worker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.REDIS_URL:
        return {"configured": False}
    from config.celery import app

    # Celery's remote control: the first worker to answer ends the wait (any queue: on further
    # machines workers may consume some queues only).
    if not app.control.ping(timeout=WORKER_PING_SECONDS, limit=1):
        raise NoWorkerAnswered(f"no worker answered within {WORKER_PING_SECONDS} s")
    return {"configured": True}


def _scoring() -> dict:
    from shortages.choices import RunStatus
    from shortages.models import ScoringRun

    finished_at = (
        ScoringRun.objects.filter(status=RunStatus.SUCCEEDED, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if finished_at is None:
        return {"last_success": None, "age_seconds": None, "stale": True}
    age = (timezone.now() - finished_at).total_seconds()
    return {
        "last_success": finished_at.isoformat(),
        "age_seconds": round(age),
        "stale": age > settings.HEALTH_SCORING_MAX_AGE_HOURS * 3600,
    }


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Database, Redis, scoring freshness and, with ``?worker=1``, a worker, as JSON; 503 when the
    database or Redis fail (a missing worker or stale scores do not make this process unhealthy)."""
    database = _timed(_database)
    redis = _timed(_redis)
    checks = {
        "database": database,
        "redis": redis,
        "scoring": _timed(_scoring) if database["ok"] else {"ok": False, "error": "database unavailable"},
    }
    if request.GET.get("worker") == "1":
        # Without Redis the ping would retry for seconds and could only fail.
        checks["worker"] = _timed(_worker) if redis["ok"] else {"ok": False, "error": "redis unavailable"}
    healthy = checks["database"]["ok"] and checks["redis"]["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )
