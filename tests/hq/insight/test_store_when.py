"""A store page limited to some hours of the day and some weekdays (issue 18, the heat
map's filters): every figure equals ``kiosk.counting.metrics`` over the raw ratings of those local
hours and weekdays, the comparison too; bad hours are a 400 or 422 that names them. On
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from kiosk.counting.metrics import summarize_ratings
from kiosk.timekeeping.localtime import local_date, local_hour, to_utc_text
from tests.conftest import HELSINKI
from tests.hq.conftest import log_in
from tests.hq.insight.test_store_range import card


def fill(hq) -> list[dict]:
    """Ratings every 3 hours for 60 days: mornings happy, evenings not, weekends mixed."""
    sent = []
    start = hq.clock.now - timedelta(days=60)
    for i in range(60 * 8):
        at = start + timedelta(hours=3 * i)
        hour = local_hour(at, HELSINKI)
        score = 4 if hour < 12 else 1 if local_date(at, HELSINKI).weekday() < 5 else 2 + i % 3
        sent.append(hq.rating(score=score, recorded_at=to_utc_text(at)))
    assert hq.post(sent).status_code == 200
    return sent


def of(sent, first: date, last: date, hours=range(24), weekdays=range(7)) -> dict:
    def keep(r) -> bool:
        at = datetime.fromisoformat(r["recorded_at"])
        day = local_date(at, HELSINKI)
        return (
            first <= day <= last and local_hour(at, HELSINKI) in hours and day.weekday() in weekdays
        )

    return summarize_ratings("smiley4", [r for r in sent if keep(r)]).as_dict()


def test_hours_and_weekdays_limit_every_figure_and_the_comparison(hq):
    log_in(hq)
    sent = fill(hq)
    first, last = date(2026, 10, 22), date(2026, 11, 20)
    query = f"from={first}&to={last}&hour_from=6&hour_to=11&weekday=0&weekday=1&weekday=2"
    html = hq.client.get(f"/stores/s1?{query}").text
    want = of(sent, first, last, range(6, 12), {0, 1, 2})
    label = f"{first} – {last}"
    assert card(html, label, "count") == str(want["count"]) and want["count"] > 0
    assert card(html, label, "csat") == str(want["csat"]) == "100.0"
    before = of(sent, date(2026, 9, 22), date(2026, 10, 21), range(6, 12), {0, 1, 2})
    compared = "the period before (2026-09-22 – 2026-10-21)"
    assert card(html, compared, "count") == str(before["count"])
    assert "Only the hours 6:00–11:59." in html and "Only Mon, Tue, Wed." in html
    # the heat map has ratings only in those cells
    cells = re.findall(r'<rect class="cell[^"]*" data-count="(\d+|none|few)"', html)
    assert len(cells) == 7 * 24
    # the weekday boxes and the hours stay filled in
    assert (
        'name="weekday" value="1" checked' in html
        and 'name="hour_from" min="0" max="23" value="6"' in html
    )

    evenings = hq.client.get(f"/stores/s1?from={first}&to={last}&hour_from=18").text
    want = of(sent, first, last, range(18, 24))
    assert card(evenings, label, "count") == str(want["count"])
    assert card(evenings, label, "csat") == str(want["csat"])


def test_bad_hours_and_weekdays_are_refused_naming_them(hq):
    log_in(hq)
    answer = hq.client.get("/stores/s1?hour_from=12&hour_to=9")
    assert answer.status_code == 400 and "hour_from 12 is after hour_to 9" in answer.text
    for query, says in (
        ("hour_from=24", "hour_from=&#39;24&#39;: give an hour from 0 to 23"),
        ("hour_to=-1", "hour_to=&#39;-1&#39;: give an hour from 0 to 23"),
        ("hour_to=x", "hour_to=&#39;x&#39;: give an hour from 0 to 23"),
    ):
        answer = hq.client.get(f"/stores/s1?{query}")
        assert answer.status_code == 400 and says in answer.text, (query, answer.text)
    for query in ("weekday=7", "weekday=mon"):
        answer = hq.client.get(f"/stores/s1?{query}")
        assert answer.status_code == 422 and "weekday" in answer.text, query
    # the form sends its empty hour fields: the whole day
    html = hq.client.get("/stores/s1?from=2026-11-01&to=2026-11-20&hour_from=&hour_to=").text
    assert 'id="when"' not in html and 'value="2026-11-01"' in html
