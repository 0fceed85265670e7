"""The all-stores page does not grow with the fleet: each ranking shows its first rows in
the order chosen and links to the whole ranking, a page at a time, whose pages together are
exactly the ranking; a sorted heading turns the order round (the worst places first); what
is not a ranking or a page is a 400 naming it. On SQLite and PostgreSQL, with the window
and the page made small (the same code as at 20 and 50 rows)."""

from __future__ import annotations

import re

import pytest

from hq.dashboard import overview
from hq.people.admin import add_device, add_store
from tests.hq.conftest import log_in
from tests.hq.dashboard.test_ranking_page import _rows, _send

# Seven CSAT stores with 25 ratings each and a clear order (s1 best … s7 worst), and one
# with too few ratings for a place.
HAPPY = {f"s{i}": 24 - 3 * (i - 1) for i in range(1, 8)}


@pytest.fixture
def chain(hq, monkeypatch):
    monkeypatch.setattr(overview, "RANKED", 3)
    monkeypatch.setattr(overview, "RANK_PAGE", 2)
    monkeypatch.setattr(overview, "PAGE", 3)  # stores a page of the table by name
    tokens = {"s1": hq.token, "s2": hq.extra_devices["k2"]}  # the fixture's two stores
    with hq.sessions() as s:
        for i in range(3, 9):
            add_store(s, f"s{i}", f"Store {9 - i}", "Europe/Helsinki", hq.clock.now)
            tokens[f"s{i}"] = add_device(s, f"s{i}", f"k{i}", hq.clock.now)
    for sid, happy in HAPPY.items():
        device = "k1" if sid == "s1" else f"k{sid[1:]}"
        _send(hq, tokens[sid], device, sid, [4] * happy + [1] * (25 - happy), "smiley4")
    _send(hq, tokens["s8"], "k8", "s8", [4, 4], "smiley4")
    log_in(hq)
    return hq


def test_the_front_page_shows_the_first_rows_and_links_to_the_whole_ranking(chain):
    page = chain.client.get("/").text
    assert _rows(page, "csat") == [("s1", "1"), ("s2", "2"), ("s3", "3")]
    more = page.split('id="more-csat"')[1].split("</p>")[0]
    assert "The first 3 of 8 stores in this order." in more
    assert 'href="/?ranking=csat&sort=rank"' in more
    by_name = page.split('id="stores"')[1]  # the table by name is still there, a page of it
    assert len(re.findall(r'<tr data-store="', by_name)) == 3
    pager = by_name.split('aria-label="pages of stores"')[1].split("</nav>")[0]
    assert 'href="?page=2&sort=rank" rel="next"' in pager and "<strong>1</strong>" in pager
    assert 'href="?page=3&sort=rank"' in pager and "ranking=" not in pager


def test_the_pages_of_a_whole_ranking_are_the_ranking_in_order(chain):
    seen, page, pages = [], 1, None
    while True:
        html = chain.client.get(f"/?ranking=csat&page={page}").text
        seen += _rows(html, "csat")
        assert 'id="stores"' not in html and 'id="more-csat"' not in html
        pages = pages or int(re.search(r"page 1 of (\d+)", html).group(1))
        if 'rel="next"' not in html:
            break
        assert f'href="?page={page + 1}&sort=rank&amp;ranking=csat"' in html
        page += 1
    assert page == pages == 4
    assert seen == [(f"s{i}", str(i)) for i in range(1, 8)] + [("s8", "")]
    assert 'id="all-rankings"' in html and 'href="/?sort=rank"' in html


def test_a_sorted_heading_turns_the_order_round(chain):
    page = chain.client.get("/").text
    assert 'href="?sort=-rank"' in page  # the place heading, sorted: its reverse
    worst = chain.client.get("/?sort=-rank").text
    assert _rows(worst, "csat") == [("s7", "7"), ("s6", "6"), ("s5", "5")]
    assert 'href="?sort=rank"' in worst
    whole = chain.client.get("/?ranking=csat&sort=-rank&page=4").text
    assert _rows(whole, "csat") == [("s1", "1"), ("s8", "")]  # no place: last either way
    falls = chain.client.get("/?sort=-change").text
    assert 'href="?sort=change"' in falls and len(_rows(falls, "csat")) == 3


@pytest.mark.parametrize(
    ("query", "named"),
    [("ranking=csats", "ranking: &#39;csats&#39; is not csat, nps or ces"),
     ("ranking=csat&page=5", "there is no page 5 of the stores; there are 4"),
     ("ranking=<b>x</b>", "ranking: &#39;&lt;b&gt;x&lt;/b&gt;&#39; is not csat, nps or ces")],
)  # fmt: skip
def test_what_is_not_a_ranking_or_a_page_is_a_400_naming_it(chain, query, named):
    answer = chain.client.get(f"/?{query}")
    assert answer.status_code == 400 and named in answer.text


def test_a_kind_no_store_is_ranked_by_says_so(chain):
    answer = chain.client.get("/?ranking=nps")
    assert answer.status_code == 200
    assert "No store of these is ranked by NPS in these days." in answer.text
    assert 'id="ranking-' not in answer.text
