"""A region's page does not grow with the region: its stores' ranking shows its first rows
in the order chosen and links to the whole ranking, a page at a time, whose pages together
are exactly the ranking; the place and change headings turn the order round; what is not
a ranking or a page is a 400 naming it. On SQLite and PostgreSQL, with the window and the
page made small (the same code as at 20 and 50 rows)."""

from __future__ import annotations

import re

import pytest

from hq.dashboard.regions import pages
from hq.people.roles import add_region, set_store_region
from tests.hq.dashboard.test_ranking_windows import chain  # noqa: F401 -- the fixture

STORES = [f"s{i}" for i in range(1, 9)]


@pytest.fixture
def region(chain, monkeypatch):  # noqa: F811 -- the fixture above
    """Every store of the chain in region r: its ranking is the chain's."""
    monkeypatch.setattr(pages, "RANKED", 3)
    monkeypatch.setattr(pages, "RANK_PAGE", 2)
    with chain.sessions() as s:
        add_region(s, "r", "Rannikko", None, chain.clock.now)
        for store in STORES:
            set_store_region(s, store, "r")
    return chain


def _rows(html: str, kind: str = "csat") -> list[tuple[str, str]]:
    table = html.split(f'id="ranking-stores-{kind}"')[1].split("</table>")[0]
    return re.findall(r'data-store="([^"]+)" data-rank="([^"]*)"', table)


def _estimates(html: str, table: str) -> dict[str, str]:
    rows = html.split(f'id="{table}"')[1].split("</table>")[0]
    return dict(re.findall(r'data-store="([^"]+)".*?data-metric="estimate">([^<]+)<', rows, re.S))


def test_the_region_shows_its_first_stores_and_links_to_the_whole_ranking(region):
    page = region.client.get("/regions/r").text
    assert _rows(page) == [("s1", "1"), ("s2", "2"), ("s3", "3")]
    more = page.split('id="more-csat"')[1].split("</p>")[0]
    assert "The first 3 of 8 stores in this order." in more
    assert 'href="/regions/r?ranking=csat&sort=rank"' in more
    assert 'id="whole-region"' not in page and 'class="pager"' not in page


def test_the_pages_of_the_regions_ranking_are_the_ranking_in_order(region):
    seen, page = [], 1
    while True:
        html = region.client.get(f"/regions/r?ranking=csat&page={page}").text
        seen += _rows(html)
        assert 'id="more-csat"' not in html and "page " + str(page) + " of 4" in html
        if 'rel="next"' not in html:
            break
        assert f'href="?page={page + 1}&sort=rank&amp;ranking=csat"' in html
        page += 1
    assert page == 4
    assert seen == [(f"s{i}", str(i)) for i in range(1, 8)] + [("s8", "")]
    assert 'id="whole-region" href' not in html  # the id follows the address
    assert 'href="/regions/r?sort=rank" id="whole-region"' in html


def test_the_regions_ranking_is_the_chains_when_it_holds_every_store(region):
    whole = region.client.get("/?ranking=csat&page=1").text
    own = region.client.get("/regions/r?ranking=csat&page=1").text
    assert _estimates(own, "ranking-stores-csat") == _estimates(whole, "ranking-csat")
    assert len(_estimates(own, "ranking-stores-csat")) == 2


def test_the_place_and_change_headings_turn_the_order_round(region):
    page = region.client.get("/regions/r").text
    assert 'href="?sort=-rank"' in page
    worst = region.client.get("/regions/r?sort=-rank").text
    assert _rows(worst) == [("s7", "7"), ("s6", "6"), ("s5", "5")]
    assert 'href="?sort=rank"' in worst and "sort=-rank" in worst.split('id="more-csat"')[1]
    last = region.client.get("/regions/r?ranking=csat&sort=-rank&page=4").text
    assert _rows(last) == [("s1", "1"), ("s8", "")]  # no place: last either way
    falls = region.client.get("/regions/r?sort=-change").text
    assert 'href="?sort=change"' in falls and len(_rows(falls)) == 3
    odd = region.client.get("/regions/r?sort=<b>").text  # not an order: the places'
    assert _rows(odd) == _rows(page) and "<b>" not in odd


@pytest.mark.parametrize(
    ("query", "named"),
    [("ranking=csats", "ranking: &#39;csats&#39; is not csat, nps or ces"),
     ("ranking=csat&page=5", "there is no page 5 of the stores; there are 4"),
     ("page=2", "there is no page 2 of the stores; there are 1"),
     ("ranking=<b>x</b>", "ranking: &#39;&lt;b&gt;x&lt;/b&gt;&#39; is not csat, nps or ces")],
)  # fmt: skip
def test_what_is_not_a_ranking_or_a_page_is_a_400_naming_it(region, query, named):
    answer = region.client.get(f"/regions/r?{query}")
    assert answer.status_code == 400 and named in answer.text


def test_a_kind_no_store_is_ranked_by_says_so(region):
    answer = region.client.get("/regions/r?ranking=nps")
    assert answer.status_code == 200
    assert "No store of these is ranked by NPS in these days." in answer.text
    assert 'id="ranking-stores-' not in answer.text


def test_the_whole_ranking_pages_without_the_regions_other_figures(region, monkeypatch):
    """Paging through a whole ranking reads and shows only the ranking: the region's
    summary, cards and heat map are on its page, not on every page of the ranking; the
    form keeps the ranking and the order."""

    def never(*args, **kwargs):
        raise AssertionError("the whole ranking read the region's figures")

    monkeypatch.setattr(pages, "region_page", never)
    monkeypatch.setattr(pages, "region_summary", never)
    html = region.client.get("/regions/r?ranking=csat&sort=-rank&page=2").text
    assert _rows(html) == [("s5", "5"), ("s4", "4")]
    for section in ('id="region-cards"', 'id="weekly"', 'id="heat'):
        assert section not in html
    form = html.split('id="range"')[1].split("</form>")[0]
    assert 'name="ranking" value="csat"' in form and 'name="sort" value="-rank"' in form
    with pytest.raises(AssertionError, match="read the region's figures"):
        region.client.get("/regions/r")  # the region's own page does read them
