"""A region's manager's day in a real browser (Debian's Chromium, Playwright), at 390 and
1 366 px, in Finnish and Swedish (issue 30): they log in and land on their region's page,
read its figures and the ranking of its stores without scrolling sideways, open a store
from the ranking, and find their region in the ranking of regions; a store's manager lands
on their store. Screenshots go to ``artifacts/regions/``."""

from __future__ import annotations

import pytest

from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture
from tests.hq.region_fixtures import READERS, build_chain

WORDS = {  # the region card's heading and the stores' ranking's, as each language says them
    "fi": ("30 päivää", "Alueen myymälät", "Alueiden joukossa"),
    "sv": ("30 dagar", "Regionens butiker", "Bland regionerna"),
}
WIDE = "() => document.documentElement.scrollWidth"


def _log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_a_region_managers_day_on_a_phone_and_a_laptop(hq, browser, lang):  # noqa: F811
    build_chain(hq)
    south = f"u{READERS.index(('manager', 'region:south'))}"
    shop = f"u{READERS.index(('manager', 'store:s1'))}"
    folder = ARTIFACTS / "regions"
    folder.mkdir(parents=True, exist_ok=True)
    days, stores_title, among = WORDS[lang]
    with LiveServer(hq.app) as server:
        for width in (390, 1366):
            context = browser.new_context(
                viewport={"width": width, "height": 844 if width < 800 else 900},
                locale={"fi": "fi-FI", "sv": "sv-SE"}[lang],
                extra_http_headers={"Accept-Language": lang},
            )
            page = context.new_page()
            _log_in(page, server.url, south)
            page.wait_for_url(f"{server.url}/regions/south")
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("h1").inner_text().startswith("Etelä")
            card = page.locator("#region-cards .card[data-period='30 days']")
            assert card.locator("h2").inner_text().casefold() == days.casefold()
            assert card.locator("[data-metric=count]").inner_text() == "92"
            assert card.locator("[data-metric=csat]").inner_text().startswith("67,4")
            assert among.casefold() in page.locator("#region-place h2").inner_text().casefold()
            assert page.locator("h2", has_text=stores_title).count() == 1
            ranked = page.locator("#ranking-stores-csat tbody tr")
            assert ranked.count() == 2
            assert ranked.first.get_attribute("data-store") == "s1"
            assert ranked.first.get_attribute("data-rank") == "1"
            assert page.evaluate(WIDE) <= width + 1  # nothing scrolls the page sideways
            page.screenshot(path=str(folder / f"region-{lang}-{width}.png"), full_page=True)
            ranked.first.locator("a").click()  # the store from the ranking
            page.wait_for_url(f"{server.url}/stores/s1")
            page.goto(f"{server.url}/regions")
            rows = page.locator("table.ranking tbody tr")
            assert rows.count() == 1 and rows.first.get_attribute("data-region") == "south"
            assert page.evaluate(WIDE) <= width + 1
            page.screenshot(path=str(folder / f"regions-{lang}-{width}.png"), full_page=True)
            context.close()
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      extra_http_headers={"Accept-Language": lang})  # fmt: skip
        page = context.new_page()
        _log_in(page, server.url, shop)
        page.wait_for_url(f"{server.url}/stores/s1")
        context.close()
