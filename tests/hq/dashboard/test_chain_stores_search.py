"""*Stores and kiosks* does not grow with the chain: the admin (or a region's manager)
finds a store by part of its name or id, or lists a region's stores with the regions
under it, 50 a page, and its pages together are every store they may change once. The
API's list is the same search. A kiosk's move offers the chain's stores once per page,
not once per kiosk. What is not a region of theirs, or not a page, is a 400 naming it.
On SQLite and PostgreSQL; in Chromium on a phone in Finnish and on a desktop in English."""

from __future__ import annotations

import re

import pytest

from hq.dashboard.chain.stores_page import PAGE
from hq.fleet.chain.stores import stores_for
from hq.people.admin import add_api_token, add_store, add_user
from hq.people.roles import add_region, set_store_region
from tests.hq.conftest import PASSWORD, csrf_of, log_in
from tests.hq.dashboard.test_dashboard import ARTIFACTS, browser  # noqa: F401 -- the fixture
from tests.hq.dashboard.test_phone import WIDEST
from tests.hq.dashboard.test_ranking_windows_browser import admin_at

NORTH = [f"n{i:03d}" for i in range(60)]  # the last ten in North's sub-region, Lapland
OTHERS = [f"x{i:03d}" for i in range(60)]


@pytest.fixture
def chain(hq):
    """122 stores: s1 Kamppi, s2 Tampere, 60 in North (10 of them in Lapland, under
    it) and 60 directly under the chain."""
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "north", "North", None, now)
        add_region(s, "lapland", "Lapland", "north", now)
        for i, store in enumerate(NORTH):
            add_store(s, store, f"Pohjola {i}", "Europe/Helsinki", now)
            set_store_region(s, store, "lapland" if i >= 50 else "north")
        for i, store in enumerate(OTHERS):
            add_store(s, store, f"Muu {i}", "Europe/Helsinki", now)
        add_user(s, "pia", PASSWORD, now, role="manager", scope="region:north")
    log_in(hq)
    return hq


def _listed(html: str) -> list[str]:
    rows = html.split('id="chain-stores"')[1].split("</table>")[0]
    return re.findall(r'<tr data-store="([^"]+)"', rows)


def test_the_pages_are_every_store_once_in_the_lists_order(chain):
    with chain.sessions() as s:
        expected = [st.id for st in stores_for(s, None)]
    seen, page = [], 1
    while True:
        html = chain.client.get(f"/chain/stores?page={page}").text
        assert "122 stores" in html and f"page {page} of 3" in html
        rows = _listed(html)
        assert len(rows) == (PAGE if page < 3 else 122 - 2 * PAGE)
        seen += rows
        if 'rel="next"' not in html:
            break
        assert f'href="?page={page + 1}&q=&amp;region="' in html
        page += 1
    assert seen == expected


@pytest.mark.parametrize(
    ("query", "found"),
    [("q=KAMPPI", ["s1"]), ("q=++kamppi+", ["s1"]), ("q=n04", [f"n04{i}" for i in range(10)]),
     ("region=lapland", NORTH[50:]), ("q=Pohjola+5&region=lapland", NORTH[50:]),
     ("q=Tampere&region=north", [])],
)  # fmt: skip
def test_a_store_is_found_by_part_of_its_name_or_id_or_its_region(chain, query, found):
    html = chain.client.get(f"/chain/stores?{query}").text
    assert sorted(_listed(html)) == sorted(found)
    assert f"{len(found)} of 122 stores match." in html
    assert ("No store matches." in html) == (not found)


def test_a_regions_pages_hold_the_regions_under_it_and_keep_the_search(chain):
    first = chain.client.get("/chain/stores?region=north").text
    assert "60 of 122 stores match." in first and "page 1 of 2" in first
    assert 'href="?page=2&q=&amp;region=north"' in first
    second = chain.client.get("/chain/stores?region=north&page=2").text
    assert sorted(_listed(first) + _listed(second)) == sorted(NORTH)


@pytest.mark.parametrize(
    ("query", "named"),
    [("region=nope", "region: &#39;nope&#39; is not a region of yours"),
     ("page=4", "there is no page 4 of the stores; there are 3"),
     ("region=north&page=3", "there is no page 3 of the stores; there are 2")],
)  # fmt: skip
def test_what_is_not_a_region_or_a_page_is_a_400_naming_it(chain, query, named):
    answer = chain.client.get(f"/chain/stores?{query}")
    assert answer.status_code == 400 and named in answer.text


def test_markup_searched_for_is_shown_as_text(chain):
    html = chain.client.get("/chain/stores", params={"q": '<b>x"</b>'}).text
    assert 'value="&lt;b&gt;x&#34;&lt;/b&gt;"' in html and "<b>x" not in html


def test_a_regions_manager_searches_only_their_part(chain):
    chain.client.cookies.clear()
    page = chain.client.get("/login").text
    chain.client.post("/login", data={"username": "pia", "password": PASSWORD,
                                      "csrf": csrf_of(page)})  # fmt: skip
    mine = chain.client.get("/chain/stores?q=1").text
    assert set(_listed(mine)) == {s for s in NORTH if "1" in s}  # not s1, not x…1
    assert chain.client.get("/chain/stores?region=lapland").status_code == 200
    assert sorted(_listed(chain.client.get("/chain/stores?region=lapland").text)) == NORTH[50:]


