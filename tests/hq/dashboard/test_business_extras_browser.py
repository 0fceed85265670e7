"""The business figures beside the ratings in Chromium, on a phone (390 px) in Swedish and
at 1 366 px in Finnish: the heat map switched to transactions per staff member by its
link, a region's response rate and satisfaction by busyness, and the ranking's response
rate column; nothing wider than the screen. Screenshots in artifacts/."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hq.insight.business.saving import import_business
from hq.people.access import access_of
from tests.hq.conftest import LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _fill, _log_in, browser  # noqa: F401
from tests.hq.people.test_access import chain  # noqa: F401 -- the fixture

HEAD = "store,date,hour,transactions,sales,footfall,staff\n"


def _figures(hq) -> None:
    now = hq.clock.now
    days = [(now - timedelta(days=d)).date().isoformat() for d in range(29)]
    text = HEAD + "".join(
        f"s1,{d},{h},{10 + 6 * h + i % 7},{200 + h}.00,{60 + 4 * h},{1 + h % 3}\n"
        for i, d in enumerate(days) for h in range(8, 21)
    )  # fmt: skip
    with hq.sessions() as s:
        import_business(s, access_of(s, "admin", "admin", ""), text, now)
        s.commit()


@pytest.mark.parametrize(
    ("width", "language", "says"),
    [(390, "sv", ("Köp per anställd och timme", "inga affärssiffror", "Affärssiffror",
                  "Svar per 100 köp")),
     (1366, "fi", ("Ostotapahtumia työntekijää kohden tunneittain", "ei liiketoiminnan lukuja",
                   "Liiketoiminnan luvut", "Vastauksia / 100 ostotapahtumaa"))],
)  # fmt: skip
def test_the_business_figures_on_the_store_region_and_all_stores_pages(
    hq, chain, browser, width, language, says  # noqa: F811
):  # fmt: skip
    _fill(hq)
    _figures(hq)
    ARTIFACTS.mkdir(exist_ok=True)
    wide = {}
    with LiveServer(hq.app) as server:
        context = browser.new_context(viewport={"width": width, "height": 844},
                                      extra_http_headers={"Accept-Language": language})  # fmt: skip
        page = context.new_page()
        _log_in(page, server.url, "admin")
        page.goto(f"{server.url}/stores/s1")
        page.click("#heat-switch a[data-heat=busy]")
        page.wait_for_url(lambda at: "heat=busy" in at)
        heading = page.locator("h2#heat")
        assert heading.inner_text() == says[0]
        busy = page.locator("svg.heat.busy")
        assert busy.locator("rect.cell.busy").count() == 7 * 13
        assert says[1] in busy.locator("rect[data-busy=none] title").first.text_content()
        wide["store"] = page.evaluate("document.documentElement.scrollWidth")
        heading.locator("xpath=..").screenshot(
            path=str(ARTIFACTS / f"business-heat-busy-{width}-{language}.png")
        )
        page.click("#heat-switch a[data-heat=unhappy]")
        page.wait_for_url(lambda at: "heat=unhappy" in at)
        assert page.locator("svg.heat:not(.busy)").count() == 1
        page.goto(f"{server.url}/regions/fi")
        section = page.locator("#region-business")
        assert says[2] in section.inner_text()
        assert section.locator("tr[data-band]").count() == 5
        assert section.locator("[data-rate='1'] [data-col=per-100]").inner_text() != ""
        wide["region"] = page.evaluate("document.documentElement.scrollWidth")
        section.screenshot(path=str(ARTIFACTS / f"business-region-{width}-{language}.png"))
        page.goto(f"{server.url}/")
        ranking = page.locator("table.ranking").first
        assert says[3].upper() in ranking.inner_text().upper()
        rate = ranking.locator("tr[data-store=s1] [data-metric=response-rate]").inner_text()
        assert rate[0].isdigit() and "," in rate  # a figure, with a decimal comma
        wide["ranking"] = page.evaluate("document.documentElement.scrollWidth")
        ranking.locator("xpath=..").screenshot(
            path=str(ARTIFACTS / f"business-ranking-{width}-{language}.png")
        )
        context.close()
    assert all(w <= width for w in wide.values()), wide
