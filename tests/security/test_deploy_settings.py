"""The production profile's settings pass Django's deployment checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_environment(**overrides: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # The browser tests allow async-unsafe calls in this process; production never does.
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(
        DJANGO_DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.ma",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/medwatch_unused",
        REDIS_URL="redis://127.0.0.1:6379/9",
    )
    environment.update(overrides)
    return environment


def run_manage(*args: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_with_the_production_environment():
    # given the production environment
    environment = production_environment()

    # when Django's deployment checks run, failing on any warning
    result = run_manage("check", "--deploy", "--fail-level", "DEBUG", environment=environment)

    # then no issue is reported
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_production_refuses_to_start_without_a_secret_key():
    # given the production environment without SECRET_KEY
    environment = production_environment(SECRET_KEY="")

    # when any command starts
    result = run_manage("check", environment=environment)

    # then it stops with a message naming the missing variable
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.slow
def test_production_settings_harden_cookies_and_transport():
    # given the production environment
    environment = production_environment()

    # when the effective settings are printed
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_HTTPONLY, "
        "len(s.AUTH_PASSWORD_VALIDATORS), s.AUTHENTICATION_BACKENDS)",
        environment=environment,
    )

    # then cookies are secure, HTTPS is enforced, passwords are validated and logins throttled
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "True True True True True 4 ['stock.login_throttle.ThrottledModelBackend']"
    )
