"""API latency under load: gunicorn (the production configuration, ``config/gunicorn.conf.py``) on a
free port of 127.0.0.1, and 16 concurrent clients, each sending its requests one after the other.
Every endpoint is measured the same way, beside ``/health/`` (one database query and one Redis ping)
as the minimal endpoint of the same server."""

from __future__ import annotations

import http.client
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.test import Client, override_settings

from tooling.benchmarks.scoring_bench import child_env

BENCH_HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((BENCH_HOST, 0))
        return probe.getsockname()[1]


def _wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up (see var/benchmark-gunicorn.log)")
        try:
            connection = http.client.HTTPConnection(BENCH_HOST, port, timeout=5)
            connection.request("GET", "/health/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {timeout:.0f} s")


@contextmanager
def gunicorn_server(*, workers: int | None = None, threads: int | None = None):
    """gunicorn serving this project on a free local port, production settings (DEBUG off) with the
    API throttle raised so that the load test measures the endpoints, not the rate limit."""
    port = free_port()
    env = child_env()
    env.update(
        GUNICORN_BIND=f"{BENCH_HOST}:{port}",
        SECURE_SSL_REDIRECT="0",
        API_RATE_USER="1000000/min",
        LOG_LEVEL="WARNING",
    )
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    if threads:
        env["GUNICORN_THREADS"] = str(threads)
    log_path = Path(settings.VAR_DIR) / "benchmark-gunicorn.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi:application"]
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_up(port, process)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def load_test(
    *, port: int, paths: Callable[[random.Random], str], token: str, clients: int = 16, requests_per_client: int = 50
) -> dict:
    """``clients`` threads each send ``requests_per_client`` GETs (path drawn by ``paths``), one at a
    time, on one keep-alive connection; latencies in milliseconds."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def client(number: int) -> None:
        rng = random.Random(number)  # noqa: S311 - picking URLs
        connection = http.client.HTTPConnection(BENCH_HOST, port, timeout=120)
        mine: list[float] = []
        for _ in range(requests_per_client):
            path = paths(rng)
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    with lock:
                        errors.append(f"{response.status} {path}")
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                with lock:
                    errors.append(f"{type(error).__name__} {path}")
                continue
            mine.append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return summarize(latencies, errors=errors, elapsed=elapsed, clients=clients)


def summarize(latencies: list[float], *, errors: list[str], elapsed: float, clients: int) -> dict:
    ordered = sorted(latencies)

    def percentile(share: float) -> float | None:
        if not ordered:
            return None
        return round(ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))], 1)

    return {
        "clients": clients,
        "requests": len(ordered),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "max_ms": round(ordered[-1], 1) if ordered else None,
        "mean_ms": round(statistics.fmean(ordered), 1) if ordered else None,
        "requests_per_second": round(len(ordered) / elapsed, 1) if elapsed else None,
    }


def in_process(
    *, paths: dict[str, Callable[[random.Random], str]], token: str, rounds: int = 5, requests: int = 40
) -> dict:
    """Each endpoint timed in this process, without load: Django's test client, ``DEBUG`` off, the
    best mean of ``rounds`` rounds of ``requests`` requests (after one round to warm up), in
    milliseconds. The cost of a request alone, which the load test's p95 buries under the waits of
    the others."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT="application/json")
    best: dict[str, float] = {}
    with override_settings(DEBUG=False):
        for name, path in paths.items():
            rng = random.Random(name)  # noqa: S311 - picking URLs
            means = []
            for _ in range(rounds + 1):
                started = time.perf_counter()
                for _ in range(requests):
                    response = client.get(path(rng))
                    if response.status_code != 200:
                        raise RuntimeError(f"{name}: {response.status_code}")
                means.append((time.perf_counter() - started) * 1000 / requests)
            best[name] = round(min(means[1:]), 2)
    return {"mean_ms": best}
