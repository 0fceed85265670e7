"""A store without a rating in the report's month gets no estimate (issue 30, B2): the
ranking's estimate of a store with no ratings is only the chain's mean (75,0 in the
audit's chain), so the report says "no ratings" instead of a figure and a change. On
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hq.core.language import language
from hq.insight.scheduled.content import build_report
from hq.insight.scheduled.periods import report_period
from hq.insight.scheduled.render import render
from tests.hq.report_data import spread, three_stores

NOVEMBER = report_period("monthly", date(2026, 11, 1))
DECEMBER_FIRST = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def test_a_store_with_no_ratings_in_the_month_says_no_ratings(hq):
    tokens = three_stores(hq)
    spread(hq, "k1", "s1", date(2026, 11, 1), 22, 30, 1, tokens["k1"], 0.85)
    spread(hq, "k2", "s2", date(2026, 11, 1), 22, 30, 2, tokens["k2"], 0.55)
    spread(hq, "k3", "s3", date(2026, 10, 1), 20, 5, 3, tokens["k3"], 0.7)  # October only
    fi = language("fi")
    with hq.sessions() as s:
        report = build_report(s, "region:south", NOVEMBER, DECEMBER_FIRST, fi)
    espoo = next(r for r in report.ranking["csat"] if r.store.id == "s3").ranked
    assert espoo.n == 0
    assert espoo.change is None  # no ratings: no change against October either
    mail = render(report)
    (line,) = [x for x in mail.text.splitlines() if "Espoo:" in x]
    assert line.strip() == f"{fi.gettext('too few')}. Espoo: {fi.gettext('no ratings')}"
    row = re.search(r"<td[^>]*>Espoo</td>(.*?)</tr>", mail.html).group(1)
    assert "ei vastauksia" in row
    assert not re.search(r"\d,\d", row)  # neither an estimate nor a change
    kamppi = re.search(r"<td[^>]*>Kamppi</td>(.*?)</tr>", mail.html).group(1)
    assert re.search(r"\d,\d", kamppi)  # a store with ratings keeps its estimate
