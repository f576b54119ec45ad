"""An establishment user lands on their own stock and cannot open another establishment's."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.world import build_world


def test_establishment_user_sees_own_stock_only(page, live_server, login, personas):
    # given
    world = build_world(personas, size=1)
    login(personas.hospital_a_user)
    # then: home is the user's own establishment, with its stock table and expiring lots
    expect(page.get_by_role("heading", name=personas.hospital_a.name)).to_be_visible()
    table = page.get_by_test_id("stock-table")
    expect(table.locator("tbody tr")).to_have_count(len(world.medicines))
    expect(page.get_by_role("heading", name="Lots à péremption proche (6 mois)")).to_be_visible()
    # when: the other hospital's page and an analyst-only page
    other = page.goto(f"{live_server.url}/establishments/{personas.hospital_b.pk}/")
    overview = page.goto(f"{live_server.url}/regions/")
    # then
    assert other.status == 404
    assert overview.status == 403
