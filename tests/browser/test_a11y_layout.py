"""Accessibility that only a browser's layout shows (WCAG 2.1 AA): pages that fit a 320 px screen
without scrolling sideways (1.4.10), badge text and the focus ring that stand out (1.4.3, 1.4.11,
2.4.7), a language select that the arrow keys do not send (3.2.2), and Arabic breadcrumbs that keep
the reading order of Latin names."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.world import build_world

# WCAG's contrast ratio of two computed CSS colours (rgb() or rgba(), alpha ignored: they are opaque).
RATIO = """
const channels = (css) => css.match(/[\\d.]+/g).slice(0, 3).map(Number);
const luminance = (css) => {
  const [r, g, b] = channels(css).map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (a, b) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
"""

# The first colour of a box-shadow ("rgb(27, 31, 36) 0px 0px 0px 2px"), or null for "none".
SHADOW = "const shadowColour = (css) => (css === 'none' ? null : css.match(/rgba?\\([^)]*\\)/)[0]);"


def _arabic(page, live_server) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])


def _page_width(page) -> dict:
    return page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, view: document.documentElement.clientWidth})"
    )


def test_pages_fit_a_320_px_screen_in_french_and_arabic(page, live_server, login, personas):
    # given a hospital user with a long name, and a shortage with a mitigation action
    world = build_world(personas, size=1)
    user = personas.hospital_a_user
    user.first_name, user.last_name = "Pharmacie", "hospitalière"
    user.save(update_fields=["first_name", "last_name"])
    shortage = world.shortages[0]
    page.set_viewport_size({"width": 320, "height": 800})
    pages = [
        (user, "/stock/reports/upload/"),  # two cards side by side and a file field
        (personas.analyst, f"/shortages/{shortage.pk}/"),  # a table with a hidden label in each row
    ]
    for language in ("fr", "ar"):
        for reader, path in pages:
            page.context.clear_cookies()
            login(reader)
            if language == "ar":
                _arabic(page, live_server)
            # when the page is read on a 320 px wide screen (or at 400 % zoom)
            page.goto(f"{live_server.url}{path}")
            # then it does not scroll sideways: only a table may, in its own box
            width = _page_width(page)
            assert width["scroll"] <= width["view"], f"{path} in {language}: {width}"


def test_badges_and_the_focus_ring_stand_out(page, live_server, login, personas):
    # given alerts of every level, and a shortage whose dates can be changed
    world = build_world(personas, size=1)
    login(personas.analyst)
    page.goto(f"{live_server.url}/alerts/")
    # then the text of every risk badge has 4.5:1 on its background
    ratios = page.evaluate(
        "() => {"
        + RATIO
        + """
        return [...document.querySelectorAll('.badge')].map((badge) => {
          const style = getComputedStyle(badge);
          return [badge.className, ratio(style.color, style.backgroundColor)];
        });
      }"""
    )
    assert {name for name, _ in ratios} >= {"badge badge--high", "badge badge--critical", "badge badge--medium"}
    assert all(value >= 4.5 for _, value in ratios), ratios
    # when a link of the page takes the focus from the keyboard
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # then its focus ring has 3:1 against the page behind it (a yellow ring alone: 1.9:1)
    ring = page.evaluate(
        "() => {"
        + RATIO
        + SHADOW
        + """
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const page = getComputedStyle(document.documentElement).backgroundColor;
        const colours = [style.outlineStyle === 'none' ? null : style.outlineColor, shadowColour(style.boxShadow)];
        return {inMain: !!el.closest('main'), best: Math.max(0, ...colours.filter(Boolean).map((c) => ratio(c, page)))};
      }"""
    )
    assert ring["inMain"] and ring["best"] >= 3, ring
    # when the planned end of the shortage takes the focus
    page.goto(f"{live_server.url}/shortages/{world.shortages[0].pk}/")
    date = page.locator("input[type=date]").first
    date.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    # then the date field shows the ring on each of its stops, the calendar button included (which
    # does not match :focus-visible)
    outlines = []
    while date.evaluate("(el) => el === document.activeElement") and len(outlines) < 10:
        outlines.append(date.evaluate("(el) => getComputedStyle(el).outlineStyle"))
        page.keyboard.press("Tab")
    assert len(outlines) > 1 and "none" not in outlines, outlines


def test_arrow_keys_on_the_language_select_do_not_change_the_page(page, live_server, login, personas):
    # given
    login(personas.hospital_a_user)
    page.goto(f"{live_server.url}/imports/")
    select = page.locator("#lang-select")
    # when a keyboard user goes through the languages with the arrow keys
    select.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(500)
    # then the page stays in French, and the button that sends the choice is shown
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    button = page.locator(".lang-switch button[type=submit]")
    expect(button).to_be_visible()
    # when the user confirms with Enter
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # then the page is in Arabic
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    # and a choice made with the mouse is sent at once, as before
    with page.expect_navigation():
        select.select_option("fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")


# The horizontal position of the first character of ``text`` in the breadcrumbs, as laid out.
LEFT_OF = """(text) => {
  const crumbs = document.querySelector('.breadcrumbs');
  const walker = document.createTreeWalker(crumbs, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    return range.getBoundingClientRect().left;
  }
  return null;
}"""


def test_arabic_breadcrumbs_keep_the_order_of_latin_names(page, live_server, login, personas):
    # given an establishment whose name starts with a number, and one of its medicines
    world = build_world(personas, size=1)
    establishment = personas.hospital_a
    establishment.name = "20 Août (Goulmima)"
    establishment.save(update_fields=["name"])
    medicine = world.medicines[0]
    login(personas.analyst)
    _arabic(page, live_server)
    # when the analyst opens the position in Arabic
    page.goto(f"{live_server.url}/establishments/{establishment.pk}/medicines/{medicine.pk}/")
    # then the establishment comes first, on the right, its name read "20 Août (Goulmima)"
    name, inn = page.evaluate(LEFT_OF, "20"), page.evaluate(LEFT_OF, "Goulmima")
    medicine_at = page.evaluate(LEFT_OF, medicine.inn)
    assert None not in (name, inn, medicine_at)
    assert name < inn, "the number of the name was moved to its end"
    assert medicine_at < name, "the medicine was read before its establishment"
