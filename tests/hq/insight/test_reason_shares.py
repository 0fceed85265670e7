"""The reasons' shares add up to 100 % (issue 30): they were taken over every unhappy
answer, including those never asked the follow-up, so they added up to ~30 % and "no
reason given" was not shown. HQ cannot tell an answer not asked from one not answered,
so those are one row of their own, last, on the store page and in the report. On SQLite
and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hq.core.language import language
from hq.insight.scheduled.content import build_report
from hq.insight.scheduled.periods import report_period
from hq.insight.scheduled.render import render
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import log_in

FIRST, SECOND = datetime(2026, 10, 30, 10, tzinfo=UTC), datetime(2026, 11, 15, 10, tzinfo=UTC)


def post(hq):
    """10 unhappy answers: 4 with no reason (all in the first half), 4 out of stock, 2 prices."""
    batch = []
    for at, reasons in ((FIRST, ["availability"]), (SECOND, ["availability"] * 3 + ["prices"] * 2)):
        given = reasons + [None] * (5 - len(reasons))
        batch += [hq.rating(score=1, reason=r, recorded_at=to_utc_text(at)) for r in given]
    batch.append(hq.rating(score=4, recorded_at=to_utc_text(SECOND)))  # happy: not asked why
    assert hq.post(batch).status_code == 200


def test_the_shares_add_up_to_100_with_no_reason_given_as_a_row(hq):
    hq.app.state.min_cell = 1  # the shares' arithmetic; the privacy guard: test_privacy_guard
    post(hq)
    log_in(hq)
    svg = hq.client.get("/stores/s1").text.split('aria-label="follow-up reasons"')[1]
    svg = svg.split("</svg>")[0]
    bars = re.findall(r'class="bar( none)?" data-reason="(\w*)" data-share="([\d.]+)"', svg)
    assert bars == [("", "availability", "40.0"), ("", "prices", "20.0"),
                    (" none", "", "40.0")]  # fmt: skip
    assert sum(float(share) for *_, share in bars) == 100.0
    assert "no reason given" in svg
    assert "40 % (4) · -80 pt" in svg  # 4 of 5 in the first 15 days, none in the last

    fi = language("fi")
    with hq.sessions() as s:
        report = build_report(s, "store:s1", report_period("monthly", date(2026, 10, 1)),
                              datetime(2026, 12, 1, 6, tzinfo=UTC), fi, few=1)  # fmt: skip
    (part,) = report.stores
    assert [(r.key, r.n) for _, r in part.reasons] == [("availability", 1), ("", 4)]  # October
    text = render(report).text
    assert f"  {fi.gettext('no reason given')}: 80 % (4)" in text
