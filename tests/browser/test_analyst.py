"""An analyst reads the overview and a medicine's risk explanation, then acknowledges an alert."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.world import build_world


def test_analyst_reads_overview_and_risk_explanation(page, live_server, login, personas):
    # given
    world = build_world(personas, size=1)
    medicine = world.medicines[0]
    login(personas.analyst)
    # when
    page.goto(f"{live_server.url}/overview/")
    # then: key figures, the map with its attribution, top risks
    expect(page.get_by_role("heading", name="Vue nationale")).to_be_visible()
    expect(page.locator(".kpi").first).to_be_visible()
    assert page.locator(".map svg path[data-region]").count() == 12
    expect(page.get_by_text("les contributeurs d’OpenStreetMap")).to_be_visible()
    # when: open the riskiest medicine from the top risks
    page.get_by_role("link", name=str(medicine)).first.click()
    # then: each factor's contribution in plain words
    expect(page.get_by_role("heading", name="Pourquoi ce niveau de risque ?")).to_be_visible()
    factors = page.get_by_test_id("risk-factors")
    expect(factors).to_contain_text("Couverture du stock public")
    expect(factors).to_contain_text("0,8 mois de consommation")
    expect(factors).to_contain_text("24,0 / 30 points")


def test_analyst_acknowledges_an_alert(page, live_server, login, personas):
    # given
    world = build_world(personas, size=1)
    alert = next(alert for alert in world.alerts if alert.establishment_id is None)  # in the national inbox
    login(personas.analyst)
    # when
    page.goto(f"{live_server.url}/alerts/")
    page.locator(f"a[href='/alerts/{alert.pk}/']").first.click()
    page.get_by_role("button", name="Prendre en charge").click()
    # then
    expect(page.locator(".message--success")).to_contain_text("Alerte prise en charge")
    expect(page.get_by_test_id("alert-status")).to_have_text(re.compile("Prise en charge"))
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    assert alert.events.filter(kind="acknowledged", actor=personas.analyst).exists()


def test_analyst_switches_to_arabic_right_to_left(page, live_server, login, personas):
    # given
    build_world(personas, size=1)
    login(personas.analyst)
    page.goto(f"{live_server.url}/overview/")
    # when: the select submits itself (static/js/app.js)
    with page.expect_navigation():
        page.select_option("#lang-select", "ar")
    # then
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    expect(page.get_by_role("heading", name="النظرة الوطنية")).to_be_visible()
    assert page.locator(".map svg path[data-region]").count() == 12
