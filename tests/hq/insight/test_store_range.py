"""A store page over any range of days (issue 18), compared with the period before it or
the same days a year before: the cards equal ``kiosk.counting.metrics`` over the raw ratings of
those local days; bad ranges are a 400 page that says what is wrong and changes nothing;
the form in Chromium takes the analyst there. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from hq.insight.period import choose
from kiosk.counting.metrics import summarize
from kiosk.timekeeping.localtime import local_date, to_utc_text
from tests.conftest import HELSINKI
from tests.hq.conftest import LiveServer, log_in
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture


def spread(hq, first: datetime, days: int, per_day: int) -> list[dict]:
    """*per_day* ratings on each of *days* days from *first*, scores cycling 1–4."""
    ratings = []
    for d in range(days):
        for i in range(per_day):
            at = first + timedelta(days=d, hours=8 + i % 10, minutes=i)
            ratings.append(hq.rating(score=1 + (d + i) % 4, recorded_at=to_utc_text(at)))
    for i in range(0, len(ratings), 1000):
        assert hq.post(ratings[i : i + 1000]).status_code == 200
    return ratings


def expected(ratings: list[dict], first: date, last: date) -> dict:
    scores = {}
    for r in ratings:
        day = local_date(datetime.fromisoformat(r["recorded_at"]), HELSINKI)
        if first <= day <= last:
            scores[r["score"]] = scores.get(r["score"], 0) + 1
    return summarize("smiley4", scores).as_dict()


def card(html: str, period: str, metric: str) -> str:
    block = html.split(f'data-period="{period}"', 1)[1].split("</div>", 1)[0]
    return re.search(rf'data-metric="{metric}">([^<]*)<', block).group(1)


def test_a_chosen_range_and_its_comparisons_equal_the_raw_counts(hq):
    log_in(hq)
    ratings = spread(hq, hq.clock.now - timedelta(days=420), 420, 3)
    first, last = date(2026, 9, 1), date(2026, 9, 30)
    html = hq.client.get(f"/stores/s1?from={first}&to={last}").text
    want = expected(ratings, first, last)
    label = f"{first} – {last}"
    assert card(html, label, "count") == str(want["count"])
    assert card(html, label, "csat") == str(want["csat"])
    before = expected(ratings, date(2026, 8, 2), date(2026, 8, 31))
    compared = "the period before (2026-08-02 – 2026-08-31)"
    assert card(html, compared, "count") == str(before["count"])
    change = re.search(r'data-metric="change">change: ([^<]*)<', html).group(1)
    assert float(change) == pytest.approx(want["csat"] - before["csat"], abs=0.15)
    assert f"&amp;from={first}&amp;to={last}" in html  # the exports are of these days

    html = hq.client.get(f"/stores/s1?from={first}&to={last}&compare=year").text
    year = expected(ratings, date(2025, 9, 1), date(2025, 9, 30))
    compared = "the same days a year before (2025-09-01 – 2025-09-30)"
    assert card(html, compared, "count") == str(year["count"])
    assert card(html, compared, "csat") == str(year["csat"])


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("from=2026-09-30&to=2026-09-01", "from 2026-09-30 is after to 2026-09-01"),
        ("from=2025-01-01&to=2026-06-30", "choose at most 366"),
        ("from=2026-09-01&compare=decade", "compare='decade'"),
    ],
)
def test_a_bad_range_is_a_400_page_that_says_why(hq, query, says):
    log_in(hq)
    answer = hq.client.get(f"/stores/s1?{query}")
    assert answer.status_code == 400
    assert says in answer.text.replace("&#39;", "'")


def test_a_malformed_day_is_refused_naming_the_field(hq):
    log_in(hq)
    answer = hq.client.get("/stores/s1?from=2026-02-30")
    assert answer.status_code == 422
    assert "from" in answer.json()["error"]["message"]


def test_the_default_is_the_last_30_days_and_a_leap_day_has_a_year_before():
    today = date(2028, 3, 15)
    default = choose(today, None, None, "previous")
    assert (default.first, default.last, default.chosen) == (date(2028, 2, 15), today, False)
    leap = choose(today, date(2028, 2, 29), date(2028, 2, 29), "year")
    assert leap.before == (date(2027, 2, 28), date(2027, 2, 28))
    only_from = choose(today, date(2028, 1, 1), None, "previous")
    assert only_from.last == date(2028, 1, 30)


def test_the_range_form_in_chromium_shows_the_days_chosen(hq, browser):  # noqa: F811
    log_in(hq)
    spread(hq, hq.clock.now - timedelta(days=60), 60, 2)
    with LiveServer(hq.app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server.url}/login")
        page.fill("input[name=username]", "admin")
        from tests.hq.conftest import PASSWORD

        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{server.url}/stores/s1")
        page.fill("#range input[name=from]", "2026-10-01")
        page.fill("#range input[name=to]", "2026-10-14")
        page.select_option("#range select[name=compare]", "previous")
        page.click("#range button[type=submit]")
        page.wait_for_url(re.compile(r".*from=2026-10-01&to=2026-10-14.*"))
        assert page.locator("section h2").first.inner_text() == "2026-10-01 – 2026-10-14"
        assert page.locator('[data-period="2026-10-01 – 2026-10-14"]').count() == 1
        assert page.locator("#daily tbody tr").count() == 14
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "store-range.png"), full_page=True)
        page.close()
