"""The store page's "you said, we did" forms in a real browser (Debian's Chromium through
Playwright): an action recorded with the form stands on the chart at its day, and the
kiosk message is published and cleared; a screenshot goes to artifacts/hq-store-actions.png."""

from __future__ import annotations

from hq.actions.log import messages_of
from tests.hq.conftest import LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _fill, _log_in, browser  # noqa: F401 -- the fixture


def test_an_action_and_a_message_entered_in_the_browser(hq, browser):  # noqa: F811
    _fill(hq, 200)
    with LiveServer(hq.app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _log_in(page, server.url)
        page.goto(f"{server.url}/stores/s1")
        form = page.locator("#record-action")
        assert form.locator("input[name=day]").input_value() == "2026-11-20"  # today there
        form.locator("input[name=day]").fill("2026-11-09")
        form.locator("input[type=text][name=text]").fill("Third checkout opened at 16–18")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{server.url}/stores/s1#actions")
        form = page.locator("#record-action")
        form.locator("input[name=day]").fill("2026-11-16")
        form.locator("input[type=text][name=text]").fill("Queue signs moved to the entrance")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        mark = page.locator("svg.trend line.action[data-day='2026-11-09']")
        assert mark.count() == 1
        assert "Third checkout opened at 16–18" in mark.locator("title").text_content()
        assert page.locator("svg.trend line.action").count() == 2
        assert page.locator("ol.actions li").all_inner_texts()[1].startswith("Mon 2026-11-16")

        row = page.locator("#kiosk-message tr[data-language=sv]")
        row.locator("input[type=text][name=text]").fill("Vi öppnade en tredje kassa kl. 16–18")
        row.locator("button[type=submit]").first.click()
        page.wait_for_url(f"{server.url}/stores/s1#kiosk-message")
        row = page.locator("#kiosk-message tr[data-language=sv]")
        said = "Vi öppnade en tredje kassa kl. 16–18"
        assert row.locator("input[type=text][name=text]").input_value() == said
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("svg.trend").scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "hq-store-actions.png", full_page=True)
        row.locator("button.link").click()  # Clear
        page.wait_for_url(f"{server.url}/stores/s1#kiosk-message")
    with hq.sessions() as s:
        assert messages_of(s, "s1") == {}
