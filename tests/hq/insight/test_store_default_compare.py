"""The default store page shows the comparison its form offers (issue 30): the form said
"compared with the period before" (or "the same days a year before") while no card
showed any comparison. The 30 days' card now shows its change against what the form
says, the same figure as the same 30 days chosen by date. On SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from kiosk.timekeeping.localtime import local_date, to_utc_text
from tests.hq.conftest import log_in


def change_of(page: str) -> str:
    shown = re.search(r'<p data-metric="change">(.*?)</p>', page, re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", shown)).split())


def test_the_default_page_shows_the_change_its_form_offers(hq):
    sent = []
    for d in range(60):  # the 30 days before: 3 of 4 happy; the last 30: 1 of 4
        at = hq.clock.now - timedelta(days=d, hours=1)
        for i in range(4):
            happy = (i < 3) if d >= 30 else (i < 1)
            sent.append(hq.rating(score=4 if happy else 1, recorded_at=to_utc_text(at)))
    assert hq.post(sent).status_code == 200
    log_in(hq)
    default = hq.client.get("/stores/s1").text
    today = local_date(hq.clock.now, "Europe/Helsinki")
    first = today - timedelta(days=29)
    chosen = hq.client.get(f"/stores/s1?from={first}&to={today}").text
    assert change_of(chosen).endswith("change: -50.0")
    assert change_of(default).endswith("change: -50.0")  # the same figure
    assert change_of(default).startswith("the period before (")
    year = hq.client.get("/stores/s1?compare=year").text
    assert change_of(year).startswith("the same days a year before (")
    assert change_of(year).endswith("change: –")  # no ratings a year before
