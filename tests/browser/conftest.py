"""Headless Chromium through sync Playwright against pytest-django's live server.

Every request the browser makes is recorded; a test fails if any of them leaves the live server
(no CDN, no font service, no map tiles: these pages run on closed hospital networks).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import factories

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--disable-default-apps",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by fixtures
# from that thread are still synchronous, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _role_groups(transactional_db):
    """Live-server tests flush the database after each test, which also drops the role groups that
    a migration created; put them back before the personas are built."""
    from django.contrib.auth.models import Group

    from stock import roles

    for name in roles.ROLES:
        Group.objects.get_or_create(name=name)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The live server shares the test process's cache (Redis in the second pass, kept between runs):
    cached overview aggregates, login failure counters and API rate-limit counters of an earlier test
    or run must not decide what this one sees."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class OutsideRequests(list):
    """URLs the page asked for outside the live server."""


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser context and page; fails the test if it requested anything off the live server."""
    allowed = urlsplit(live_server.url).netloc
    outside = OutsideRequests()
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)

    def record(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.netloc != allowed:
            outside.append(request.url)

    def block(route) -> None:
        if urlsplit(route.request.url).netloc == allowed or urlsplit(route.request.url).scheme in ("data", "blob"):
            route.continue_()
        else:
            route.abort()

    context.on("request", record)
    context.route("**/*", block)
    page = context.new_page()
    page.outside_requests = outside
    yield page
    context.close()
    assert not outside, f"requests outside the application: {outside}"


@pytest.fixture
def login(page, live_server):
    """``login(user)``: signs in through the login form and lands on the user's home page."""

    def sign_in(user) -> None:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", factories.DEFAULT_PASSWORD)
        # A click does not wait for the navigation it starts: wait for the page after the login,
        # or a test's next goto could cancel the form's POST before the session exists.
        with page.expect_navigation():
            page.click(".login-card button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/login/" not in page.url, f"login of {user.username} failed: still on {page.url}"

    return sign_in
