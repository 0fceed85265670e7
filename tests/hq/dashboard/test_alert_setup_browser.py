"""Alert setup in a real browser (Debian's Chromium through Playwright): an admin in
Swedish makes an e-mail channel and a webhook channel, tests each with "Test this
channel" against a real SMTP server and a webhook receiver on 127.0.0.1, then makes a rule
with both, which fires at the SMTP server when the worker runs. Screenshots go to
artifacts/hq-alert-setup-*.png."""

from __future__ import annotations

from tests.hq.alert_fixtures import SECRET, verified, worker_of
from tests.hq.conftest import LiveServer
from tests.hq.dashboard.test_alert_setup import mail_env
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401


def test_an_admin_makes_a_rule_and_channels_and_tests_them_in_the_browser(
    hq,
    browser,  # noqa: F811
    smtp,
    webhook,
    monkeypatch,
):
    inbox, mail = smtp
    mail_env(monkeypatch, mail)
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        context = browser.new_context(locale="sv-SE", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        _log_in(page, server.url)
        page.goto(f"{server.url}/alerts")
        page.click("#setup-link")
        assert page.locator("h1").inner_text() == "Larmregler och kanaler"
        form = page.locator("#channel-form")
        form.locator("input[name=name]").fill("drift")
        form.locator("select[name=kind]").select_option("email")
        form.locator("input[name=target]").fill("drift@hymio.test")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{server.url}/alerts/setup")
        form = page.locator("#channel-form")
        form.locator("input[name=name]").fill("krok")
        form.locator("select[name=kind]").select_option("webhook")
        form.locator("input[name=target]").fill(webhook.url)
        form.locator("input[name=secret]").fill(SECRET)
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{server.url}/alerts/setup")
        assert page.locator("#setup-channels tbody tr").count() == 2
        page.locator("tr[data-channel=drift] button.test-channel").click()
        assert page.locator("#tested").get_attribute("data-ok") == "yes"
        assert "Testmeddelande skickat till drift" in page.locator("#tested").inner_text()
        assert len(inbox.messages) == 1 and inbox.envelopes[0][1] == ["drift@hymio.test"]
        page.locator("tr[data-channel=krok] button.test-channel").click()
        assert page.locator("#tested").get_attribute("data-ok") == "yes"
        assert verified(webhook.accepted()[0]) and webhook.accepted()[0]["json"]["test"]
        page.screenshot(path=ARTIFACTS / "hq-alert-setup-tested.png", full_page=True)
        page.locator("#new-rule select[name=kind]").select_option("clock_unsynced")
        page.locator("#new-rule button[type=submit]").click()
        form = page.locator("#rule-form")
        form.locator("input[name=name]").fill("Klockor i Kamppi")
        form.locator("select[name=scope]").select_option("store:s1")
        form.locator("input[name=channels][value=drift]").check()
        form.locator("input[name=channels][value=krok]").check()
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{server.url}/alerts/setup")
        row = page.locator("#setup-rules tr[data-rule='1']")
        assert "Klockor i Kamppi" in row.inner_text() and "drift, krok" in row.inner_text()
        assert "En kiosks klocka är inte synkroniserad" in row.inner_text()
        page.screenshot(path=ARTIFACTS / "hq-alert-setup.png", full_page=True)
        context.close()
    # the rule fires: the kiosk of s1 says its clock is off
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth())
    assert worker_of(hq, mail).run_once() == (1, 2)
    assert len(inbox.messages) == 2 and "Kamppi" in inbox.messages[1]["Subject"]
    assert webhook.accepted()[-1]["json"]["rule"] == "Klockor i Kamppi"
