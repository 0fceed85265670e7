"""The fleet page shows what the alerts read (issue 30): a kiosk's CPU temperature, free
disk and stuck buttons came in every heartbeat and raised alerts, but the fleet page hid
them. They are columns of the kiosks' table now, marked at the alert rules' default
limits; and an admin's form writes missing ratings off. Looked at in Chromium at 390 and
1366 px in Finnish and Swedish: nothing scrolls sideways, every field is a 44 px target."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import LiveServer, log_in
from tests.hq.dashboard.test_dashboard import ARTIFACTS, _fill, _log_in, browser  # noqa: F401
from tests.hq.dashboard.test_phone import TAPPED, WIDEST


def unwell(hq) -> None:
    """k1 hot, short of disk, with two stuck buttons; and a gap of its ratings."""
    beat = {"version": "0.3.0", "cpu_temperature": 81.4, "disk_free": 150_000_000,
            "stuck_buttons": [2, 3], "clock_synced": True}  # fmt: skip
    assert hq.client.post("/api/v1/heartbeat", json=beat, headers=hq.auth()).status_code == 200
    late = hq.rating(seq=hq.seq + 40, recorded_at=to_utc_text(hq.clock.now - timedelta(hours=1)))
    assert hq.post([late]).status_code == 200


def test_the_fleet_page_shows_temperature_disk_and_stuck_buttons(hq):
    unwell(hq)
    log_in(hq)
    page = hq.client.get("/fleet").text
    row = re.search(r'<tr data-device="k1".*?</tr>', page, re.S).group(0)
    assert re.search(r'class="num warn" data-temperature="81.4">81 °C<', row)
    assert re.search(r'class="num warn" data-disk-free="150000000">150 MB<', row)
    assert re.search(r'class="warn" data-stuck="2,3">2, 3<', row)
    other = re.search(r'<tr data-device="k2".*?</tr>', page, re.S).group(0)
    assert 'data-temperature="">–<' in other and 'data-stuck="">–<' in other
    for header in ("Temperature", "Disk free", "Stuck buttons"):
        assert f">{header}</th>" in page


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_fleet_and_store_pages_on_a_phone_and_a_desktop(hq, browser):  # noqa: F811
    _fill(hq)
    unwell(hq)
    (ARTIFACTS / "issue30").mkdir(parents=True, exist_ok=True)
    problems = []
    with LiveServer(hq.app) as server:
        for width, language in ((390, "fi"), (390, "sv"), (1366, "fi"), (1366, "en")):
            context = browser.new_context(
                viewport={"width": width, "height": 844 if width < 800 else 900},
                extra_http_headers={"Accept-Language": language},
            )
            page = context.new_page()
            _log_in(page, server.url)
            for path, name in (("/fleet", "fleet"), ("/stores/s1", "store")):
                page.goto(server.url + path)
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > width:
                    problems.append(f"{path} {width}: {page.evaluate(WIDEST, width)}")
                if width == 390:
                    for element in page.locator(TAPPED).all():
                        box = element.bounding_box()
                        if box and box["height"] < 44:
                            problems.append(f"{path}: {element.evaluate('e => e.outerHTML')}")
                shot = ARTIFACTS / "issue30" / f"{name}-{width}-{language}.png"
                page.screenshot(path=str(shot), full_page=True)
            page.goto(server.url + "/fleet")
            assert page.locator("#write-off form").is_visible()
            assert page.locator("tr[data-device=k1] td[data-stuck]").inner_text() == "2, 3"
            context.close()
    assert problems == [], "\n".join(problems)
