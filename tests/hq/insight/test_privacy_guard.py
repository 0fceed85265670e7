"""The privacy guard (issue 30): no split of a store's or a region's ratings (a kiosk, an
hour, a weekday, a reason, a day) shows a figure made of fewer than HQ's min_cell ratings
(``HYMIO_HQ_MIN_CELL``, default 5), on the pages, in the API and in the reports; the
number of ratings stays. With the limit lowered the same figures show, so each check
could fail. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from hq.people.admin import add_device
from hq.people.roles import add_region, set_store_region
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import log_in


def _send(hq, token: str, device: str, scores: list[int], days_ago: int, reason=None) -> None:
    at = to_utc_text(hq.clock.now - timedelta(days=days_ago, hours=1))
    rows = [hq.rating(device_id=device, score=x, recorded_at=at, reason=reason if x == 1 else None)
            for x in scores]  # fmt: skip
    assert hq.post(rows, token).status_code == 200


def _store(hq) -> None:
    """s1: kiosk k1 with 40 ratings three days ago (8 unhappy: "queue"), kiosk k9 with 3
    two days ago (2 unhappy: "staff"); nothing today."""
    with hq.sessions() as s:
        small = add_device(s, "s1", "k9", hq.clock.now)
        add_region(s, "south", "Etelä", None, hq.clock.now)
        set_store_region(s, "s1", "south")
    _send(hq, hq.token, "k1", [4] * 32 + [1] * 8, 3, "queue")
    hq.seq = 0
    _send(hq, small, "k9", [4, 1, 1], 2, "staff")


def _daily_row(html: str, day: str) -> list[str]:
    row = re.search(rf'<tr data-date="{day}".*?</tr>', html, re.S).group(0)
    return re.findall(r'<td class="num"[^>]*>([^<]*)<', row)


def test_a_kiosk_a_day_and_a_reason_of_few_ratings_show_no_figure(hq):
    _store(hq)
    log_in(hq)
    day = (hq.clock.now - timedelta(days=2)).date().isoformat()
    for limit, hidden in ((5, True), (1, False)):
        hq.app.state.min_cell = limit
        page = hq.client.get("/stores/s1").text
        kiosks = page.split('id="ranking-kiosks"')[1].split("</table>")[0]
        small = re.search(r'<tr data-device="k9".*?</tr>', kiosks, re.S).group(0)
        assert ('data-metric="estimate">–<' in small) is hidden
        assert ">3<" in small  # its number of ratings stays
        ratings, _flagged, csat, _index = _daily_row(page, day)
        assert ratings == "3" and (csat == "–") is hidden
        assert ('data-reason="staff"' in page) is not hidden
        assert 'data-reason="queue"' in page
        split = hq.client.get("/stores/s1?kiosk=k9").text
        card = split.split('data-period="30 days"')[1].split("</div>")[0]
        assert ('data-metric="csat">–<' in card) is hidden
        assert 'data-metric="count">3<' in card
        answer = hq.client.get(f"/api/v1/stores/s1/daily?from={day}&to={day}")
        figures = answer.json()["days"][0]["scales"]["smiley4"]
        assert figures["count"] == 3 and (figures["csat"] is None) is hidden
        assert (figures["counts"] is None) is hidden  # nor the faces that make it up


def test_hours_and_weekdays_of_few_ratings_show_no_figure(hq):
    _store(hq)
    log_in(hq)
    weekday = (hq.clock.now - timedelta(days=2)).date().weekday()  # k9's day, k1's is before
    hour = 11  # 10:00 UTC, less an hour, is 11:00 in Helsinki
    for query in (f"weekday={weekday}", f"hour_from={hour}&hour_to={hour}&kiosk=k9"):
        for limit, hidden in ((5, True), (1, False)):
            hq.app.state.min_cell = limit
            page = hq.client.get(f"/stores/s1?{query}").text
            card = page.split('data-period="30 days"')[1].split("</div>")[0]
            assert 'data-metric="count">3<' in card, query
            assert ('data-metric="csat">–<' in card) is hidden, (query, limit)


def test_a_regions_days_and_reasons_are_guarded_too(hq):
    _store(hq)
    log_in(hq)
    day = (hq.clock.now - timedelta(days=2)).date().isoformat()
    for limit, hidden in ((5, True), (1, False)):
        hq.app.state.min_cell = limit
        page = hq.client.get("/regions/south").text
        assert ('data-reason="staff"' in page) is not hidden
        body = hq.client.get("/api/v1/regions/south/figures").json()
        (small,) = [d for d in body["days"] if d["date"] == day]
        assert small["ratings"] == 3 and (small["value"] is None) is hidden


def test_a_report_lists_no_reason_of_few_answers(hq):
    from hq.core.language import language
    from hq.insight.scheduled.content import build_report
    from hq.insight.scheduled.periods import report_period

    _store(hq)
    week = report_period("weekly", (hq.clock.now - timedelta(days=6)).date())
    for few, hidden in ((5, True), (1, False)):
        with hq.sessions() as s:
            for scope in ("store:s1", "region:south"):
                report = build_report(s, scope, week, hq.clock.now, language("en"), few)
                shown = {share.key for _label, share in report.stores[0].reasons}
                assert "queue" in shown and ("staff" not in shown) is hidden, scope


def test_the_all_stores_table_shows_no_figure_of_a_day_of_few_ratings(hq):
    at = to_utc_text(hq.clock.now - timedelta(minutes=5))
    rows = [hq.rating(device_id="k2", store_id="s2", seq=i + 1, score=4, recorded_at=at)
            for i in range(2)]  # fmt: skip
    assert hq.post(rows, hq.extra_devices["k2"]).status_code == 200
    log_in(hq)
    for limit, today in ((5, "–"), (1, "100[.,]0")):
        hq.app.state.min_cell = limit
        table = hq.client.get("/").text.split('id="stores"')[1]
        row = re.search(r'<tr data-store="s2">.*?</tr>', table, re.S).group(0)
        assert re.search(r'data-period="today" data-metric="count">2<', row)
        assert re.search(rf'data-period="today" data-metric="csat">{today}<', row), limit
