"""The ranking on the all-stores page, on SQLite and PostgreSQL: one table per kind of
scale, the small store without a place, sortable, the change against the 30 days before."""

from __future__ import annotations

import re
from datetime import timedelta

from hq.people.admin import add_device, add_store
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import log_in


def _send(hq, token: str, device: str, store: str, scores: list[int], scale: str, days_ago=0):
    at = to_utc_text(hq.clock.now - timedelta(days=days_ago, minutes=5))
    batch = [
        hq.rating(device_id=device, store_id=store, score=s, scale=scale, recorded_at=at)
        for s in scores
    ]
    answer = hq.post(batch, token)
    assert answer.status_code == 200, answer.text


def _rows(html: str, kind: str) -> list[tuple[str, str]]:
    table = html.split(f'id="ranking-{kind}"')[1].split("</table>")[0]
    return re.findall(r'data-store="([^"]+)" data-rank="([^"]*)"', table)


def test_stores_are_ranked_per_kind_of_scale_and_a_tiny_store_gets_no_place(hq):
    with hq.sessions() as s:
        add_store(s, "s3", "Oulu", "Europe/Helsinki", hq.clock.now)
        nps_token = add_device(s, "s3", "k3", hq.clock.now)
        add_store(s, "s4", "Espoo", "Europe/Helsinki", hq.clock.now)
        low_token = add_device(s, "s4", "k4", hq.clock.now)
    _send(hq, low_token, "k4", "s4", [1] * 25, "smiley4")  # CSAT 0 %
    _send(hq, hq.token, "k1", "s1", [4] * 60 + [1] * 40, "smiley4")  # CSAT 60 %
    _send(hq, hq.token, "k1", "s1", [4] * 10 + [1] * 90, "smiley4", days_ago=35)  # before: 10 %
    _send(hq, hq.extra_devices["k2"], "k2", "s2", [4, 4], "smiley4")  # 100 %, but 2 ratings
    _send(hq, nps_token, "k3", "s3", [0] * 30 + [10] * 10, "nps")  # NPS −50
    log_in(hq)
    page = hq.client.get("/").text
    assert _rows(page, "csat") == [("s1", "1"), ("s4", "2"), ("s2", "")]
    assert _rows(page, "nps") == [("s3", "1")]
    csat = page.split('id="ranking-csat"')[1].split("</table>")[0]
    assert "too few" in csat
    change = re.search(r'data-store="s1".*?data-metric="change">([^<]+)<', csat, re.S).group(1)
    assert change.startswith("+") and float(change) > 20  # 10 % → about 60 %, shrunk a little
    nps = page.split('id="ranking-nps"')[1].split("</table>")[0]
    estimate = re.search(r'data-metric="estimate">(-?[\d.]+)', nps).group(1)
    assert float(estimate) < 0
    by_name = hq.client.get("/?sort=name").text
    assert _rows(by_name, "csat") == [("s4", "2"), ("s1", "1"), ("s2", "")]  # Espoo, Kamppi, …
    by_n = hq.client.get("/?sort=n").text
    assert [s for s, _ in _rows(by_n, "csat")] == ["s1", "s4", "s2"]
    assert hq.client.get("/?sort=<script>").status_code == 200


def test_a_negative_nps_is_drawn_inside_the_trend_with_numbers_on_both_axes(hq):
    with hq.sessions() as s:
        add_store(s, "s3", "Oulu", "Europe/Helsinki", hq.clock.now)
        token = add_device(s, "s3", "k3", hq.clock.now)
    for days_ago in range(5):
        _send(hq, token, "k3", "s3", [0] * 30 + [10] * (5 + days_ago), "nps", days_ago=days_ago)
    log_in(hq)
    svg = hq.client.get("/stores/s3").text.split('class="trend"')[1].split("</svg>")[0]
    points = re.findall(r'<polyline class="score" points="([^"]+)"', svg)[0].split()
    ys = [float(p.split(",")[1]) for p in points]
    assert len(ys) == 5 and all(28 <= y <= 220 - 28 for y in ys)  # inside the plot area
    assert ys[-1] > 110  # an NPS of about −70 sits low: below the middle (0)
    axis = re.findall(r'<text class="axis-(score|count)"[^>]*>([^<]+)</text>', svg)
    assert ("score", "−100") in axis and ("score", "100") in axis
    assert ("count", "39") in axis and ("count", "0") in axis  # the busiest day: 39 ratings


def test_the_kiosks_of_a_store_are_ranked_on_its_page(hq):
    with hq.sessions() as s:
        second = add_device(s, "s1", "k9", hq.clock.now)
        third = add_device(s, "s1", "k8", hq.clock.now)
    _send(hq, hq.token, "k1", "s1", [4] * 20 + [1] * 20, "smiley4")  # 50 %
    _send(hq, second, "k9", "s1", [4] * 35 + [1] * 5, "smiley4")  # 87.5 %
    _send(hq, third, "k8", "s1", [4, 4, 4], "smiley4")  # 100 %, but 3 ratings
    log_in(hq)
    page = hq.client.get("/stores/s1").text
    table = page.split('id="ranking-kiosks"')[1].split("</table>")[0]
    assert re.findall(r'data-device="(\w+)" data-rank="(\d*)"', table) == [
        ("k9", "1"),
        ("k1", "2"),
        ("k8", ""),
    ]
    alone = hq.client.get("/stores/s2").text
    assert 'id="ranking-kiosks"' not in alone  # one kiosk: nothing to rank
