"""The split by channel and touchpoint in Chromium (issue 32): the store page's section and
the ranking's channel filter at 390 and 1366 px, in fi, sv and en, without scrolling
sideways (a table scrolls in its own box); screenshots in artifacts/channels/."""

from __future__ import annotations

import pytest

from tests.hq.conftest import LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401
from tests.hq.insight.test_channels import NOTE, link, send, web_answers

HEADING = {"en": "By channel and touchpoint", "fi": "Kanavittain ja kontaktipisteittäin",
           "sv": "Per kanal och kontaktpunkt"}  # fmt: skip


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_split_and_the_channel_filter_in_a_browser(hq, browser):  # noqa: F811
    receipt = link(hq, name="Kuitti", stage="after_purchase")
    door = link(hq, name="Ovijuliste", stage="entrance")
    send(hq, hq.token, "k1", "s1", [4] * 30 + [2] * 10)
    web_answers(hq, receipt, "s1", [4] * 8 + [1] * 4)
    web_answers(hq, door, "s1", [3, 4])
    folder = ARTIFACTS / "channels"
    folder.mkdir(parents=True, exist_ok=True)
    with LiveServer(hq.app) as server:
        for lang in ("fi", "sv", "en"):
            for width in (390, 1366):
                context = browser.new_context(
                    viewport={"width": width, "height": 844 if width < 800 else 900},
                    extra_http_headers={"Accept-Language": lang},
                )
                page = context.new_page()
                _log_in(page, server.url)
                page.goto(f"{server.url}/stores/s1")
                section = page.locator("#channels")
                assert HEADING[lang] in section.locator("h2").inner_text()
                assert NOTE[lang] in section.inner_text()
                rows = section.locator("#by-touchpoint tbody tr")
                assert rows.count() == 3
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                section.scroll_into_view_if_needed()
                section.screenshot(path=str(folder / f"store-{width}-{lang}.png"))
                page.goto(f"{server.url}/")
                page.select_option("#channel", "web")
                page.locator("#range button[type=submit]").click()
                page.wait_for_url(lambda at: "channel=web" in at)
                assert NOTE[lang] in page.locator("#channel-note").inner_text()
                assert page.locator('#ranking-csat tr[data-store="s1"]').count() == 1
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(folder / f"ranking-web-{width}-{lang}.png"))
                context.close()
