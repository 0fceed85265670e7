"""What changed this week on the store page and the region page, in a real browser
(Debian's Chromium, Playwright), in Finnish and Swedish at 390 and 1 366 px (issue 33):
the planted change told in words with its n and test, a quiet store told "no change",
nothing scrolling sideways. Screenshots go to ``artifacts/weekly/``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hq.insight.weekly.summary import last_week
from hq.people.admin import add_store
from hq.people.roles import add_region, set_store_region
from tests.hq.conftest import NOON, PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture
from tests.hq.insight.weekly.simulated import keep, store_weeks

NORM = last_week(NOON.date())[0] - timedelta(weeks=8)
WORDS = {  # the heading, the planted change, and a quiet store's line
    "fi": ("Mikä muuttui viikolla", "Tyytymättömien osuus maanantaisin iltaisin (klo 17 alkaen) "
           "nousi", "Ei muutoksia tavallisen viikoittaisen vaihtelun lisäksi."),
    "sv": ("Vad som ändrades veckan", "Andelen missnöjda på måndagar på kvällarna (från kl. 17) "
           "steg", "Ingen förändring utöver den vanliga variationen från vecka till vecka."),
}  # fmt: skip
WIDE = "() => document.documentElement.scrollWidth"


def _chain(hq) -> None:
    with hq.sessions() as s:
        add_region(s, "south", "Etelä", None, hq.clock.now)
        add_store(s, "s9", "Itäkeskus", "Europe/Helsinki", hq.clock.now)
        for store in ("s1", "s9"):
            set_store_region(s, store, "south")
    keep(hq, "s1", store_weeks(11, planted={"weekday": 0, "hours": (17, 24), "share": 0.5},
                               first=NORM))  # fmt: skip
    keep(hq, "s9", store_weeks(23, first=NORM))


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_what_changed_this_week_on_a_phone_and_a_laptop(hq, browser, lang):  # noqa: F811
    _chain(hq)
    folder = ARTIFACTS / "weekly"
    folder.mkdir(parents=True, exist_ok=True)
    heading, planted, quiet = WORDS[lang]
    with LiveServer(hq.app) as server:
        for width in (390, 1366):
            context = browser.new_context(
                viewport={"width": width, "height": 844 if width < 800 else 900},
                extra_http_headers={"Accept-Language": lang},
            )
            page = context.new_page()
            page.goto(f"{server.url}/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("form.login button[type=submit]")
            page.goto(f"{server.url}/stores/s1")
            weekly = page.locator("#weekly")
            assert weekly.get_attribute("data-verdict") == "changes"
            assert weekly.locator("h2").inner_text().startswith(heading)
            first = weekly.locator("ol.weekly li").first
            assert first.get_attribute("data-where") == "weekday=0,hours=evening"
            text = first.inner_text()
            assert text.startswith(planted) and f"(n = {first.get_attribute('data-n')})" in text
            assert "Holm" in text
            assert page.evaluate(WIDE) <= width + 1
            weekly.scroll_into_view_if_needed()
            page.screenshot(path=str(folder / f"store-{lang}-{width}.png"), full_page=True)
            page.goto(f"{server.url}/stores/s9")
            assert page.locator("#weekly").get_attribute("data-verdict") == "no_change"
            assert page.locator("#weekly .weekly-line").inner_text() == quiet
            page.goto(f"{server.url}/regions/south")
            region = page.locator("#weekly")
            assert region.get_attribute("data-verdict") == "changes"
            assert region.locator("ol.weekly li").count() >= 1
            assert page.evaluate(WIDE) <= width + 1
            page.screenshot(path=str(folder / f"region-{lang}-{width}.png"), full_page=True)
            context.close()
