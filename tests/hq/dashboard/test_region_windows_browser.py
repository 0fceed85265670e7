"""A region manager, often on a phone, in headless Chromium: the region's page shows the
first rows of its stores' ranking and a link to the whole of it; the whole ranking goes
page by page with the period kept; the place heading turns the order round (the worst
first); the way back is the region's page; nothing is wider than the phone. In English,
Finnish and Swedish, at 390 and 1 366 px."""

from __future__ import annotations

import pytest

from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture
from tests.hq.dashboard.test_ranking_windows import chain  # noqa: F401 -- the fixture
from tests.hq.dashboard.test_ranking_windows_browser import admin_at, every_page
from tests.hq.dashboard.test_region_windows import region  # noqa: F401 -- the fixture

WORDS = {  # the link to the whole ranking, and the way back, in each language
    "en": ("Every store of the region ranked by CSAT %", "← The region's page"),
    "fi": ("Alueen kaikki myymälät paremmuusjärjestyksessä (CSAT %)", "← Alueen sivu"),
    "sv": ("Regionens alla butiker i rangordning efter CSAT %", "← Regionens sida"),
}


def _order(page) -> list[str]:
    rows = page.locator("#ranking-stores-csat tbody tr").all()
    return [r.get_attribute("data-store") for r in rows]


@pytest.mark.parametrize(("lang", "width"), [("en", 1366), ("fi", 390), ("sv", 390), ("sv", 1366)])
def test_a_regions_first_stores_then_its_whole_ranking(region, browser, lang, width):  # noqa: F811
    first, last = region.clock.now.date().replace(day=1), region.clock.now.date()
    days = f"from={first.isoformat()}&to={last.isoformat()}&compare=previous"
    with admin_at(browser, region.app, lang, width) as (page, server):
        page.goto(f"{server.url}/regions/r?{days}")
        assert _order(page) == ["s1", "s2", "s3"]
        more = page.locator("#more-csat")
        assert more.is_visible() and "3" in more.inner_text() and "8" in more.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=ARTIFACTS / f"hq-region-first-{lang}-{width}.png", full_page=True)

        more.get_by_role("link", name=WORDS[lang][0]).click()
        page.wait_for_url("**ranking=csat**")
        seen = every_page(page, _order, days)  # the period is kept page by page
        assert seen == [f"s{i}" for i in range(1, 9)]  # every store once, in the ranking's order
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=ARTIFACTS / f"hq-region-whole-{lang}-{width}.png", full_page=True)

        page.locator("#ranking-stores-csat thead a[href*='sort=-rank']").click()
        page.wait_for_url("**sort=-rank**")
        assert "ranking=csat" in page.url and _order(page) == ["s7", "s6"]  # the worst first
        page.get_by_role("link", name=WORDS[lang][1]).click()
        page.wait_for_url(f"**/regions/r?sort=-rank&{days}")
        assert _order(page) == ["s7", "s6", "s5"]
