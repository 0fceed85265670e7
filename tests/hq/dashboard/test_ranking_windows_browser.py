"""The analyst, and a manager on a phone, in headless Chromium: the all-stores page shows
the first rows of the ranking and a link to the whole of it; the whole ranking goes page
by page with the filters kept; the place heading turns the order round (the worst first);
nothing is wider than the phone. In English, Finnish and Swedish, at 390 and 1 366 px."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture
from tests.hq.dashboard.test_ranking_windows import chain  # noqa: F401 -- the fixture

WORDS = {  # the link to the whole ranking, and the way back, in each language
    "en": ("Every store ranked by CSAT %", "← All stores"),
    "fi": ("Kaikki myymälät paremmuusjärjestyksessä (CSAT %)", "← Kaikki myymälät"),
    "sv": ("Alla butiker i rangordning efter CSAT %", "← Alla butiker"),
}


def _order(page) -> list[str]:
    return [r.get_attribute("data-store") for r in page.locator("#ranking-csat tbody tr").all()]


@contextmanager
def admin_at(browser, app, lang: str, width: int) -> Iterator[tuple]:  # noqa: F811
    """A page in *lang* at *width* px (a phone's height below 800 px) with the admin
    logged in on a live HQ of *app*, landing on the all-stores page: (page, server)."""
    context = browser.new_context(
        viewport={"width": width, "height": 844 if width < 800 else 900}, locale=lang
    )
    page = context.new_page()
    try:
        with LiveServer(app) as server:
            admin_in(page, server)
            yield page, server
    finally:
        context.close()


def admin_in(page, server) -> None:
    """Log the admin in on *page*, landing on the all-stores page."""
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def every_page(page, order, kept: str = "") -> list[str]:
    """The rows *order* reads on each page of a whole ranking, following its pager's
    "next" from the page shown to the last; every page's address holds *kept*."""
    seen = order(page)
    while (following := page.locator("nav.pager a[rel=next]")).count():
        following.click()
        page.wait_for_load_state()
        assert kept in page.url
        seen += order(page)
    return seen


@pytest.mark.parametrize(("lang", "width"), [("en", 1366), ("fi", 390), ("sv", 390), ("fi", 1366)])
def test_the_first_rows_then_the_whole_ranking_page_by_page(chain, browser, lang, width):  # noqa: F811
    with admin_at(browser, chain.app, lang, width) as (page, _):
        assert _order(page) == ["s1", "s2", "s3"]
        more = page.locator("#more-csat")
        assert more.is_visible() and "3" in more.inner_text() and "8" in more.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=ARTIFACTS / f"hq-ranking-first-{lang}-{width}.png", full_page=True)

        more.get_by_role("link", name=WORDS[lang][0]).click()
        page.wait_for_url("**ranking=csat**")
        seen = every_page(page, _order)
        assert seen == [f"s{i}" for i in range(1, 9)]  # every store once, in the ranking's order
        assert page.locator("#stores").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=ARTIFACTS / f"hq-ranking-whole-{lang}-{width}.png", full_page=True)

        page.locator("#ranking-csat thead a[href*='sort=-rank']").click()
        page.wait_for_url("**sort=-rank**")
        assert "ranking=csat" in page.url and _order(page) == ["s7", "s6"]  # the worst first
        page.get_by_role("link", name=WORDS[lang][1]).click()
        page.wait_for_url("**sort=-rank")
        assert "ranking" not in page.url and _order(page) == ["s7", "s6", "s5"]
