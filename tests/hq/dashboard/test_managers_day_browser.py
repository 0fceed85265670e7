"""The region manager's and the store manager's day (issue 30), in Debian's Chromium, each
on a phone (390 px) and at a desk (1 366 px), in Finnish and in Swedish: they log in and
land on their part (the store's page, the region's page), read its figures, subscribe to
the index alerts on /alerts, get the alert's e-mail at a real SMTP server in their
language with the store's local time and the reasons, and acknowledge it in the browser.
Screenshots: artifacts/managers-day-*.png."""

from __future__ import annotations

import pytest

from hq.alerts.manage import operator
from hq.alerts.setup import save_rule
from hq.people.admin import add_user
from hq.people.roles import add_region, set_store_region
from tests.hq.alert_fixtures import worker_of
from tests.hq.alerts.test_alert_mail import unhappy_day
from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401
from tests.hq.dashboard.test_phone import WIDEST

WORDS = {
    "fi": {
        "locale": "fi-FI", "sent_to": "Lähetetään osoitteeseen {who}@hymio.test.",
        "kind": "Tyytyväisyysindeksi alle rajan", "mode": "sähköpostilla heti",
        "subject": "[Hymiö] Kamppi: indeksi 25,0 alle 75,0",
        "opened": "Avattu:", "reasons": "Tyytymättömien vastausten syyt:",
        "open": "avoin", "in_progress": "työn alla",
    },
    "sv": {
        "locale": "sv-SE", "sent_to": "Skickas till {who}@hymio.test.",
        "kind": "Nöjdhetsindex under ett värde", "mode": "per e-post genast",
        "subject": "[Hymiö] Kamppi: index 25,0 under 75,0",
        "opened": "Öppnad:", "reasons": "Skälen som de missnöjda svaren gav:",
        "open": "öppen", "in_progress": "pågår",
    },
}  # fmt: skip
PEOPLE = {  # where each lands, what their page is called, the part they subscribe to
    "maria": ("/stores/s1", "Kamppi", "store:s1"),
    "erik": ("/regions/etela", "Etelä", "region:etela"),
}
DAYS = [(who, width, language) for who in PEOPLE for width, language in ((390, "fi"), (1366, "sv"))]
DAYS += [("maria", 1366, "fi"), ("erik", 390, "sv")]


@pytest.mark.parametrize(("who", "width", "language"), DAYS)
def test_a_managers_day_from_landing_to_acknowledging_an_alert(hq, browser, smtp,  # noqa: F811
                                                                who, width, language):  # fmt: skip
    lands, called, scope = PEOPLE[who]
    day = {**WORDS[language], "lands": lands, "landing_says": called, "scope": scope}
    day["sent_to"] = day["sent_to"].format(who=who)
    inbox, mail = smtp
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "etela", "Etelä", None, now)
        set_store_region(s, "s1", "etela")
        for name, (_, _, part) in PEOPLE.items():
            add_user(s, name, PASSWORD, now, language, "manager", part, f"{name}@hymio.test")
        save_rule(s, operator(s), now, name="Index", kind="index_below", scope="",
                  params={"value": 75, "days": 1, "min_n": 30}, channels=[])  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        phone = width < 800
        size = {"width": width, "height": 844 if phone else 900}
        context = browser.new_context(
            locale=day["locale"], is_mobile=phone, has_touch=phone, viewport=size
        )
        page = context.new_page()
        _log_in(page, server.url, who)
        assert page.url == server.url + day["lands"]
        assert day["landing_says"] in page.locator("h1").inner_text()
        assert page.locator(".cards").count() >= 1  # the part's figures
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(
            WIDEST, width
        )
        page.screenshot(path=ARTIFACTS / f"managers-day-{who}-{width}-{language}-landing.png",
                        full_page=True)  # fmt: skip

        page.goto(f"{server.url}/alerts")
        form = page.locator("#subscribe")
        form.locator("select[name=kind]").select_option("index_below")
        form.locator("select[name=scope]").select_option(day["scope"])
        form.locator("select[name=mode]").select_option("now")
        assert day["sent_to"] in page.content()
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{server.url}/alerts#subscriptions")
        mine = page.locator("#my-subscriptions li").all_inner_texts()
        assert len(mine) == 1 and day["kind"] in mine[0] and day["mode"] in mine[0]
        page.screenshot(path=ARTIFACTS / f"managers-day-{who}-{width}-{language}-subscribed.png",
                        full_page=True)  # fmt: skip

        unhappy_day(hq)  # the morning goes badly at Kamppi; the worker runs
        assert worker_of(hq, mail).run_once()[0] == 1
        (message,) = inbox.messages
        assert inbox.envelopes[0][1] == [f"{who}@hymio.test"]
        assert message["Subject"].startswith(day["subject"])
        text = message.get_body(("plain",)).get_content()
        assert day["opened"] in text and "12:00 (Europe/Helsinki)" in text
        assert day["reasons"] in text and ": 67 % (20)" in text

        page.goto(f"{server.url}/alerts")
        row = page.locator("#open-alerts tbody tr").first
        assert "12:00" in row.inner_text()
        row.locator("a").first.click()
        page.wait_for_url(f"{server.url}/alerts/1")
        assert page.locator("#alert-state").inner_text() == day["open"]
        button = page.locator("#acknowledge")
        if phone:
            assert button.bounding_box()["height"] >= 44  # a thumb's tap
        with page.expect_navigation():
            button.tap() if phone else button.click()
        assert page.locator("#alert-state").inner_text() == day["in_progress"]
        assert who in page.locator("#history li[data-event=acknowledged]").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=ARTIFACTS / f"managers-day-{who}-{width}-{language}-done.png",
                        full_page=True)  # fmt: skip
        context.close()
