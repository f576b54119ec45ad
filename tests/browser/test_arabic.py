"""An analyst reads the pages in Arabic: right to left, with grouped figures and French free text laid
out in the order they are read (what only a browser's layout shows)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.world import build_world

# The horizontal positions of the first and last characters of the first text node that holds
# ``text``, as the browser lays them out.
EDGES = """(text) => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const box = (index) => {
      const range = document.createRange();
      range.setStart(node, index);
      range.setEnd(node, index + 1);
      return range.getBoundingClientRect();
    };
    return {first: box(at).left, last: box(at + text.length - 1).left};
  }
  return null;
}"""


def test_figures_and_french_text_keep_their_order_in_arabic_pages(page, live_server, login, personas):
    # given an alert raised by 1250 units of usable stock, and a shortage described in French
    world = build_world(personas, size=1)
    alert, shortage = world.alerts[0], world.shortages[0]
    alert.value = {"usable_stock": 1250}
    alert.save(update_fields=["value"])
    shortage.description = "Rupture déclarée par le fabricant (lot rappelé)."
    shortage.save(update_fields=["description"])
    login(personas.analyst)
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    # when the analyst reads the alert in Arabic
    page.goto(f"{live_server.url}/alerts/{alert.pk}/")
    # then the page runs right to left, and in the Arabic sentence 1 250 reads "1 250", not "250 1"
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_test_id("alert-figure")).to_contain_text("المخزون القابل للاستعمال")
    figure = page.evaluate(EDGES, "1\xa0250")
    assert figure and figure["first"] < figure["last"]
    # when the analyst opens the shortage
    page.goto(f"{live_server.url}/shortages/{shortage.pk}/")
    # then its French description runs left to right, its full stop at its end
    description = page.evaluate(EDGES, "Rupture déclarée par le fabricant (lot rappelé).")
    assert description and description["first"] < description["last"]
