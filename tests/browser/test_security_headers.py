"""The content security policy holds in a real browser: our pages and the API viewers render
with no policy violation and without reaching outside the server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


@pytest.fixture
def violations(page):
    """Content-security-policy violations reported by the browser while the test runs."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: found.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return found


def test_pages_render_under_the_strict_policy(page, live_server, login, personas, violations):
    # given an analyst signed in through the login form (scripted language switch included)
    login(personas.analyst)

    # when the home page is shown
    page.goto(f"{live_server.url}/")

    # then the page works and the browser reports no violation
    expect(page.locator(".site-header")).to_be_visible()
    assert page.evaluate("document.documentElement.classList.contains('js')")
    assert violations == []


def test_swagger_ui_renders_under_its_policy(page, live_server, login, personas, violations):
    # given a signed-in user
    login(personas.hospital_a_user)

    # when the Swagger UI is opened
    page.goto(f"{live_server.url}/api/schema/swagger/")

    # then the operations are listed and no violation is reported
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations == []


# ReDoc's bundle hard-codes a footer logo on its vendor's CDN; the policy is what stops the browser
# from fetching it, so that one blocked image is expected.
REDOC_VENDOR_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_redoc_renders_under_its_policy_which_blocks_its_vendor_logo(browser, live_server, personas):
    from urllib.parse import urlsplit

    from django.test import Client

    # given a signed-in session in a context that refuses any request off the server
    session = Client()
    session.force_login(personas.hospital_a_user)
    context = browser.new_context()
    context.add_cookies([{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}])
    outside: list[str] = []

    def route(route) -> None:
        if urlsplit(route.request.url).netloc == urlsplit(live_server.url).netloc:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    # when ReDoc is opened
    page.goto(f"{live_server.url}/api/schema/redoc/")

    # then the API title is rendered; the only refused resource is the vendor logo, blocked by the
    # policy before any request left the browser
    expect(page.locator("h1").first).to_be_visible(timeout=15_000)
    context.close()
    assert all(REDOC_VENDOR_LOGO in text for text in violations), violations
    assert outside == []
