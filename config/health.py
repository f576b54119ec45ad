"""``/health/``: is this web process able to serve? For load balancers and monitoring.

Answers 200 when the database (and Redis, when configured) respond, else 503. The age of the
last successful scoring run is reported, with ``stale`` set past ``HEALTH_SCORING_MAX_AGE_HOURS``;
a stale score does not make the web process unhealthy (restarting it would not help).
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
    return {"vendor": connection.vendor}


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
    """Database, Redis and scoring freshness as JSON; 503 when the database or Redis fail."""
    database = _timed(_database)
    checks = {
        "database": database,
        "redis": _timed(_redis),
        "scoring": _timed(_scoring) if database["ok"] else {"ok": False, "error": "database unavailable"},
    }
    healthy = checks["database"]["ok"] and checks["redis"]["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )
