"""A walk through every page each role reaches from its home, in French, in headless Chromium: no
English word, no raw code where a label belongs, no console error, no answer over 399 and no
request to another host (the ``page`` fixture fails the test on those). Also what only a browser
shows: the months of stock on screen at phone width, the medicine suggestions as one types, and the
API viewers served from the site alone.

The world is small and built by fixtures (tests/web/world.py, tests/web/partners_world.py) plus a
few writes, so that the journal, the tokens and the import reports have rows.
"""

from __future__ import annotations

import os
import re
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from shortages.services.alerts import alert_acknowledge
from shortages.services.register import shortage_update
from stock.services.tokens import token_issue
from tests import factories
from tests.web.partners_world import build_partners_world
from tests.web.world import build_world

# Words a French page never needs: English words that are not French ones, and the English codes of
# choices (a label belongs there). Proper names and codes of the data are written in capitals or
# come from the world below, which uses none of these.
ENGLISH_WORDS = frozenset(
    """
    the and of is are was were be been has have had with from for by to this that these those which
    who what when where why how will would should could must not yes none true false null open opened
    closed create created update updated delete deleted login logout shortage shortages medicine
    medicines level status name new all only other unknown error warning next previous high low medium
    critical anticipated ongoing resolved avoided submitted accepted rejected draft pending running
    succeeded failed acknowledged assigned stocked below emergency understocked overstocked adequate
    consumption month months days week year risk alert alerts establishment region hospital health
    company declaration declarations supplier product quantity expiry expired file upload download
    template search share cover disruption industry tablet tablets agents drugs used contributors
    powered docs redocly
    """.split()  # noqa: SIM905 - a list of words reads better as text
)
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
WORD = re.compile(r"[A-Za-zÀ-ÿ_]+")
MAX_PAGES_PER_ROLE = 45
SKIPPED_PATHS = ("/logout/", "/admin/", "/api/", "/i18n/")
# The visible text of the page, without what is data rather than words of the interface: code
# samples (token prefixes, API paths) and the persona usernames, which come from the test world.
VISIBLE_TEXT = """() => {
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll("code, pre, script, style").forEach((node) => node.remove());
  return clone.textContent;
}"""


def _regional_analyst(personas):
    user = factories.UserFactory(username="regional", roles=["analyst"])
    personas.hospital_a.region.analysts.add(user)
    return user


@pytest.fixture
def walk_world(personas):
    """Rows on every page, and one write of each kind the journal names."""
    world = build_world(personas, size=1)
    build_partners_world(personas, size=1)
    alert = next(alert for alert in world.alerts if alert.establishment_id is None)
    alert_acknowledge(alert_id=alert.pk, user=personas.analyst, comment="Pris en charge.")
    shortage_update(shortage_id=world.shortages[0].pk, user=personas.analyst, description="Importation en cours.")
    token_issue(user=personas.hospital_a_user, name="Logiciel de la pharmacie")
    token_issue(user=personas.association_user, name="ERP de l'association")
    return world


def _usernames(personas) -> set[str]:
    users = (
        personas.analyst,
        personas.hospital_a_user,
        personas.hospital_b_user,
        personas.association_user,
        personas.company_user,
        personas.no_role_user,
    )
    return {user.username for user in users} | {"regional"}


def _findings(text: str, usernames: set[str]) -> list[str]:
    """English words and raw codes in ``text``, each with a little context."""
    found = []
    for match in WORD.finditer(text):
        word = match.group()
        if word in usernames or word.isupper():
            continue
        if word.lower() in ENGLISH_WORDS or SNAKE_CASE.fullmatch(word):
            context = " ".join(text[max(0, match.start() - 30) : match.end() + 30].split())
            found.append(f"{word!r} in «{context}»")
    return found


def _walk(page, live_server, start: str, usernames: set[str], screenshots: Path | None, role: str) -> dict:
    """Visit every page reachable by links from ``start`` (one page per URL shape), recording what a
    reader would trip on."""
    server = urlsplit(live_server.url).netloc
    seen_shapes: set[str] = set()
    queue = deque([start])
    report: dict[str, list[str]] = {"english": [], "console": [], "status": [], "pages": []}
    page.on(
        "console",
        lambda message: report["console"].append(f"{page.url}: {message.text}") if message.type == "error" else None,
    )
    page.on(
        "response",
        lambda answer: report["status"].append(f"{answer.status} {answer.url}") if answer.status > 399 else None,
    )
    while queue and len(report["pages"]) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        parts = urlsplit(url)
        shape = re.sub(r"\d+", "N", parts.path) + ("?" if parts.query else "")
        if parts.netloc != server or shape in seen_shapes or parts.path.startswith(SKIPPED_PATHS):
            continue
        if "format=" in parts.query or "lang=" in parts.query:
            continue
        seen_shapes.add(shape)
        answer = page.goto(url)
        if answer is None or "text/html" not in (answer.headers.get("content-type") or ""):
            continue
        page.wait_for_load_state("networkidle")
        report["pages"].append(parts.path + (f"?{parts.query}" if parts.query else ""))
        report["english"] += [
            f"{parts.path}: {finding}" for finding in _findings(page.evaluate(VISIBLE_TEXT), usernames)
        ]
        if screenshots is not None:
            page.screenshot(path=screenshots / f"{role}-{len(report['pages']):02d}.png", full_page=True)
        for href in page.eval_on_selector_all("a[href]", "links => links.map((link) => link.getAttribute('href'))"):
            queue.append(urljoin(page.url, href).split("#")[0])
    return report


