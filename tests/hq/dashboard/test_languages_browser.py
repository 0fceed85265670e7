"""The header's language picker in a real browser (Debian's Chromium, Playwright): a user
switches to Finnish, the store page is Finnish and stays so after a reload, another
user still reads English. The screenshot goes to ``artifacts/dashboard-fi.png``."""

from __future__ import annotations

import random
import re
from datetime import timedelta

from hq.people.admin import add_user
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture


def _fill(hq, n: int = 300) -> None:
    rnd = random.Random(18)
    ratings = [
        hq.rating(
            score=rnd.choice([1, 2, 3, 3, 4, 4, 4]),
            reason=rnd.choice([None, "queue", "staff", "prices"]),
            flag=rnd.choice([None] * 9 + ["repeat"]),
            recorded_at=to_utc_text(hq.clock.now - timedelta(minutes=rnd.randint(0, 29 * 1440))),
        )
        for _ in range(n)
    ]
    assert hq.post(ratings).status_code == 200
    hq.client.post("/api/v1/heartbeat", headers=hq.auth(), json={"version": "0.3.0"})


def _log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_a_user_switches_to_finnish_and_keeps_it_while_others_read_english(hq, browser):  # noqa: F811
    _fill(hq)
    with hq.sessions() as s:
        add_user(s, "brita", PASSWORD, hq.clock.now)
    with LiveServer(hq.app) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        page = context.new_page()
        _log_in(page, server.url, "admin")
        page.goto(f"{server.url}/stores/s1")
        assert page.locator("html").get_attribute("lang") == "en"
        english_csat = page.locator(".card[data-period='30 days'] .big").inner_text()

        page.select_option("#language select[name=language]", "fi")
        page.click("#language button[type=submit]")
        page.wait_for_url(f"{server.url}/stores/s1")
        assert page.locator("html").get_attribute("lang") == "fi"
        assert page.locator("nav a[href='/']").inner_text() == "Myymälät"
        assert page.locator("h2", has_text="Päivittäin").count() == 1
        finnish_csat = page.locator(".card[data-period='30 days'] .big").inner_text()
        assert "," in finnish_csat and finnish_csat == english_csat.replace(".", ",")
        first_day = page.locator("#daily tbody tr td").first.inner_text()
        assert re.fullmatch(r"(ma|ti|ke|to|pe|la|su) \d{1,2}\.\d{1,2}\.2026", first_day)
        assert page.locator("#daily tbody tr").first.get_attribute("data-date") == "2026-11-20"
        assert page.locator("#range input[name=from]").input_value() == "2026-10-22"

        page.reload()
        assert page.locator("html").get_attribute("lang") == "fi"  # saved for the user
        assert page.locator("h2", has_text="Miksi asiakkaat olivat tyytymättömiä").is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "dashboard-fi.png", full_page=True)
        # Nothing overflows the page sideways (the wide tables scroll inside their box).
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        context.close()

        other = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        page = other.new_page()
        _log_in(page, server.url, "brita")
        page.goto(f"{server.url}/stores/s1")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h2", has_text="Day by day").count() == 1
        other.close()
