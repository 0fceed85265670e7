"""The business figures beside the ratings on the pages: the heat map coloured by
transactions per staff member (a plain link switches it), the response rate in the
ranking, and a region's satisfaction by busyness pooled over its stores, within the
privacy floor and the reader's part of the chain. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from hq.insight.business.rates import wilson
from hq.insight.business.saving import import_business
from hq.people.access import user_access
from hq.tables.people import User
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.people.test_access import chain, log_in_as  # noqa: F401 -- the fixture

HEAD = "store,date,hour,transactions,sales,footfall,staff\n"
DAY = "2026-11-20"  # NOON's day: a Friday, 12:00 in Helsinki


def _import(hq, text: str) -> None:
    with hq.sessions() as s:
        admin = s.query(User).filter_by(username="admin").one()
        import_business(s, user_access(s, admin), HEAD + text, hq.clock.now)
        s.commit()


def _rate(hq, store: str, scores: list[int], minutes: int, device: str = "k1") -> list[dict]:
    at = hq.clock.now
    return [hq.rating(store_id=store, device_id=device, score=score,
                      recorded_at=to_utc_text(at - timedelta(minutes=minutes + i)))
            for i, score in enumerate(scores)]  # fmt: skip


def test_the_heat_map_switches_to_transactions_per_staff_member_by_a_link(hq):
    log_in_as(hq, "admin")
    _import(hq, f"s1,{DAY},11,60,,,4\ns1,{DAY},10,10,,,\ns1,2026-11-13,11,20,,,1\n")
    page = hq.client.get("/stores/s1").text
    assert 'data-heat="unhappy"' in page and "aria-current" in page
    link = re.search(r'<a href="([^"]+)" data-heat="busy"', page).group(1)
    assert link == "/stores/s1?heat=busy#heat"
    busy = hq.client.get(link.replace("&amp;", "&").split("#")[0]).text
    assert 'class="heat busy"' in busy
    # Friday (4) 11:00: two Fridays, 80 transactions over 5 staff hours
    cells = re.findall(r'<rect class="cell busy" data-hours="(\d+)" data-per-staff="([\d.]+)"'
                       r' x="(\d+)" y="(\d+)"', busy)  # fmt: skip
    assert [(h, p) for h, p, _, _ in cells] == [("2", "16.00")]
    assert "16,0 transactions per staff member (2 hours, 80 transactions)" not in busy  # en
    assert "16.0 transactions per staff member (2 hours, 80 transactions)" in busy
    assert busy.count('data-busy="none"') == 7 * 24 - 1  # 10:00 has no staff: no figure
    assert "no business figures" in busy
    assert ">figure: the same, rounded · blank: no business figures<" in busy  # the legend
    # the other choices of the page stay as they were; a bad choice names the field
    kept = hq.client.get("/stores/s1?heat=busy&hour_from=9&hour_to=12").text
    assert 'href="/stores/s1?hour_from=9&amp;hour_to=12&amp;heat=unhappy#heat"' in kept
    bad = hq.client.get("/stores/s1?heat=loud")
    assert bad.status_code == 400 and 'data-field="heat"' in bad.text and "loud" in bad.text


def test_the_ranking_shows_the_response_rate_or_why_not(hq):
    assert hq.post(_rate(hq, "s1", [4] * 25, 5)).status_code == 200
    k2 = hq.extra_devices["k2"]
    assert hq.post(_rate(hq, "s2", [3] * 25, 5, "k2"), token=k2).status_code == 200
    _import(hq, f"s1,{DAY},11,200,,,2\ns1,{DAY},10,300,,,2\n")
    log_in_as(hq, "admin")
    page = hq.client.get("/").text
    s1 = re.search(r'data-store="s1".*?data-metric="response-rate">(.*?)</td>', page, re.S)
    # 25 ratings in 11:xx and none in 10:xx, against both hours' 500 transactions
    assert s1.group(1) == '<span title="25 ratings, 500 transactions">5.0</span>'
    s2 = re.search(r'data-store="s2".*?data-metric="response-rate">(.*?)</td>', page, re.S)
    assert s2.group(1) == "— <small>no business figures</small>"
    fi = hq.client.get("/", headers={"Accept-Language": "fi"})
    assert "Vastauksia / 100 ostotapahtumaa" in fi.text and "ei liiketoiminnan lukuja" in fi.text


def test_a_region_pools_its_stores_by_busyness_within_the_floor_and_the_scope(hq, chain):  # noqa: F811
    k2 = hq.extra_devices["k2"]
    # 11:xx: s1 2 unhappy of 6, s2 1 of 4, both 30 a head; 10:xx: s1 3 happy, 2 a head
    assert hq.post(_rate(hq, "s1", [1, 1, 4, 4, 4, 4], 5)).status_code == 200
    assert hq.post(_rate(hq, "s2", [1, 3, 4, 4], 5, "k2"), token=k2).status_code == 200
    assert hq.post(_rate(hq, "s1", [4, 4, 4], 65)).status_code == 200
    _import(hq, f"s1,{DAY},11,60,,,2\ns2,{DAY},11,90,,,3\ns1,{DAY},10,4,,,2\n")
    log_in_as(hq, "admin")
    page = hq.client.get("/regions/fi").text
    bands = dict(re.findall(r'<tr data-band="(\d+)">(.*?)</tr>', page, re.S))
    cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', bands["20"])
    # two store-hours; eleven counted ratings, the chain fixture's one at 11:55 in s1 too
    assert cells[:2] == ["2", "11"]
    low, high = wilson(3, 11)
    assert cells[3:] == ["27.3 %", f"{low:.1f} – {high:.1f}"]
    # 10:00 (2 a head): 3 ratings, under the floor of 5: no figures
    quiet = re.findall(r'<td class="num"[^>]*>(.*?)</td>', bands["0"])
    assert quiet[0] == "1" and quiet[2:] == ["", "", ""]
    assert 'id="region-business"' in page and "Response rate" in page
    # the south manager sees region south: s1's hours alone; north is not theirs
    log_in_as(hq, "south")
    south = hq.client.get("/regions/south").text
    bands = dict(re.findall(r'<tr data-band="(\d+)">(.*?)</tr>', south, re.S))
    assert re.findall(r'<td class="num"[^>]*>(.*?)</td>', bands["20"])[:2] == ["1", "7"]
    assert hq.client.get("/regions/north").status_code == 404
    busy = hq.client.get("/regions/south?heat=busy").text
    assert re.findall(r'data-per-staff="([\d.]+)"', busy) == ["2.00", "30.00"]
