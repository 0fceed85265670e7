"""The stores ranked over any period (issue 18): the all-stores page's ranking for the
days ``from`` … ``to`` (each store's own local days) equals :func:`hq.insight.ranking.rank` of
``kiosk.counting.metrics`` over the raw ratings of those days, with the change against the period
before or the year before; a bad range is a 400 page. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hq.insight.ranking import rank
from hq.people.admin import add_device, add_store
from kiosk.counting.metrics import summarize_ratings
from kiosk.timekeeping.localtime import local_date, to_utc_text
from tests.hq.conftest import log_in
from tests.hq.dashboard.test_ranking_page import _rows

ZONES = {"s1": "Europe/Helsinki", "s2": "Europe/Helsinki", "s3": "America/New_York"}


def fill(hq) -> list[dict]:
    """In September s1 is happy and s2 not, in August the other way round; New York's s3
    in between. The evening of 31 August in New York is 1 September in UTC."""
    with hq.sessions() as s:
        add_store(s, "s3", "Manhattan", "America/New_York", hq.clock.now)
        tokens = {
            "s1": hq.token,
            "s2": hq.extra_devices["k2"],
            "s3": add_device(s, "s3", "k3", hq.clock.now),
        }
    sent = []
    plan = {"s1": (4, 1), "s2": (1, 4), "s3": (3, 2)}  # (September's score, August's)
    for store, (september, august) in plan.items():
        device = {"s1": "k1", "s2": "k2", "s3": "k3"}[store]
        batch = []
        for i in range(30):
            for month, score in ((9, september), (8, august)):
                at = datetime(2026, month, 1 + i % 28, 1 if store == "s3" else 12, i, tzinfo=UTC)
                batch.append(hq.rating(device_id=device, store_id=store, score=score,
                                       recorded_at=to_utc_text(at)))  # fmt: skip
        assert hq.post(batch, token=tokens[store]).status_code == 200
        sent += batch
    return sent


def expected(sent, first: date, last: date, before: tuple[date, date]):
    def summaries(a: date, b: date):
        return {
            store: summarize_ratings(
                "smiley4",
                [
                    r
                    for r in sent
                    if r["store_id"] == store
                    and a <= local_date(r["recorded_at"], ZONES[store]) <= b
                ],
            )
            for store in ZONES
        }

    return rank(summaries(first, last), summaries(*before))


def cells(html: str) -> dict[str, tuple[str, str]]:
    table = html.split('id="ranking-csat"')[1].split("</table>")[0]
    out = {}
    for row in re.findall(r"<tr data-store=.*?</tr>", table, re.S):
        store = re.search(r'data-store="([^"]+)"', row).group(1)
        estimate = re.search(r'data-metric="estimate">([^<\s]+)', row).group(1)
        change = re.search(r'data-metric="change">([^<]+)<', row).group(1)
        out[store] = (estimate, change)
    return out


def test_the_ranking_over_a_chosen_period_equals_the_raw_ratings(hq):
    log_in(hq)
    sent = fill(hq)
    html = hq.client.get("/?from=2026-09-01&to=2026-09-28").text
    want = expected(
        sent, date(2026, 9, 1), date(2026, 9, 28), (date(2026, 8, 4), date(2026, 8, 31))
    )
    assert _rows(html, "csat") == [(r.key, str(r.rank)) for r in want]
    assert [r.key for r in want] == ["s1", "s3", "s2"]
    shown = cells(html)
    for r in want:
        assert shown[r.key] == (f"{r.estimate:.1f}", f"{r.change:+.1f}".replace("+-", "-"))
    assert "Ranking by CSAT %, 2026-09-01 – 2026-09-28" in html
    assert "?sort=name&amp;from=2026-09-01&amp;to=2026-09-28&amp;compare=previous" in html

    year = hq.client.get("/?from=2026-09-01&to=2026-09-28&compare=year").text
    assert all(change == "–" for _, change in cells(year).values())  # nothing a year before
    # the default is still the last 30 days, where nobody has ratings
    assert "Ranking by CSAT %, last 30 days" in hq.client.get("/").text


def test_a_bad_period_for_the_ranking_is_a_400_page(hq):
    log_in(hq)
    answer = hq.client.get("/?from=2026-09-30&to=2026-09-01")
    assert answer.status_code == 400
    assert "from 2026-09-30 is after to 2026-09-01" in answer.text
    assert hq.client.get("/?from=2025-01-01&to=2026-12-31").status_code == 400  # over 366 days
    assert hq.client.get("/?compare=decade").status_code == 400
