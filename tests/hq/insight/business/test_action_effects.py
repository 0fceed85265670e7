"""What an action changed, read from HQ's kept counts (SQLite and PostgreSQL): the
comparable stores are the region's stores without an action, chosen over the whole
chain, so a store manager and an admin read the same estimate; the page and the API say
it in words, with the interval and n."""

from __future__ import annotations

from datetime import date, timedelta

from hq.actions.log import record_action
from hq.people.admin import add_store, add_user
from hq.people.roles import add_region, set_store_region
from hq.tables.models import DayCount
from tests.hq.conftest import PASSWORD
from tests.hq.people.test_access import log_in_as

# HQ's clock (tests.hq.conftest.NOON) is 2026-11-20; the action 43 days before, so six
# whole weeks after it have ended.
ACTION = date(2026, 10, 8)


def _days(store: str, unhappy_before: int, unhappy_after: int, wobble: bool = False):
    """85 days of 100 counted smiley4 ratings a day around the action, so many unhappy
    (scores 1 and 2) a day before and after; *wobble* moves a week's share by ±1."""
    rows = []
    for d in range(-42, 43):
        day = ACTION + timedelta(days=d)
        unhappy = unhappy_before if d <= 0 else unhappy_after
        if wobble and d != 0:
            unhappy += (1, -1, 0, 1, -1, 0)[(abs(d) - 1) // 7 % 6]
        rows.append(DayCount(store_id=store, day=day.isoformat(), scale="smiley4",
                             s1=unhappy, s2=0, s3=100 - unhappy, s4=0, s0=0, s5=0, s6=0,
                             s7=0, s8=0, s9=0, s10=0, repeat=0, lockout=0, stuck=0, closed=0,
                             time_suspect=0))  # fmt: skip
    return rows


def test_the_effect_is_against_the_regions_stores_without_an_action(hq):
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "south", "South", None, now)
        for i in range(4):
            add_store(s, f"c{i}", f"Control {i}", "Europe/Helsinki", now)
        add_store(s, "busy", "Acted too", "Europe/Helsinki", now)
        for store in ("s1", "c0", "c1", "c2", "c3", "busy"):
            set_store_region(s, store, "south")
        add_user(s, "kamppi", PASSWORD, now, role="manager", scope="store:s1")
        s.add_all(_days("s1", 30, 20, wobble=True))
        for i in range(4):
            s.add_all(_days(f"c{i}", 25, 25))
        s.add_all(_days("busy", 25, 60))  # it had its own action: not a comparison
        record_action(s, "s1", ACTION, "a third checkout open 16–18", "admin", now)
        record_action(s, "busy", ACTION + timedelta(days=3), "the shop was rebuilt", "admin", now)
        s.commit()
    reader = {"Authorization": f"Bearer {hq.reader_token}"}
    answer = hq.client.get(f"/api/v1/stores/s1/actions?from={ACTION}&to={ACTION}", headers=reader)
    effect = answer.json()["actions"][0]["effect"]
    assert (effect["weeks_before"], effect["weeks_after"], effect["comparison_stores"]) == (6, 6, 4)
    assert effect["ratings"] == 84 * 100 and effect["comparison_ratings"] == 4 * 84 * 100
    unhappy = effect["unhappy"]
    assert unhappy["verdict"] == "fell" and round(unhappy["change"], 6) == -10.0
    assert unhappy["low"] < -10 < unhappy["high"] < 0
    assert effect["index"]["change"] > 0  # fewer unhappy answers: a higher index
    pages = {}
    for who in ("admin", "kamppi"):  # the manager cannot see the comparison stores
        log_in_as(hq, who)
        page = hq.client.get(f"/stores/s1?from={ACTION}&to={ACTION + timedelta(days=7)}").text
        pages[who] = page.split('class="effect"')[1].split("</p>")[0]
    assert pages["admin"] == pages["kamppi"]
    assert 'data-effect="fell"' in pages["admin"]
    assert "fell 10.0 points more than in similar stores" in pages["admin"]


def test_too_early_and_no_comparison_are_said_plainly(hq):
    now = hq.clock.now
    with hq.sessions() as s:
        s.add_all(_days("s1", 30, 20))
        s.add_all(_days("s2", 25, 25))
        record_action(s, "s1", now.date() - timedelta(days=10), "new signs", "admin", now)
        s.commit()
    log_in_as(hq, "admin")
    page = hq.client.get("/stores/s1").text
    assert 'data-effect="too_early"' in page
    assert "Too early to say what it changed: 1 of the 3 weeks after it needed have ended." in page
