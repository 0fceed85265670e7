"""A report tells what the store did in the weeks before and what it changed (the same
estimate and words as the store page), in the report's language, in the e-mail's HTML,
its text and the PDF's source; an action too recent says so, one older than the weeks a
report looks back is left out. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from hq.actions.log import record_action
from hq.core.language import language
from hq.insight.scheduled.content import ACTED, build_report
from hq.insight.scheduled.periods import report_period
from hq.insight.scheduled.render import render
from hq.people.admin import add_store
from hq.people.roles import add_region, set_store_region
from tests.hq.insight.business.test_action_effects import ACTION, _days

WEEK = date(2026, 11, 9)  # the report's week: Monday 9 – Sunday 15 November 2026


def test_a_report_tells_what_each_action_changed_in_its_language(hq):
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "south", "South", None, now)
        for i in range(4):
            add_store(s, f"c{i}", f"Control {i}", "Europe/Helsinki", now)
        for store in ("s1", "c0", "c1", "c2", "c3"):
            set_store_region(s, store, "south")
        s.add_all(_days("s1", 30, 20, wobble=True))
        for i in range(4):
            s.add_all(_days(f"c{i}", 25, 25))
        record_action(s, "s1", ACTION, "a third checkout <open> 16–18", "admin", now)
        record_action(s, "s1", date(2026, 11, 10), "new signs", "admin", now)
        old = WEEK + timedelta(days=6) - timedelta(weeks=ACTED, days=1)
        record_action(s, "s1", old, "long ago", "admin", now)
        s.commit()
        period = report_period("weekly", WEEK)
        reports = {code: build_report(s, "store:s1", period, now, language(code))
                   for code in ("en", "fi", "sv")}  # fmt: skip
    part = reports["en"].stores[0]
    assert [day for day, _ in part.actions] == [ACTION.isoformat(), "2026-11-10"]
    assert part.effects[ACTION.isoformat()].unhappy.verdict == "fell"
    assert part.effects["2026-11-10"].unhappy.verdict == "too_early"

    en = render(reports["en"])
    assert "What the store did" in en.html and 'data-effect="fell"' in en.html
    assert "fell 10.0 points more than in similar stores" in en.html
    assert "a third checkout &lt;open&gt; 16–18" in en.html  # a person's text, never markup
    assert "Too early to say what it changed" in en.html and "long ago" not in en.html
    assert "/help/" not in en.html  # no dashboard link in an e-mail
    assert "What the store did:" in en.text and "<" not in en.text.replace("<open>", "")
    assert "fell 10.0 points more than in similar stores" in en.text
    assert "a third checkout <open> 16–18" in en.text
    fi, sv = render(reports["fi"]), render(reports["sv"])
    assert "Mitä myymälä teki" in fi.html and "laski 10,0 prosenttiyksikköä enemmän" in fi.text
    assert "fell" not in fi.text and "fell" not in sv.text
    assert en.pdf.startswith(b"%PDF")
