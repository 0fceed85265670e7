"""The silent-kiosk banner of a big chain (issue 30): it listed every silent kiosk as a
link, 240 links on a 120-store chain. It now names the first five, says how many more,
and links once to the fleet page filtered to the silent kiosks (``/fleet?silent=1``).
On SQLite and PostgreSQL."""

from __future__ import annotations

import re

from hq.people.admin import add_device
from tests.hq.conftest import log_in


def test_many_silent_kiosks_are_five_names_a_count_and_one_link(hq):
    with hq.sessions() as s:
        for i in range(40):
            add_device(s, "s1" if i % 2 else "s2", f"q{i:02d}", hq.clock.now)
    heard = hq.post([hq.rating()])  # k1 speaks: not silent
    assert heard.status_code == 200
    log_in(hq)
    page = hq.client.get("/").text
    banner = re.search(r'<p class="alert" role="alert">(.*?)</p>', page, re.S).group(1)
    assert "41 of 42 devices silent" in banner  # k2 and the 40 new ones
    links = re.findall(r'href="([^"]+)"', banner)
    assert len(links) == 6 and links[-1] == "/fleet?silent=1"
    assert "and 36 more" in banner

    fleet = hq.client.get("/fleet?silent=1").text
    rows = re.findall(r'<tr data-device="([^"]+)" class="([^"]*)"', fleet)
    assert len(rows) == 41 and all(c == "silent" for _, c in rows)
    assert "k1" not in {d for d, _ in rows} and 'id="only-silent"' in fleet
    everything = hq.client.get("/fleet").text
    assert len(re.findall(r'<tr data-device="', everything)) == 42
    assert 'id="only-silent"' not in everything
    assert hq.client.get("/fleet?silent=0").text.count('<tr data-device="') == 42
