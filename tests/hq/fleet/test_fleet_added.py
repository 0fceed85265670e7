"""The fleet and store pages show when each device joined the fleet (the day in its
store's zone) and how: enrolled with a code, add-device or add-devices (issue 17)."""

from __future__ import annotations

import re
from datetime import timedelta

from hq.fleet.device_list import add_devices
from hq.fleet.enrolment import make_code
from tests.hq.conftest import log_in


def cell(html: str, device: str) -> str:
    row = re.search(rf'<tr data-device="{device}".*?</tr>', html, re.S)
    assert row, f"no row for {device}"
    return re.findall(r"<td[^>]*data-added-how[^>]*>.*?</td>|<td>–</td>", row[0], re.S)[-1]


def test_each_device_shows_the_day_it_was_added_and_how(hq, tmp_path):
    hq.clock.now += timedelta(days=3, hours=12, minutes=30)  # 22:30 UTC, 00:30 in Helsinki
    with hq.sessions() as s:
        code = make_code(s, "s1", 1, 7, hq.clock.now)
        add_devices(s, [("s2", "till-9")], tmp_path / "tokens.csv", hq.clock.now)
    enrol = hq.client.post("/api/v1/enrol", json={"code": code, "device_id": "pi-1"})
    assert enrol.status_code == 201
    log_in(hq)
    fleet = hq.client.get("/fleet").text
    assert 'data-added-how="add-device"' in cell(fleet, "k1") and "2026-11-20" in cell(fleet, "k1")
    enrolled = cell(fleet, "pi-1")
    assert 'data-added-how="enrolled"' in enrolled and "2026-11-24" in enrolled  # the store's day
    assert 'data-added-how="add-devices"' in cell(fleet, "till-9")
    store = hq.client.get("/stores/s1").text
    assert 'data-added-how="enrolled"' in cell(store, "pi-1")
    assert 'data-device="till-9"' not in store  # another store's device
