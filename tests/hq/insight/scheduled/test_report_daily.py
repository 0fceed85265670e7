"""A daily report says its day as one date and its comparison in good Finnish (issue 30):
it said "verrattuna edellinen päivä (21.11.2026 – 21.11.2026)", "compared with" followed
by the nominative and a range from a day to the same day. The comparison is one phrase
each language declines ("verrattuna edelliseen päivään (21.11.2026)"), and a day is one
date. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hq.core.language import language
from hq.insight.scheduled.content import build_report
from hq.insight.scheduled.periods import report_period
from hq.insight.scheduled.render import render
from tests.hq.report_data import LAST_WEEK, MONDAY, spread, three_stores

SUNDAY = date(2026, 11, 22)
EXPECTED = {
    ("daily", "fi"): "Su 22.11.2026 · verrattuna edelliseen päivään (21.11.2026)",
    ("daily", "en"): "Sun 2026-11-22 · compared with the day before (2026-11-21)",
    ("weekly", "fi"): "verrattuna edelliseen viikkoon (9.11.2026 – 15.11.2026)",
    ("monthly", "fi"): "verrattuna edelliseen kuukauteen (1.10.2026 – 31.10.2026)",
}


@pytest.fixture
def region(hq):
    tokens = three_stores(hq)
    spread(hq, "k1", "s1", LAST_WEEK - timedelta(days=7), 14, 10, 1, tokens["k1"])
    return hq


def line(hq, kind: str, first: date, code: str) -> str:
    with hq.sessions() as s:
        report = build_report(s, "store:s1", report_period(kind, first), MONDAY, language(code))
    text = render(report).text.splitlines()
    return text[1]


def test_the_daily_report_says_one_day_in_good_finnish(region):
    fi, sv = language("fi"), language("sv")
    assert line(region, "daily", SUNDAY, "fi") == EXPECTED["daily", "fi"]
    assert line(region, "daily", SUNDAY, "en") == EXPECTED["daily", "en"]
    swedish = line(region, "daily", SUNDAY, "sv")
    assert swedish.endswith(f"jämfört med dagen före ({sv.date(date(2026, 11, 21))})")
    assert " – " not in swedish.split("·")[1]  # no range from a day to the same day
    assert line(region, "weekly", LAST_WEEK, "fi").endswith(EXPECTED["weekly", "fi"])
    assert line(region, "monthly", date(2026, 11, 1), "fi").endswith(EXPECTED["monthly", "fi"])
    assert fi.gettext("compared with") == "verrattuna"  # the form's label stays as it was
