"""Completeness on the figures (issue 18): the all-stores table says, per store, how many
of its days may lack ratings (and why, in the mark's title) or that it is complete; the
store page's card for its days says the same. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import log_in


def mark(html: str, store: str | None = None) -> tuple[str, str]:
    """The ``data-complete`` cell (of *store*'s row): yes/no and its text."""
    if store:
        html = html.split(f'<tr data-store="{store}">', 2)[-1].split("</tr>", 1)[0]
    found = re.search(r'data-complete="(yes|no)">(.*?)</(td|p)>', html, re.S)
    return found.group(1), re.sub(r"<[^>]+>", "", found.group(2)).strip()


def test_a_store_with_a_gap_says_how_many_days_may_lack_ratings(hq):
    log_in(hq)
    now = hq.clock.now
    ratings = [hq.rating(recorded_at=to_utc_text(now - timedelta(days=d))) for d in (5, 4, 1)]
    ratings[1]["seq"] = 7  # seq 2–6 never arrive: a gap between five days ago and four
    ratings[2]["seq"] = 8
    assert hq.post(ratings).status_code == 200
    other = hq.extra_devices["k2"]
    fine = hq.rating(device_id="k2", store_id="s2", seq=1)
    assert hq.post([fine], token=other).status_code == 200
    hq.client.post(
        "/api/v1/heartbeat",
        headers=hq.auth(other),
        json={"databases": [{"database_id": "legacy", "last_seq": 1}]},
    )

    overview = hq.client.get("/").text
    complete, text = mark(overview, "s1")
    assert complete == "no"
    assert text == "2 day(s) may lack ratings"  # the two local days the gap lies between
    assert "k1: seq 2–6 missing" in overview
    assert mark(overview, "s2") == ("yes", "complete")

    assert mark(hq.client.get("/stores/s1").text) == ("no", "2 day(s) may lack ratings")
    assert mark(hq.client.get("/stores/s2").text)[0] == "yes"
    # A range of days after the gap is complete.
    first, last = (now - timedelta(days=2)).date(), now.date()
    chosen = hq.client.get(f"/stores/s1?from={first}&to={last}").text
    assert mark(chosen) == ("yes", "complete: HQ has every rating of these days")


def test_the_missing_ratings_arriving_makes_the_store_complete(hq):
    log_in(hq)
    now = hq.clock.now
    ratings = [hq.rating(recorded_at=to_utc_text(now - timedelta(hours=h))) for h in (3, 2, 1)]
    assert hq.post([ratings[0], ratings[2]]).status_code == 200
    assert mark(hq.client.get("/").text, "s1")[0] == "no"
    assert hq.post([ratings[1]]).status_code == 200
    assert mark(hq.client.get("/").text, "s1") == ("yes", "complete")


def test_the_ranking_heat_map_reasons_and_kiosks_say_whether_their_days_are_complete(hq):
    from hq.people.admin import add_device

    log_in(hq)
    now = hq.clock.now
    with hq.sessions() as s:
        k3 = add_device(s, "s1", "k3", now)
    gap = [hq.rating(recorded_at=to_utc_text(now - timedelta(days=d))) for d in (5, 4)]
    gap[1]["seq"] = 7  # seq 2–6 of k1 never arrive
    assert hq.post(gap).status_code == 200
    assert hq.post([hq.rating(device_id="k3", seq=1)], token=k3).status_code == 200
    fine = hq.rating(device_id="k2", store_id="s2", seq=1)
    assert hq.post([fine], token=hq.extra_devices["k2"]).status_code == 200

    overview = hq.client.get("/").text
    ranked = {
        store: re.search(rf'<tr data-store="{store}" data-rank=.*?</tr>', overview, re.S).group(0)
        for store in ("s1", "s2")
    }
    assert mark(ranked["s1"]) == ("no", "2 day(s) may lack ratings")
    assert 'title="k1: seq 2–6 missing"' in ranked["s1"]
    assert mark(ranked["s2"]) == ("yes", "complete")

    page = hq.client.get("/stores/s1").text
    for of, what in (
        ("heat", "the heat map"),
        ("reasons", "the reasons"),
        ("kiosks", "the ranking"),
    ):
        note = re.search(rf'<p [^>]*data-complete="(yes|no)" data-of="{of}">(.*?)</p>', page)
        says = f"2 of these days may lack ratings; {what} can still change."
        assert note.groups() == ("no", says)
    other = hq.client.get("/stores/s2").text
    assert 'data-complete="yes" data-of="heat"' in other
    assert 'data-complete="yes" data-of="reasons"' in other


def test_the_all_stores_page_looks_at_every_device_that_may_lack_ratings(hq):
    """chain_health.lacking reads only the devices whose kept counts or reports say they
    may lack something; it finds exactly the incomplete devices the full fleet finds."""
    from hq.insight.chain_health import lacking
    from hq.insight.figures import fleet
    from hq.people.admin import add_device

    now = hq.clock.now
    with hq.sessions() as s:
        tokens = {d: add_device(s, "s2", d, now) for d in ("gap", "tail", "held", "fine", "new")}
    post = hq.post
    gap = [hq.rating(device_id="gap", store_id="s2", seq=q) for q in (1, 3)]
    assert post(gap, token=tokens["gap"]).status_code == 200
    for device, report in (
        ("tail", {"database_id": "legacy", "last_seq": 5}),
        ("held", {"database_id": "legacy", "last_seq": 1, "held": 1, "held_reason": "refused"}),
        ("fine", {"database_id": "legacy", "last_seq": 1}),
        ("new", {"database_id": "legacy", "last_seq": 0}),
    ):
        if device != "new":
            one = hq.rating(device_id=device, store_id="s2", seq=1)
            assert post([one], token=tokens[device]).status_code == 200
        body = {"databases": [report]}
        answer = hq.client.post("/api/v1/heartbeat", headers=hq.auth(tokens[device]), json=body)
        assert answer.status_code == 200, answer.text
    with hq.sessions() as s:
        found = {c.device_id for cs in lacking(s).values() for c in cs}
        full = {d.device.id for d in fleet(s, now) if not d.completeness.complete}
    assert found == full == {"gap", "tail"}  # held ones arrived: seq 1 is at HQ