def test_the_api_lists_the_same_search(chain):
    with chain.sessions() as s:
        now = chain.clock.now
        tokens = (add_api_token(s, "ops", now),
                  add_api_token(s, "pia-script", now, scope="region:north"))  # fmt: skip
    api, pia = ({"Authorization": f"Bearer {token}"} for token in tokens)

    def ids(query: str, headers=api) -> list[str]:
        answer = chain.client.get(f"/api/v1/stores?{query}", headers=headers)
        assert answer.status_code == 200, answer.text
        return sorted(s["id"] for s in answer.json())

    assert ids("q=kamppi") == ["s1"] and ids("region=lapland") == NORTH[50:]
    assert ids("q=pohjola+5&region=north") == ["n005", *NORTH[50:]]
    assert len(ids("")) == 122
    assert ids("q=1", pia) == sorted(s for s in NORTH if "1" in s)
    unknown = chain.client.get("/api/v1/stores?region=nope", headers=api)
    assert unknown.status_code == 400 and "region" in unknown.json()["error"]["message"]
    # a region outside the token's part is answered as one that does not exist
    with chain.sessions() as s:
        add_region(s, "south", "South", None, chain.clock.now)
    theirs = chain.client.get("/api/v1/stores?region=south", headers=pia)
    nowhere = chain.client.get("/api/v1/stores?region=nope", headers=pia)
    assert theirs.status_code == nowhere.status_code == 400
    assert (
        theirs.json()["error"]["message"].replace("south", "nope")
        == nowhere.json()["error"]["message"]
    )


def test_a_kiosks_move_offers_the_stores_once(chain):
    html = chain.client.get("/chain/stores/s1").text
    assert html.count("<datalist") == 1 and html.count('<option value="n0') == len(NORTH)
    field = html.split('id="store-kiosks"')[1].split("</table>")[0]
    assert 'list="other-stores"' in field and '<select name="store"' not in field


FIND = {"fi": "Etsi", "en": "Find"}


@pytest.mark.parametrize(("lang", "width"), [("fi", 390), ("en", 1366)])
def test_the_admin_finds_a_store_on_a_phone(chain, browser, lang, width):  # noqa: F811
    with admin_at(browser, chain.app, lang, width) as (page, server):
        page.goto(f"{server.url}/chain/stores")
        form = page.locator("#find-stores")
        form.locator("input[name=q]").fill("kamppi")
        form.get_by_role("button", name=FIND[lang]).click()
        page.wait_for_url("**q=kamppi**")
        assert [r.get_attribute("data-store") for r in
                page.locator("#chain-stores tbody tr").all()] == ["s1"]  # fmt: skip
        page.locator("#every-store").click()
        page.wait_for_url(f"{server.url}/chain/stores")
        form.locator("select[name=region]").select_option("north")
        form.locator("button[type=submit]").click()
        page.wait_for_url("**region=north**")
        page.locator("nav.pager").get_by_role("link", name="2", exact=True).click()
        page.wait_for_url("**page=2**")
        assert page.locator("#chain-stores tbody tr").count() == 10
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(
            WIDEST, width
        )
        page.screenshot(path=ARTIFACTS / f"hq-chain-stores-{lang}-{width}.png", full_page=True)


def _users_form(html: str, user: str) -> str:
    return html.split(f'<tr data-user="{user}"')[1].split("</tr>")[0]


def test_the_admin_page_offers_a_large_chain_once_not_per_user(chain):
    """Past :data:`SCOPE_SELECT` parts a user's part is a field suggesting from one list
    of the page: a select of every store per user made the page grow by the chain's size
    with each user (583 KB for one user at 1 000 stores)."""
    html = chain.client.get("/admin").text
    assert html.count('<datalist id="scopes">') == 1 and '<select name="scope"' not in html
    assert html.count('<option value="store:') == 122 and html.count('<option value="region:') == 2
    assert 'list="scopes" value="region:north"' in _users_form(html, "pia")
    with chain.sessions() as s:
        for i in range(20):
            add_user(s, f"user{i:02d}", PASSWORD, chain.clock.now, role="analyst")
    more = chain.client.get("/admin").text
    per_user = (len(more) - len(html)) / 20
    assert per_user < 3000, per_user  # a row of forms, not a row of the chain's stores
    csrf = csrf_of(more)
    role = {"csrf": csrf, "role": "manager"}
    moved = chain.client.post("/admin/users/pia/role", follow_redirects=False,
                              data={**role, "scope": "store:n001"})  # fmt: skip
    assert moved.status_code == 303
    after = chain.client.get("/admin").text
    assert 'list="scopes" value="store:n001"' in _users_form(after, "pia")
    named = chain.client.post("/admin/users/pia/role", data={**role, "scope": "Pohjola 1"})
    assert named.status_code == 400 and "scope" in named.text


def test_a_small_chain_keeps_its_select(hq):
    log_in(hq)
    html = hq.client.get("/admin").text
    assert '<select name="scope"' in html and "<datalist" not in html


def test_the_admin_adds_a_manager_of_a_large_chain_on_a_phone(chain, browser):  # noqa: F811
    with admin_at(browser, chain.app, "fi", 390) as (page, server):
        page.goto(f"{server.url}/admin")
        form = page.locator("#add-user")
        form.locator("input[name=username]").fill("ville")
        form.locator("input[name=password]").fill(PASSWORD)
        form.locator("select[name=role]").select_option("manager")
        assert form.locator("input[name=scope]").get_attribute("list") == "scopes"
        form.locator("input[name=scope]").fill("region:lapland")  # a suggestion's value
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{server.url}/admin")
        row = page.locator("tr[data-user=ville] input[name=scope]")
        assert row.input_value() == "region:lapland"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(
            WIDEST, 390
        )
        page.screenshot(path=ARTIFACTS / "hq-admin-large-chain-fi-390.png", full_page=True)
