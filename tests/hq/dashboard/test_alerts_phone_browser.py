"""A store manager's alert day on a phone (issue 30), in a real browser (Debian's Chromium
through Playwright) at 390 × 844 px in Finnish: she subscribes to the index alerts of her
store on /alerts, the rule fires, the e-mail arrives at a real SMTP server in Finnish
with the store's local time and the reasons, and she acknowledges the alert from the
phone. Screenshots go to artifacts/hq-alerts-phone-*.png."""

from __future__ import annotations

from hq.alerts.manage import operator
from hq.alerts.setup import save_rule
from hq.people.admin import add_user
from tests.hq.alert_fixtures import worker_of
from tests.hq.alerts.test_alert_mail import unhappy_day
from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401


def test_a_store_manager_subscribes_gets_the_mail_and_acknowledges_on_a_phone(
    hq,
    browser,  # noqa: F811
    smtp,
):
    inbox, mail = smtp
    now = hq.clock.now
    with hq.sessions() as s:
        add_user(s, "maria", PASSWORD, now, "fi", "manager", "store:s1", "maria@hymio.test")
        save_rule(s, operator(s), now, name="Indeksi", kind="index_below", scope="",
                  params={"value": 75, "days": 1, "min_n": 30}, channels=[])  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        context = browser.new_context(
            locale="fi-FI", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        _log_in(page, server.url, "maria")
        page.goto(f"{server.url}/alerts")
        form = page.locator("#subscribe")
        form.locator("select[name=kind]").select_option("index_below")
        assert form.locator("select[name=scope] option").all_inner_texts() == ["Kamppi"]
        form.locator("select[name=mode]").select_option("now")
        assert "Lähetetään osoitteeseen maria@hymio.test." in page.content()
        form.locator("button[type=submit]").tap()
        page.wait_for_url(f"{server.url}/alerts#subscriptions")
        mine = page.locator("#my-subscriptions li").all_inner_texts()
        assert len(mine) == 1 and "Tyytyväisyysindeksi alle rajan" in mine[0]
        assert "sähköpostilla heti" in mine[0]
        page.screenshot(path=ARTIFACTS / "hq-alerts-phone-subscribed.png", full_page=True)
        from tests.hq.dashboard.test_phone import WIDEST

        assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(
            WIDEST, 390
        )

        unhappy_day(hq)  # the morning goes badly; the worker runs
        assert worker_of(hq, mail).run_once() == (1, 1)
        (message,) = inbox.messages
        assert inbox.envelopes[0][1] == ["maria@hymio.test"]
        assert message["Subject"].startswith("[Hymiö] Kamppi: indeksi 25,0 alle 75,0")
        text = message.get_body(("plain",)).get_content()
        assert "Avattu: pe 20.11.2026 12:00 (Europe/Helsinki)" in text
        assert "Tyytymättömien vastausten syyt:" in text and ": 67 % (20)" in text

        page.goto(f"{server.url}/alerts")
        row = page.locator("#open-alerts tbody tr").first
        assert "indeksi 25,0 alle 75,0" in row.inner_text() and "12:00" in row.inner_text()
        row.locator("a").first.tap()
        page.wait_for_url(f"{server.url}/alerts/1")
        assert page.locator("#alert-state").inner_text() == "avoin"
        button = page.locator("#acknowledge")
        assert button.bounding_box()["height"] >= 44  # a thumb's tap
        with page.expect_navigation():
            button.tap()
        assert page.locator("#alert-state").inner_text() == "työn alla"
        assert page.locator("#history li[data-event=acknowledged]").count() == 1
        assert "maria" in page.locator("#history li[data-event=acknowledged]").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=ARTIFACTS / "hq-alerts-phone-acknowledged.png", full_page=True)
        context.close()
