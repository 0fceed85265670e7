"""A store's page (and the kiosk page and API under it) asks whether its kiosks are silent
by the store's own opening hours: it reads that store's settings and exceptions, not the
whole chain's (a settings body and an ``Hours`` checked for every store on every page),
and answers what the chain-wide read answers. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from hq.fleet.chain.hours import set_exception, set_weekly_hours
from hq.insight import figures
from hq.insight.figures import fleet
from hq.insight.hours import all_store_hours
from hq.people.admin import add_device, add_store
from kiosk.timekeeping.localtime import zone

STORES = 12


def chain_with_hours(hq) -> None:
    """s1 (the fixture's, kiosk k1) and stores h00 … h11, each with a kiosk, hours of its
    own and an exception; s1 is closed on Sundays and today."""
    now = hq.clock.now
    with hq.sessions() as s:
        for i in range(STORES):
            add_store(s, f"h{i:02}", f"Hours {i}", "Europe/Helsinki", now)
            add_device(s, f"h{i:02}", f"kh{i:02}", now)
            set_weekly_hours(s, None, f"h{i:02}", {"mon": f"0{i % 3 + 7}:00-20:00"}, now)
            set_exception(s, None, f"h{i:02}", (now + timedelta(days=i)).date().isoformat(),
                          "closed", "", now)  # fmt: skip
        set_weekly_hours(s, None, "s1", {"sun": "closed"}, now)
        set_exception(s, None, "s1", now.date().isoformat(), "closed", "", now)
        s.commit()


def test_a_stores_fleet_reads_its_own_hours_only(hq, monkeypatch):
    chain_with_hours(hq)
    with hq.sessions() as s:
        whole = all_store_hours(s)
        assert len(whole) == STORES + 1
        for wanted in (["s1"], ["h03", "h07"], [], ["s2"]):  # s2 has no hours: open all day
            assert all_store_hours(s, wanted) == {k: whole[k] for k in wanted if k in whole}
    asked: list[dict] = []

    def spy(session, store_ids=None):
        asked.append(found := all_store_hours(session, store_ids))
        return found

    monkeypatch.setattr(figures, "all_store_hours", spy)
    with hq.sessions() as s:
        devices = fleet(s, hq.clock.now, "s1")
    assert [d.device.id for d in devices] == ["k1"]
    assert asked == [{"s1": whole["s1"]}]  # not the other twelve stores' hours
    assert not whole["s1"].is_open(hq.clock.now.astimezone(zone("Europe/Helsinki")))
