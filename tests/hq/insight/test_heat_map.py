"""The store page's heat map, on SQLite and PostgreSQL: coloured by the share of unhappy
answers, n in each cell, and no figure at all for an hour with fewer than k ratings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hq.server.app import create_app
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import log_in, make_hq

MONDAY_16 = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # 16:00 in Helsinki


def _cells(html: str) -> dict[tuple[str, str], dict[str, str]]:
    svg = html.split('id="heat-map"')[1].split("</svg>")[0]
    out = {}
    for attrs, title in re.findall(r"<rect (class=\"cell[^>]*)><title>([^<]*)</title>", svg):
        day, hour = title.split(" – ")[0].split(" ")
        out[(day, hour)] = {**dict(re.findall(r'([\w-]+)="([^"]*)"', attrs)), "title": title}
    return out


def _send(hq, at: datetime, scores: list[int]) -> None:
    batch = [hq.rating(score=s, recorded_at=to_utc_text(at + timedelta(seconds=i)))
             for i, s in enumerate(scores)]  # fmt: skip
    assert hq.post(batch).status_code == 200


def test_a_complaint_spike_shows_as_unhappy_and_small_hours_show_nothing(hq):
    _send(hq, MONDAY_16, [1] * 60)  # the spike: 60 very unhappy presses, Monday 16–17h
    _send(hq, MONDAY_16 + timedelta(hours=1), [1] * 20 + [4] * 20)  # 17h: half unhappy
    _send(hq, MONDAY_16 + timedelta(days=1), [4] * 80)  # Tuesday 16h: busy and happy
    _send(hq, MONDAY_16 + timedelta(days=2), [1, 1, 1])  # Wednesday 16h: only 3 ratings
    log_in(hq)
    cells = _cells(hq.client.get("/stores/s1").text)
    assert len(cells) == 7 * 24
    spike, half, happy = cells[("Mon", "16:00")], cells[("Mon", "17:00")], cells[("Tue", "16:00")]
    assert spike["data-count"] == "60" and float(spike["data-unhappy"]) == 1.0
    assert half["data-count"] == "40" and float(half["data-unhappy"]) == 0.5
    assert happy["data-count"] == "80" and float(happy["data-unhappy"]) == 0.0
    # the spike is darker than the busier happy hour: colour is satisfaction, not volume
    assert float(spike["fill-opacity"]) > float(half["fill-opacity"]) > float(happy["fill-opacity"])
    few = cells[("Wed", "16:00")]
    assert few["data-count"] == "few" and "3" not in few["title"] and "data-unhappy" not in few
    assert cells[("Thu", "16:00")]["data-count"] == "none"


def test_the_minimum_per_hour_is_set_at_hq(database_url):
    hq = make_hq(database_url)
    hq.app = create_app(database_url, clock=hq.clock, min_cell=2)
    from fastapi.testclient import TestClient

    hq.client = TestClient(hq.app)
    _send(hq, MONDAY_16, [1, 4, 4])
    log_in(hq)
    cell = _cells(hq.client.get("/stores/s1").text)[("Mon", "16:00")]
    assert cell["data-count"] == "3" and abs(float(cell["data-unhappy"]) - 1 / 3) < 0.001
    hq.app.state.engine.dispose()


def test_the_store_page_says_why_ratings_are_not_counted_by_flag(hq):
    at = to_utc_text(hq.clock.now - timedelta(minutes=30))
    batch = [hq.rating(recorded_at=at) for _ in range(4)]
    batch += [hq.rating(recorded_at=at, flag="repeat") for _ in range(3)]
    batch += [hq.rating(recorded_at=at, flag="lockout") for _ in range(2)]
    batch += [hq.rating(recorded_at=at, flag="stuck")]
    assert hq.post(batch).status_code == 200
    log_in(hq)
    page = hq.client.get("/stores/s1").text
    section = page.split('id="not-counted"')[1].split("</section>")[0]
    flags = re.findall(r'data-flag="(\w+)"><td class="num">(\d+)</td>', section)
    assert flags == [("repeat", "3"), ("lockout", "2"), ("stuck", "1")]
    today = page.split('data-date="2026-11-20"')[1].split("</tr>")[0]
    assert 'data-not-counted="repeat=3 lockout=2 stuck=1"' in today
    assert ">6</td>" in today  # the not-counted total of the day


def test_reasons_show_the_kiosks_labels_as_a_share_of_the_unhappy_answers(hq):
    first, second = datetime(2026, 10, 30, 10, tzinfo=UTC), datetime(2026, 11, 15, 10, tzinfo=UTC)
    batch = []
    for at, reasons in ((first, ["availability"]), (second, ["availability"] * 3 + ["prices"] * 2)):
        given = reasons + [None] * (5 - len(reasons))
        batch += [hq.rating(score=1, reason=r, recorded_at=to_utc_text(at)) for r in given]
    batch.append(hq.rating(score=4, reason="staff", recorded_at=to_utc_text(second)))  # happy
    assert hq.post(batch).status_code == 200
    hq.app.state.min_cell = 1  # the shares' arithmetic; the privacy guard: test_privacy_guard
    log_in(hq)
    svg = hq.client.get("/stores/s1").text.split('aria-label="follow-up reasons"')[1]
    svg = svg.split("</svg>")[0]
    bars = re.findall(r'data-reason="(\w+)" data-share="([\d.]+)"', svg)
    assert bars == [("availability", "40.0"), ("prices", "20.0")]  # of 10 unhappy answers
    assert "Out of stock" in svg and "Prices" in svg and "staff" not in svg
    assert "40 % (4) · +40 pt" in svg  # 1 of 5 in the first 15 days, 3 of 5 in the last
