"""A region's report renders without a word on HQ's terminal (issue 30): each store's
heat map carried the same hard-coded ``id="heat-map"``, so WeasyPrint warned "Anchor
defined twice" once per extra store of the region, on every report sent. Each map's id
is now its own. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from hq.core.language import language
from hq.insight.scheduled.content import build_report
from hq.insight.scheduled.periods import report_period
from hq.insight.scheduled.render import render
from tests.hq.report_data import LAST_WEEK, MONDAY, spread, three_stores


def test_a_region_report_says_nothing_on_the_terminal_and_its_ids_are_unique(hq, caplog):
    tokens = three_stores(hq)
    for device, store, seed in (("k1", "s1", 1), ("k2", "s2", 2), ("k3", "s3", 3)):
        spread(hq, device, store, LAST_WEEK - timedelta(days=7), 14, 10, seed, tokens[device])
    with hq.sessions() as s:
        report = build_report(s, "region:south", report_period("weekly", LAST_WEEK), MONDAY,
                              language("fi"))  # fmt: skip
    with caplog.at_level(logging.DEBUG - 5):
        mail = render(report)
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert said == []
    assert mail.pdf.startswith(b"%PDF")
    ids = re.findall(r'id="([^"]+)"', mail.html)
    assert len(ids) == len(set(ids))
