"""The operations side of the services profile: ``bin/prod`` refuses a weak secret key before it
starts anything, and a task is sent (or refused) at once while Redis is unreachable."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Nothing listens on port 1: connections are refused at once.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def clean_environment(**overrides: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_TEST_DB_NAME"}
    }
    environment.update(overrides)
    return environment


def test_bin_prod_refuses_a_secret_key_shorter_than_50_characters(tmp_path):
    # given the production environment with a short key (Django's check --deploy only warns), and no
    # virtual environment to start anything with
    environment = clean_environment(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/medwatch_unused",
        REDIS_URL=UNREACHABLE_REDIS,
        SECRET_KEY="too-short-a-key",
        VENV=str(tmp_path / "no-venv"),
        APP_VAR_DIR=str(tmp_path / "var"),
    )

    # when the profile starts
    result = subprocess.run(
        ["bin/prod"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=False
    )

    # then it stops at once, saying why, before any command runs
    assert result.returncode == 2, result.stderr
    assert "SECRET_KEY has 15 characters; use 50 or more" in result.stderr
    assert "no-venv" not in result.stderr


def test_a_task_sent_while_redis_is_unreachable_fails_at_once_with_the_broker_error(tmp_path):
    # given the services profile's settings with Redis unreachable (the broker and the result store)
    environment = clean_environment(
        REDIS_URL=UNREACHABLE_REDIS,
        SECRET_KEY=secrets.token_urlsafe(50),
        APP_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="CRITICAL",
    )
    script = (
        "import django\n"
        "django.setup()\n"
        "from stock.tasks import monthly_report_import_run\n"
        "try:\n"
        "    monthly_report_import_run.delay(1)\n"
        "except Exception as error:\n"
        "    print(type(error).__module__, type(error).__name__)\n"
    )

    # when a web process sends a task (a monthly report upload's import, a scoring run)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )

    # then the broker's own connection error comes back (the upload keeps its job pending for the
    # re-queue), not the result store's RuntimeError, which came after 19 s of retries
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "kombu.exceptions OperationalError", result.stdout
