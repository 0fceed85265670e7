"""The store page split by kiosk and by question version (issue 18), and the trend broken
where the question changes: each split's figures equal ``kiosk.counting.metrics`` over the raw
ratings of that kiosk or version; a day that mixes questions has no point; a bad split is
a 400 page naming what is wrong. On SQLite and PostgreSQL, and looked at in Chromium."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from hq.people.admin import add_device
from kiosk.counting.metrics import summarize
from kiosk.timekeeping.localtime import local_date, to_utc_text
from tests.conftest import HELSINKI
from tests.hq.conftest import LiveServer, log_in
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture
from tests.hq.insight.test_store_range import card

OLD = ("default", "overall", 1)
NEW = ("q2", "service", 2)


def fill(hq) -> list[dict]:
    """Two kiosks of s1 over 12 days: the old question until 6 days ago, then the new one;
    4 days ago kiosk k3 still asked the old one (a day that mixes both)."""
    with hq.sessions() as s:
        k3 = add_device(s, "s1", "k3", hq.clock.now)
    sent = []
    start = hq.clock.now.replace(hour=7) - timedelta(days=11)
    seqs = {"k1": 0, "k3": 0}
    for d in range(12):
        for i in range(8):
            device = "k1" if i % 2 else "k3"
            asked = OLD if d < 6 or (d == 7 and device == "k3") else NEW
            seqs[device] += 1
            sent.append(
                hq.rating(
                    device_id=device, seq=seqs[device], score=1 + (d * i) % 4,
                    survey_id=asked[0], question_id=asked[1], config_version=asked[2],
                    recorded_at=to_utc_text(start + timedelta(days=d, hours=i)),
                )
            )  # fmt: skip
    for device, token in (("k1", hq.token), ("k3", k3)):
        mine = [r for r in sent if r["device_id"] == device]
        assert hq.post(mine, token=token).status_code == 200
    return sent


def metric(ratings: list[dict]) -> dict:
    scores = {}
    for r in ratings:
        scores[r["score"]] = scores.get(r["score"], 0) + 1
    return summarize("smiley4", scores).as_dict()


def test_splits_equal_the_raw_ratings_and_a_question_change_breaks_the_trend(hq):
    log_in(hq)
    sent = fill(hq)
    html = hq.client.get("/stores/s1").text
    assert card(html, "30 days", "count") == str(len(sent))  # the cards count every question
    marks = re.findall(r'data-break="(\d+)"', html)
    days = [local_date(datetime.fromisoformat(r["recorded_at"]), HELSINKI) for r in sent]
    today = local_date(hq.clock.now, HELSINKI)
    index = {today - timedelta(days=29 - i): i for i in range(30)}
    change, mixed = index[min(days) + timedelta(days=6)], index[min(days) + timedelta(days=7)]
    assert marks == [str(change), str(mixed)]
    assert "questions mixed: overall, service" in html
    # the two versions, each with its own figures
    for asked in (OLD, NEW):
        key = "/".join(map(str, asked))
        row = html.split(f'data-asked="{key}"', 1)[1].split("</tr>", 1)[0]
        mine = [r for r in sent if (r["survey_id"], r["question_id"], r["config_version"]) == asked]
        assert re.search(r'data-metric="count">(\d+)<', row).group(1) == str(len(mine))
        assert re.search(r'data-metric="csat">([^<]*)<', row).group(1) == str(metric(mine)["csat"])

    one = hq.client.get("/stores/s1?asked=q2/service/2").text
    mine = [r for r in sent if r["question_id"] == "service"]
    assert card(one, "30 days", "count") == str(len(mine))
    assert card(one, "30 days", "csat") == str(metric(mine)["csat"])
    assert 'id="split"' in one and "data-break=" not in one

    kiosk = hq.client.get("/stores/s1?kiosk=k3").text
    mine = [r for r in sent if r["device_id"] == "k3"]
    assert card(kiosk, "30 days", "count") == str(len(mine))
    assert card(kiosk, "30 days", "index") == str(metric(mine)["index"])
    assert 'id="ranking-kiosks"' not in kiosk  # one kiosk is not ranked against itself

    both = hq.client.get("/stores/s1?kiosk=k3&asked=default/overall/1").text
    mine = [r for r in sent if r["device_id"] == "k3" and r["question_id"] == "overall"]
    assert card(both, "30 days", "count") == str(len(mine))
    # the kiosk ranking links to each kiosk's own page
    assert 'href="/stores/s1?compare=previous&kiosk=k3"' in html


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("kiosk=nope", "kiosk: there is no kiosk &#39;nope&#39; in Kamppi"),
        ("kiosk=k2", "kiosk: there is no kiosk &#39;k2&#39; in Kamppi"),  # another store's
        ("asked=overall", "asked: &#39;overall&#39; is not SURVEY/QUESTION/VERSION"),
        ("asked=default/overall/x", "is not SURVEY/QUESTION/VERSION"),
        ("asked=//1", "is not SURVEY/QUESTION/VERSION"),
    ],
)
def test_a_bad_split_is_a_400_page_that_says_why(hq, query, says):
    log_in(hq)
    answer = hq.client.get(f"/stores/s1?{query}")
    assert answer.status_code == 400
    assert says in answer.text


def test_the_split_page_in_chromium(hq, browser):  # noqa: F811 -- the fixture
    fill(hq)
    with LiveServer(hq.app) as server:
        base = server.url
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", "correct horse battery")
        page.click("button[type=submit]")
        page.goto(f"{base}/stores/s1")
        assert page.locator("svg.trend line.break").count() == 2
        page.click("#questions a >> text=service")
        assert page.locator("#split").inner_text().startswith("Only question service")
        assert page.locator("svg.trend line.break").count() == 0
        page.goto(f"{base}/stores/s1")
        page.locator("#questions").scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "store-splits.png", full_page=True)


def test_the_store_page_links_to_the_what_if_re_count_of_its_days(hq):
    log_in(hq)
    fill(hq)
    html = hq.client.get("/stores/s1?from=2026-11-10&to=2026-11-20").text
    href = re.search(r'<a id="what-if" href="([^"]+)"', html).group(1)
    assert href == "/stores/s1/what-if?from=2026-11-10&to=2026-11-20"
    page = hq.client.get(href)
    assert page.status_code == 200 and "re-counted" in page.text
