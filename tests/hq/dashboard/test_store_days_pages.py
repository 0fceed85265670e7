"""A store's page over a year does not render 365 rows: its daily table shows a month a
page, the latest first, and its pages together are every day of the period once. What
the page counts (the days that may lack ratings, the ratings not counted) is still of
every day, whichever page is shown. A page that is not there is a 400 naming it. On
SQLite and PostgreSQL; in Chromium on a phone and a desktop, in Finnish and English."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from hq.insight.figures import DAY_PAGE
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import log_in
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture
from tests.hq.dashboard.test_phone import WIDEST
from tests.hq.dashboard.test_ranking_windows_browser import admin_at

LAST = "2026-11-20"  # s1's local today at the tests' clock
FIRST = "2025-11-21"  # 365 days: 11 pages of 31 and one of 24
YEAR = f"from={FIRST}&to={LAST}"


def _days(html: str) -> list[str]:
    table = html.split('id="daily"')[1].split("</table>")[0]
    return re.findall(r'<tr data-date="([^"]+)"', table)


@pytest.fixture
def year(hq):
    """s1 with a gap between 40 and 35 days ago (k1 sent seq 1–3, then 7–8, and says it
    numbered 8: page 2 of the days) and a repeat 300 days ago (page 10)."""
    now = hq.clock.now
    when = [now - timedelta(days=d) for d in (40, 40, 40, 35, 35)]
    ratings = [hq.rating(seq=seq, recorded_at=to_utc_text(at))
               for seq, at in zip((1, 2, 3, 7, 8), when, strict=True)]  # fmt: skip
    ratings.append(hq.rating(seq=9, flag="repeat",
                             recorded_at=to_utc_text(now - timedelta(days=300))))  # fmt: skip
    assert hq.post(ratings).status_code == 200
    status = {"databases": [{"database_id": "legacy", "last_seq": 9, "pending": 0, "held": 0}]}
    assert hq.client.post("/api/v1/heartbeat", json=status, headers=hq.auth()).status_code == 200
    log_in(hq)
    return hq


def test_the_pages_of_days_are_every_day_once_the_latest_first(year):
    seen, page = [], 1
    while True:
        html = year.client.get(f"/stores/s1?{YEAR}&page={page}").text
        days = _days(html)
        assert len(days) == (DAY_PAGE if page < 12 else 365 - 11 * DAY_PAGE)
        assert f"page {page} of 12" in html
        seen += days
        if 'rel="next"' not in html:
            break
        kept = f"compare=previous&amp;from={FIRST}&amp;to={LAST}#days"  # the days, to the table
        assert f'href="?page={page + 1}&{kept}"' in html
        page += 1
    assert page == 12
    last = year.clock.now.date()
    assert seen == [(last - timedelta(days=i)).isoformat() for i in range(365)]


def test_what_the_page_counts_is_of_every_day(year):
    first = year.client.get(f"/stores/s1?{YEAR}").text
    # the six days of the gap are on page 2, yet page 1 says six days may lack ratings
    assert 'data-incomplete="yes"' not in first.split('id="daily"')[1]
    note = first.split('id="incomplete-note"')[1].split("</p>")[0]
    assert note.lstrip(">").startswith("6 day(s) may lack ratings")
    assert '<tr data-flag="repeat"><td class="num">1</td>' in first  # from page 10
    second = year.client.get(f"/stores/s1?{YEAR}&page=2").text
    marked = re.findall(r'<tr data-date="([^"]+)" data-incomplete="yes"', second)
    ago = [(year.clock.now.date() - timedelta(days=d)).isoformat() for d in range(35, 41)]
    assert sorted(marked) == sorted(ago)
    tenth = year.client.get(f"/stores/s1?{YEAR}&page=10").text
    assert 'data-not-counted="repeat=1"' in tenth


def test_a_month_is_one_page_without_a_pager(year):
    html = year.client.get("/stores/s1").text
    assert len(_days(html)) == 30 and 'class="pager"' not in html and " of 1<" not in html


@pytest.mark.parametrize(
    ("query", "named"),
    [(f"{YEAR}&page=13", "there is no page 13 of the days; there are 12"),
     ("page=2", "there is no page 2 of the days; there are 1")],
)  # fmt: skip
def test_a_page_that_is_not_there_is_a_400_naming_it(year, query, named):
    answer = year.client.get(f"/stores/s1?{query}")
    assert answer.status_code == 400 and named in answer.text


WORDS = {"en": "pages of the days", "fi": "päivien sivut"}


@pytest.mark.parametrize(("lang", "width"), [("fi", 390), ("en", 1366)])
def test_a_manager_pages_back_through_a_year_on_a_phone(year, browser, lang, width):  # noqa: F811
    with admin_at(browser, year.app, lang, width) as (page, server):
        page.goto(f"{server.url}/stores/s1?{YEAR}")
        rows = page.locator("#daily tbody tr")
        assert rows.count() == DAY_PAGE and rows.first.get_attribute("data-date") == LAST
        pager = page.get_by_role("navigation", name=WORDS[lang])
        pager.get_by_role("link", name="2", exact=True).click()
        page.wait_for_url("**page=2**")
        assert f"from={FIRST}" in page.url and page.url.endswith("#days")
        newest = (year.clock.now.date() - timedelta(days=DAY_PAGE)).isoformat()
        assert rows.first.get_attribute("data-date") == newest
        assert page.locator("#daily tr[data-incomplete=yes]").count() == 6
        wide = page.evaluate(WIDEST, width)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, wide
        page.screenshot(path=ARTIFACTS / f"hq-store-days-{lang}-{width}.png", full_page=True)
