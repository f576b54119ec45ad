"""Page and upload figures: the national overview's and a position page's render time and query count, and the
100,000-row report upload (measured by the stock app's own ``bench_stock`` command when present)."""

from __future__ import annotations

import io
import re
import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command, get_commands
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stock import roles
from stock.models import ApiToken, StockLevel

BENCH_USERNAME = "benchmark-analyst"


def benchmark_analyst():
    """The analyst the benchmark reads as (created once, kept out of the demo logins)."""
    return benchmark_user(BENCH_USERNAME, role=roles.ANALYST)


def benchmark_user(username: str, *, role: str):
    """A benchmark user of ``role`` without a usable password (created once, kept out of the demo
    logins)."""
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"is_active": True})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def benchmark_token(user) -> str:
    """A fresh API token for ``user``; the earlier benchmark tokens are revoked."""
    for token in ApiToken.objects.filter(user=user, name="benchmark", revoked_at__isnull=True):
        token.revoke()
    _, raw = ApiToken.issue(user=user, name="benchmark")
    return raw


def overview_page(*, user, repeats: int = 5) -> dict:
    """Render the national overview as ``user`` through the whole Django stack, in this process:
    the first render, then the median of ``repeats`` more, with the queries of the last one."""
    return _page(user=user, url=reverse("shortages:overview"), repeats=repeats)


def position_page(*, user, repeats: int = 5) -> dict:
    """Render the page of one position (the first stock level written, at the establishment with the
    lowest id) as ``user``: its explanation recomputes the learned model's features from the month-end
    history of the establishment's medicines and of the medicine's establishments."""
    level = StockLevel.objects.order_by("id").values("establishment_id", "medicine_id").first()
    if level is None:
        return {"error": "no stock level"}
    url = reverse("shortages:position_detail", args=[level["establishment_id"], level["medicine_id"]])
    return _page(user=user, url=url, repeats=repeats)


def _page(*, user, url: str, repeats: int) -> dict:
    client = Client()
    client.force_login(user)
    timings = []
    queries = 0
    status = None
    for _ in range(repeats + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        status = response.status_code
        queries = len(captured.captured_queries)
    return {
        "url": url,
        "status": status,
        "first_ms": round(timings[0], 1),
        "median_ms": round(statistics.median(timings[1:]), 1),
        "queries": queries,
    }


def upload_throughput(*, rows: int = 100_000) -> dict:
    """The monthly report upload figures, measured by the stock app's own ``manage.py bench_stock``
    (it writes a report file of establishments x medicines x 10 months and rolls everything back);
    its text lines are returned as they are, with the rows per second picked out."""
    if "bench_stock" not in get_commands():
        return {"available": False, "reason": "manage.py bench_stock is not in this tree"}
    months = 10 if rows >= 1000 else 2
    side = max(1, round((rows / months) ** 0.5))
    out = io.StringIO()
    started = time.perf_counter()
    call_command("bench_stock", establishments=side, medicines=side, months=months, movements=100, stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    upload = next((line for line in lines if line.startswith("monthly report upload")), "")
    match = re.search(r"in ([\d.]+) s = ([\d,]+) rows/s", upload)
    return {
        "available": True,
        "command": f"manage.py bench_stock --establishments {side} --medicines {side} --months {months}",
        "rows": side * side * months,
        "seconds": float(match.group(1)) if match else None,
        "rows_per_second": int(match.group(2).replace(",", "")) if match else None,
        "bench_stock_seconds": round(time.perf_counter() - started, 1),
        "lines": lines,
    }
