"""The alert and admin pages in a real browser (Debian's Chromium through Playwright), in
Finnish: an admin adds a region and a region manager with the forms; the manager sees
the alert of their store, acknowledges it, comments and closes it, and the history says
so. Screenshots go to artifacts/hq-alerts.png, hq-alert.png and hq-admin.png."""

from __future__ import annotations

from sqlalchemy import select

from hq.alerts.manage import add_rule
from hq.tables.alerts import Alert
from tests.hq.alert_fixtures import worker_of
from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401 -- the fixture


def test_an_admin_sets_up_a_manager_who_handles_an_alert_in_the_browser(hq, browser):  # noqa: F811
    with hq.sessions() as s:
        add_rule(s, "Kellot", "clock_unsynced", "", {}, [], hq.clock.now)
    for token in (hq.token, hq.extra_devices["k2"]):
        hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth(token))
    assert worker_of(hq, None).run_once()[0] == 2
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        context = browser.new_context(locale="fi-FI", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        _log_in(page, server.url)
        page.goto(f"{server.url}/admin")
        assert page.locator("h1").inner_text() == "Ylläpito"
        form = page.locator("#add-region")
        form.locator("input[name=id]").fill("etela")
        form.locator("input[name=name]").fill("Etelä")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{server.url}/admin")
        page.goto(f"{server.url}/chain/stores/s1")  # a store is put in a region on its page
        form = page.locator("#move-store")
        form.locator("select[name=region]").select_option("etela")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{server.url}/chain/stores/s1")
        page.goto(f"{server.url}/admin")
        form = page.locator("#add-user")
        form.locator("input[name=username]").fill("maria")
        form.locator("input[name=password]").fill(PASSWORD)
        form.locator("select[name=role]").select_option("manager")
        form.locator("select[name=scope]").select_option("region:etela")
        form.locator("input[name=email]").fill("maria@hymio.test")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{server.url}/admin")
        assert page.locator("#users tr[data-user=maria]").count() == 1
        page.screenshot(path=ARTIFACTS / "hq-admin.png", full_page=True)
        context.close()

        context = browser.new_context(locale="fi-FI", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        _log_in(page, server.url, "maria")
        page.goto(f"{server.url}/alerts")
        rows = page.locator("#open-alerts tbody tr")
        assert rows.count() == 1 and "Kamppi" in rows.first.inner_text()  # not Tampere's
        assert "Tampere" not in page.content()
        assert page.locator("nav a[href='/admin']").count() == 0  # not an admin
        page.screenshot(path=ARTIFACTS / "hq-alerts.png", full_page=True)
        rows.first.locator("a").first.click()
        page.locator("#acknowledge").click()
        page.wait_for_load_state()
        assert page.locator("#alert-state").inner_text() == "työn alla"
        page.locator("#comment input[name=text]").fill("Kello korjattu, NTP palautettu")
        page.locator("#comment button[type=submit]").click()
        page.wait_for_load_state()
        page.locator("input[name=text]").first.fill("korjattu")
        page.locator("#close").click()
        page.wait_for_load_state()
        assert page.locator("#alert-state").inner_text() == "ratkaistu"
        history = page.locator("#history li").all_inner_texts()
        assert any("Kello korjattu" in h for h in history)
        kinds = page.locator("#history li").evaluate_all("li => li.map(e => e.dataset.event)")
        assert kinds == ["opened", "acknowledged", "comment", "closed"]
        page.screenshot(path=ARTIFACTS / "hq-alert.png", full_page=True)
        context.close()
    with hq.sessions() as s:
        closed = s.scalars(select(Alert).where(Alert.store_id == "s1")).one()
        assert closed.state == "closed" and closed.closed_by == "maria"
        other = s.scalars(select(Alert).where(Alert.store_id == "s2")).one()
        assert other.state == "open"