@pytest.mark.parametrize("role", ["analyst", "regional", "hospital_a_user", "association_user", "company_user"])
def test_every_page_of_every_role_reads_in_french_without_errors(page, live_server, login, personas, walk_world, role):
    # given
    user = _regional_analyst(personas) if role == "regional" else getattr(personas, role)
    screenshots = Path(os.environ["WALK_SCREENSHOTS"]) if os.environ.get("WALK_SCREENSHOTS") else None
    login(user)
    # when
    report = _walk(page, live_server, page.url, _usernames(personas), screenshots, role)
    # then
    assert len(report["pages"]) >= 5, report["pages"]
    assert report["english"] == []
    assert report["console"] == []
    assert report["status"] == []


def test_the_months_of_stock_stay_on_screen_at_phone_width(browser, live_server, personas, walk_world):
    # given a 390 px wide browser
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", personas.analyst.username)
    page.fill("input[name=password]", factories.DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click(".login-card button[type=submit]")
    # when
    page.goto(f"{live_server.url}/overview/")
    # then: the column's cells end inside the window, and nothing scrolls sideways
    cells = page.get_by_test_id("top-risk-mos")
    assert cells.count() == 3
    for index in range(cells.count()):
        box = cells.nth(index).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    context.close()


def test_the_medicine_field_suggests_as_one_types(page, live_server, login, personas):
    # given two strengths of one INN
    factories.MedicineFactory(inn="CARVEDILOL", strength="6.25 MG", dosage_form="COMPRIME")
    wanted = factories.MedicineFactory(inn="CARVEDILOL", strength="25 MG", dosage_form="COMPRIME")
    login(personas.association_user)
    page.goto(f"{live_server.url}/declarations/nouvelle/")
    # when
    page.locator("input[name=medicine]").press_sequentially("carved", delay=30)
    # then: the site's own search fills the field's list
    options = page.locator("#id_medicine-options option")
    expect(options).to_have_count(2)
    assert f"CARVEDILOL 25 MG COMPRIME · {wanted.code}" in options.evaluate_all("(all) => all.map((o) => o.value)")


@pytest.mark.parametrize("path", ["/api/schema/redoc/", "/api/schema/swagger/"])
def test_the_api_viewers_load_from_the_site_alone(page, live_server, path):
    # given
    errors, statuses = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda answer: statuses.append(answer.status))
    # when
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    # then (the fixture also fails on any request to another host)
    assert errors == []
    assert statuses and max(statuses) < 400
    assert page.locator("link[rel=icon]").first.get_attribute("href").startswith("/static/")


# Words of the French interface that an Arabic page translates (data keep their own language).
FRENCH_WORDS = frozenset(
    """
    les des une pour avec dans sur aucun aucune voir tous toutes alerte alertes médicament médicaments
    établissement établissements rupture ruptures mois jours niveau risque déclaration déclarations
    accueil rechercher filtrer exporter enregistrer annuler modifier supprimer précédent suivant
    """.split()  # noqa: SIM905 - a list of words reads better as text
)


# Names the test world gives its rows (data, shown as entered): establishments "Établissement 2",
# the commitment indicator "Part des achats locaux (%)", the journal's French comments.
DATA_PHRASES = re.compile(r"Établissement \d+|Part des achats locaux|Pris en charge|Importation en cours")


@pytest.mark.parametrize("role", ["analyst", "regional", "hospital_a_user", "association_user", "company_user"])
def test_every_page_of_every_role_reads_in_arabic_without_errors(page, live_server, login, personas, walk_world, role):
    # given a user who reads Arabic
    user = _regional_analyst(personas) if role == "regional" else getattr(personas, role)
    login(user)
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page.goto(page.url)
    assert page.evaluate("document.documentElement.lang") == "ar"
    # when
    report = _walk(page, live_server, page.url, _usernames(personas), None, f"ar-{role}")
    # then: no English, no French word of the interface, no error, nothing from another host
    french = []
    for path in report["pages"]:
        page.goto(urljoin(live_server.url, path))
        text = DATA_PHRASES.sub(" ", page.evaluate(VISIBLE_TEXT))
        for match in WORD.finditer(text):
            word = match.group()
            if word.lower() in FRENCH_WORDS and not word.isupper():
                french.append(
                    f"{path}: {word!r} in «{' '.join(text[max(0, match.start() - 30) : match.end() + 30].split())}»"
                )
    assert len(report["pages"]) >= 5, report["pages"]
    assert report["english"] == []
    assert french == [], "\n".join(french)
    assert report["console"] == []
    assert report["status"] == []
