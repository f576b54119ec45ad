"""gunicorn started alone with ``config/gunicorn.conf.py`` (a further web machine of
docs/deployment.md, without ``bin/prod``) runs the production settings: DEBUG off, JSON logs."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Left out of the child's environment: the documented one does not name DJANGO_DEBUG or LOG_FORMAT,
# and the page asked needs no database or Redis.
DROPPED = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "LOG_FORMAT", "DJANGO_TEST_DB_NAME"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_answer(url: str, process: subprocess.Popen, log: Path) -> tuple[int, str]:
    """The status and Location of the first answer to ``url`` (redirects not followed)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    deadline = time.monotonic() + 90
    while True:
        try:
            with opener.open(url, timeout=5) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Location", "")
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer:\n{log.read_text()[-4000:]}")
            time.sleep(0.3)


@pytest.mark.slow
def test_gunicorn_alone_runs_with_debug_off_and_json_logs(tmp_path):
    # given the documented environment of a further web machine, without DJANGO_DEBUG or LOG_FORMAT
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if key not in DROPPED}
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        APP_VAR_DIR=str(tmp_path / "var"),
    )
    log = tmp_path / "gunicorn.log"

    # when gunicorn is started with the profile's configuration and a page is asked over plain HTTP
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "config/gunicorn.conf.py"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        status, location = first_answer(f"http://127.0.0.1:{port}/no-such-page/", process, log)
    finally:
        process.terminate()
        process.wait(timeout=30)

    # then the production settings answer (HTTPS redirect; no debug page), and the request's log
    # line is JSON
    assert (status, location) == (301, f"https://127.0.0.1:{port}/no-such-page/"), log.read_text()[-3000:]
    access = [line for line in log.read_text().splitlines() if "/no-such-page/" in line]
    assert access, log.read_text()[-3000:]
    assert json.loads(access[-1])["logger"] == "medwatch.access"
