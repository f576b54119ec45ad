"""The per-position lists at their worst: every establishment-scoped list of the API read one
request at a time, in this process, by the readers and filters whose rows an id-ordered page finds
last (or never): the user of the establishment with the lowest id (its rows were written first), the
user of the one with the highest id (often without movements), an analyst of the region with the
lowest establishment id, and a national analyst filtering by those codes or by a medicine.

A page in id order within a few rows of a big table is where a planner's guess goes wrong: before the
lists filtered on the rows' own columns with indexes in that order, a hospital's empty ledger took
3.2 s nationally (docs/performance.md). Single requests, no load: the figure is the query plan's."""

from __future__ import annotations

import time

from django.test import Client

from stock import roles
from stock.models import Establishment, Medicine, StockLevel
from tooling.benchmarks.pages_bench import benchmark_token, benchmark_user

ENDPOINTS = ["stock-levels", "lots", "movements", "consumption", "monthly-reports", "risk-scores", "alerts"]
# The lists that take the establishment, region and medicine filters by code.
FILTERED = ENDPOINTS[:5]
PAGE_SIZES = (1, 100)


def _reader(username: str, *, role: str, establishment=None, region=None) -> Client:
    """A client with a fresh token for a benchmark user linked to ``establishment`` or ``region``
    only."""
    user = benchmark_user(username, role=role)
    if establishment is not None:
        user.establishments.set([establishment])
    if region is not None:
        user.analyst_regions.set([region])
    return Client(HTTP_AUTHORIZATION=f"Token {benchmark_token(user)}")


def _best_ms(client: Client, url: str, repeats: int) -> tuple[float, int]:
    best, status = float("inf"), 0
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        best = min(best, (time.perf_counter() - started) * 1000)
        status = response.status_code
    return best, status


def list_pages(*, analyst, repeats: int = 3) -> dict:
    """Best of ``repeats`` milliseconds per list, reader or filter and page size; the slowest case
    of each list and of all."""
    first = Establishment.objects.filter(stock_levels__isnull=False).order_by("id").first()
    last = Establishment.objects.order_by("-id").first()
    medicine = Medicine.objects.filter(pk=StockLevel.objects.order_by("id").values("medicine_id")[:1]).first()
    if first is None or medicine is None:
        return {"error": "no stock levels to list"}
    national = Client(HTTP_AUTHORIZATION=f"Token {benchmark_token(analyst)}")
    readers = {
        "establishment user, lowest id": _reader(
            "benchmark-hospital-first", role=roles.ESTABLISHMENT, establishment=first
        ),
        "establishment user, highest id": _reader(
            "benchmark-hospital-last", role=roles.ESTABLISHMENT, establishment=last
        ),
        "regional analyst": _reader("benchmark-regional", role=roles.ANALYST, region=first.region),
    }
    filters = {
        f"establishment={first.code}": f"establishment={first.code}",
        f"establishment={last.code}": f"establishment={last.code}",
        f"region={first.region.code}": f"region={first.region.code}",
        f"medicine={medicine.code}": f"medicine={medicine.code}",
    }
    cases = []
    for endpoint in ENDPOINTS:
        runs = [(name, client, "") for name, client in readers.items()]
        if endpoint in FILTERED:
            runs += [(f"national analyst, {name}", national, query) for name, query in filters.items()]
        for name, client, query in runs:
            for size in PAGE_SIZES:
                url = f"/api/v1/{endpoint}/?page_size={size}" + (f"&{query}" if query else "")
                client.get(url)  # the token's first use, the connection, the caches
                milliseconds, status = _best_ms(client, url, repeats)
                cases.append({"endpoint": endpoint, "case": name, "page_size": size, "ms": round(milliseconds, 1)})
                if status != 200:
                    cases[-1]["status"] = status
    slowest = {
        endpoint: max((case for case in cases if case["endpoint"] == endpoint), key=lambda case: case["ms"])
        for endpoint in ENDPOINTS
    }
    return {
        "repeats": repeats,
        "cases": cases,
        "slowest_per_list": {
            endpoint: {k: v for k, v in case.items() if k != "endpoint"} for endpoint, case in slowest.items()
        },
        "slowest_ms": max(case["ms"] for case in cases),
    }
