"""The analyst's pages in headless Chromium (issue 18): the ranking's order, the complaint
spike darkest in the heat map and an hour with too few ratings showing nothing, the
weekday and hour filter taken from the form, and the Excel export downloaded and read
back. (The language switch and the CSV download are in their own browser tests.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hq.people.admin import add_device, add_store
from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture
from tests.hq.dashboard.test_ranking_page import _send as send_to
from tests.hq.exports import read_xlsx
from tests.hq.insight.test_heat_map import MONDAY_16, _send


def test_ranking_heat_map_filters_and_excel_in_a_browser(hq, browser):  # noqa: F811 -- fixture
    _send(hq, MONDAY_16, [1] * 60)  # the spike: 60 very unhappy presses, Monday 16–17h
    _send(hq, MONDAY_16 + timedelta(days=1), [4] * 80)  # Tuesday 16h: busy and happy
    _send(hq, MONDAY_16 + timedelta(days=2), [1, 1, 1])  # Wednesday 16h: only 3 ratings
    with hq.sessions() as s:
        add_store(s, "s3", "Oulu", "Europe/Helsinki", hq.clock.now)
        oulu = add_device(s, "s3", "k3", hq.clock.now)
    send_to(hq, oulu, "k3", "s3", [4] * 40, "smiley4")  # 100 % happy
    send_to(hq, hq.extra_devices["k2"], "k2", "s2", [4] * 10 + [1] * 30, "smiley4")  # 25 %
    with LiveServer(hq.app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.goto(f"{server.url}/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/")
        ranked = page.locator("#ranking-csat tbody tr")
        order = [r.get_attribute("data-store") for r in ranked.all()]
        assert order == ["s3", "s1", "s2"]  # 100 %, 56 %, 25 %
        page.screenshot(path=ARTIFACTS / "hq-ranking.png", full_page=True)

        page.goto(f"{server.url}/stores/s1")
        cell = page.locator("#heat-map rect.cell")
        opacity = {
            c.get_attribute("data-count"): float(c.get_attribute("fill-opacity") or 0)
            for c in cell.all()
            if (c.get_attribute("data-count") or "").isdigit()
        }
        assert opacity["60"] == max(opacity.values())  # the spike, not the busier hour
        few = page.locator("#heat-map rect.cell[data-count=few]")
        assert few.count() == 1 and "3" not in few.first.text_content()  # its title: no count

        page.check("input[name=weekday][value='0']")  # Mondays only
        page.fill("input[name=hour_from]", "16")
        page.fill("input[name=hour_to]", "16")
        page.click("#range button[type=submit]")
        page.wait_for_url("**hour_from=16**")
        assert page.locator("#when").inner_text().startswith("Only the hours 16:00–16:59.")
        counts = page.locator("section.cards .card").first.locator("[data-metric=count]")
        assert counts.inner_text() == "60"
        page.screenshot(path=ARTIFACTS / "hq-store-mondays.png", full_page=True)

        page.goto(f"{server.url}/stores/s1")
        with page.expect_download() as download:
            page.click("#export-xlsx")
        sheets = read_xlsx(Path(download.value.path()).read_bytes())
        assert len(sheets["Ratings"]) == 143
        assert {r["store_name"] for r in sheets["Ratings"]} == {"Kamppi"}
