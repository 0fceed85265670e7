"""The admin makes a web link on the store's page in a real browser (Debian's Chromium),
on a phone (390 px) in Finnish and at 1366 px in Swedish: the link appears with its
channel and stage, a kiosk gets a stage, and the link opens the survey. Screenshots go to
artifacts/chain-touchpoints-*.png."""

from __future__ import annotations

from sqlalchemy import select

from hq.people.admin import add_user
from hq.tables.models import Device
from tests.hq.conftest import PASSWORD, LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401
from tests.hq.dashboard.test_phone import WIDEST


def test_an_admin_makes_a_link_sets_stages_and_opens_it(hq, browser):  # noqa: F811
    with hq.sessions() as s:
        add_user(s, "aino", PASSWORD, hq.clock.now, "fi", "admin", "")
    ARTIFACTS.mkdir(exist_ok=True)
    with LiveServer(hq.app) as server:
        phone = browser.new_context(locale="fi-FI", viewport={"width": 390, "height": 844},
                                    is_mobile=True, has_touch=True).new_page()  # fmt: skip
        _log_in(phone, server.url, "aino")
        phone.goto(f"{server.url}/chain/stores/s1")
        form = phone.locator("#add-link")
        form.locator("input[name=name]").fill("Juliste ovella")
        form.locator("select[name=stage]").select_option("entrance")
        form.locator("button[type=submit]").tap()
        phone.wait_for_url("**#touchpoints")
        row = phone.locator('#store-touchpoints tr[data-kind="web"]')
        assert "Juliste ovella" in row.inner_text() and "Verkkolinkki" in row.inner_text()
        assert row.locator("select[name=stage]").input_value() == "entrance"
        kiosk = phone.locator('#store-touchpoints tr[data-device="k1"]')
        kiosk.locator("select[name=stage]").select_option("checkout")
        with phone.expect_navigation():
            kiosk.locator("button[type=submit]").tap()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, phone.evaluate(
            WIDEST, 390
        )
        phone.locator("#touchpoints").scroll_into_view_if_needed()
        phone.screenshot(path=ARTIFACTS / "chain-touchpoints-fi-phone.png", full_page=True)
        with hq.sessions() as s:
            link = s.scalar(select(Device).where(Device.kind == "web"))
            assert s.get(Device, "k1").stage == "checkout"
        address = row.locator("a.code").inner_text()
        assert address == f"{server.url}/r/{link.code}"

        wide = browser.new_context(locale="sv-SE", viewport={"width": 1366, "height": 900})
        desk = wide.new_page()
        _log_in(desk, server.url, "admin")
        desk.goto(f"{server.url}/chain/stores/s1")
        desk.locator("#touchpoints").scroll_into_view_if_needed()
        desk.screenshot(path=ARTIFACTS / "chain-touchpoints-sv-desktop.png", full_page=True)
        desk.goto(address)
        assert desk.locator("html").get_attribute("lang") in ("sv", "fi")
        assert desk.get_by_role("button").count() == 4
