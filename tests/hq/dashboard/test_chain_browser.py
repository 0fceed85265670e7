"""Running the chain in a real browser (Debian's Chromium through Playwright), as an admin
with no shell, at 390 px in Finnish and at 1366 px in Swedish: a region made on the Admin
page, a store with its opening hours and a holiday, a kiosk renamed, moved and retired,
and all of it read back from the audit log; screenshots go to artifacts/chain-*.png."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hq.tables.chain import AuditEvent, HoursException
from hq.tables.models import Device, Store, Survey
from tests.hq.conftest import LiveServer
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _log_in, browser  # noqa: F401 -- the fixture

SEEN = {  # a text of each language on the pages walked
    "fi": ("Myymälät ja kioskit", "Pyhät ja erikoispäivät", "Muutosloki"),
    "sv": ("Butiker och kiosker", "Helgdagar och speciella dagar", "Ändringslogg"),
}


def _submit(page, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("width", "language"), [(390, "fi"), (1366, "sv")])
def test_an_admin_runs_stores_and_kiosks_in_the_browser(hq, browser, width, language):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    shot = f"chain-{width}-{language}"
    with LiveServer(hq.app) as server:
        context = browser.new_context(
            viewport={"width": width, "height": 900},
            extra_http_headers={"Accept-Language": language},
        )
        page = context.new_page()
        url = server.url
        _log_in(page, url)
        page.goto(f"{url}/admin")
        page.fill("#add-region input[name=id]", "south")
        page.fill("#add-region input[name=name]", "Etelä")
        _submit(page, "#add-region")

        page.click("header nav.main a[href='/chain/stores']")
        assert SEEN[language][0] in page.locator("h1").inner_text()
        page.fill("#add-store input[name=id]", "itis")
        page.fill("#add-store input[name=name]", "Itis")
        page.select_option("#add-store select[name=region]", "south")
        _submit(page, "#add-store")
        assert page.url.endswith("/chain/stores/itis")
        page.fill("#store-hours input[name=mon]", "08:00-21:00")
        page.fill("#store-hours input[name=sun]", "closed")
        _submit(page, "#store-hours")
        page.fill("#add-exception input[name=day]", "2026-12-25")
        page.fill("#add-exception input[name=hours]", "closed")
        page.fill("#add-exception input[name=note]", "Joulupäivä")
        _submit(page, "#add-exception")
        assert page.locator("#store-exceptions tr[data-day='2026-12-25']").count() == 1
        assert SEEN[language][1] in page.content()
        page.screenshot(path=ARTIFACTS / f"{shot}-store.png", full_page=True)

        page.goto(f"{url}/chain/stores/s1")
        row = "#store-kiosks tr[data-device=k1]"
        page.fill(f"{row} input[name=name]", "Ovi")
        _submit(page, f"{row} form[action$='/name']")
        page.fill(f"{row} input[name=store]", "itis")  # one of the datalist's stores
        _submit(page, f"{row} form[action$='/store']")
        assert page.url.endswith("/chain/stores/itis#kiosks")
        page.screenshot(path=ARTIFACTS / f"{shot}-kiosks.png", full_page=True)
        _submit(page, f"{row} form[action$='/retire']")
        assert page.locator(f"{row}[data-retired=yes]").count() == 1

        page.goto(f"{url}/admin/audit")
        assert SEEN[language][2] in page.locator("h1").inner_text()
        keys = ("data-kind", "data-action", "data-id")
        done = [
            tuple(r.get_attribute(k) for k in keys) for r in page.locator("#audit tbody tr").all()
        ]
        assert done[:7] == [
            ("device", "retire", "k1"), ("device", "move", "k1"), ("device", "rename", "k1"),
            ("hours", "set-exception", "itis"), ("hours", "set-hours", "itis"),
            ("store", "add", "itis"), ("region", "add", "south"),
        ]  # fmt: skip
        assert "user:admin" in page.locator("#audit tbody tr").first.inner_text()
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"the audit log is {wide} px wide at {width} px"
        page.screenshot(path=ARTIFACTS / f"{shot}-audit.png", full_page=True)
        context.close()
    with hq.sessions() as s:
        assert s.get(Store, "itis").region_id == "south"
        hours = s.scalar(select(Survey).where(Survey.store_id == "itis")).body["hours"]
        assert (hours["mon"], hours["sun"]) == ("08:00-21:00", "closed")
        day = s.get(HoursException, ("itis", "2026-12-25"))
        assert (day.hours, day.note) == ("closed", "Joulupäivä")
        k1 = s.get(Device, "k1")
        assert (k1.name, k1.store_id, bool(k1.retired_at)) == ("Ovi", "itis", True)
        assert s.scalar(select(AuditEvent).order_by(AuditEvent.id.desc())).actor == "user:admin"
