"""Regions as a level (issue 30), on SQLite and PostgreSQL: a manager lands on their part,
a region's page sums its stores and ranks them, the regions are ranked, the all-stores
page filters by region, the API gives a region's figures; a region outside a reader's
part is answered as one that does not exist."""

from __future__ import annotations

import re

from tests.hq.conftest import PASSWORD, csrf_of
from tests.hq.region_fixtures import READERS, build_chain, client_of


def _user(scope: str, role: str = "manager") -> str:
    return f"u{READERS.index((role, scope))}"


def _landing(hq, username: str) -> str:
    from fastapi.testclient import TestClient

    client = TestClient(hq.app)
    data = {"username": username, "password": PASSWORD, "csrf": csrf_of(client.get("/login").text)}
    return client.post("/login", data=data, follow_redirects=False).headers["location"]


def test_a_manager_lands_on_their_region_or_their_store(hq):
    build_chain(hq)
    assert _landing(hq, _user("region:south")) == "/regions/south"
    assert _landing(hq, _user("region:east")) == "/regions/east"
    assert _landing(hq, _user("store:s1")) == "/stores/s1"
    assert _landing(hq, _user("", "analyst")) == "/"
    assert _landing(hq, "admin") == "/"


def _card(html: str, period: str, metric: str) -> str:
    card = html.split(f'data-period="{period}"')[1].split("</div>")[0]
    return re.search(rf'data-metric="{metric}">([^<]+)<', card).group(1)


def test_a_regions_page_sums_its_stores_and_ranks_them(hq):
    build_chain(hq)
    south = client_of(hq, _user("region:south"))
    page = south.get("/regions/south")
    assert page.status_code == 200
    html = page.text
    # s1: 80 ratings a day ago and 9 on its second kiosk two days ago; s4: 3 (its 40 days
    # ago are outside the 30 days).
    assert _card(html, "30 days", "count") == "92"
    assert _card(html, "30 days", "csat") == "67.4"  # 50 + 9 + 3 happy of 92
    stores = html.split('id="ranking-stores-csat"')[1].split("</table>")[0]
    assert re.findall(r'data-store="([^"]+)" data-rank="([^"]*)"', stores) == [
        ("s1", "1"),
        ("s4", ""),
    ]
    place = re.search(r'id="region-place" data-rank="([^"]*)"', html).group(1)
    assert place in ("1", "2")
    assert 'id="heat-map"' in html and 'data-reason="queue"' in html
    north = client_of(hq, _user("region:north")).get("/regions/north").text
    own = north.split('id="ranking-regions-csat"')[1].split("</table>")[0]
    assert 'data-region="east"' in own  # a region's own regions, ranked


def test_a_region_outside_a_readers_part_does_not_exist_for_them(hq):
    build_chain(hq)
    south = client_of(hq, _user("region:south"))
    theirs, nowhere = south.get("/regions/north"), south.get("/regions/nosuch")
    assert theirs.status_code == nowhere.status_code == 404
    assert theirs.text.replace("north", "X") == nowhere.text.replace("nosuch", "X")
    store = client_of(hq, _user("store:s1"))
    assert store.get("/regions/south").status_code == 404  # a store's manager: not the region
    east = client_of(hq, _user("region:east"))
    assert east.get("/regions/north").status_code == 404  # the region above is not theirs


def test_a_region_without_stores_has_an_empty_page_for_the_admin(hq):
    from hq.people.roles import add_region

    build_chain(hq)
    with hq.sessions() as s:
        add_region(s, "empty", "Tyhjä", None, hq.clock.now)
    admin = client_of(hq, "admin")
    page = admin.get("/regions/empty")
    assert page.status_code == 200 and 'data-metric="count">0<' in page.text
    assert admin.get("/regions/empty?from=2026-11-01&to=2026-11-10").status_code == 200
    assert admin.get("/regions/empty?from=2026-11-10&to=2026-11-01").status_code == 400
    assert admin.get("/?region=empty").status_code == 400  # holds no store to show
    assert 'data-region="empty"' not in admin.get("/regions").text


def test_the_regions_are_ranked_and_each_reader_sees_the_admins_rows(hq):
    build_chain(hq)
    rows = r'(<tr data-region="([^"]+)".*?</tr>)'
    admin = {r: row for row, r in re.findall(rows, client_of(hq, "admin").get("/regions").text,
                                             re.S)}  # fmt: skip
    assert set(admin) == {"south", "north"}  # east is under the north, not directly under
    south_page = client_of(hq, _user("region:south")).get("/regions").text
    south = {r: row for row, r in re.findall(rows, south_page, re.S)}
    assert south == {"south": admin["south"]}
    store = client_of(hq, _user("store:s1")).get("/regions").text
    assert 'id="no-regions"' in store and "data-region" not in store


def test_the_all_stores_page_shows_one_regions_stores(hq):
    build_chain(hq)
    admin = client_of(hq, "admin")
    page = admin.get("/?region=north").text
    assert set(re.findall(r'<tr data-store="([^"]+)"', page)) == {"s2", "s3"}
    assert '<option value="north" selected>' in page
    everything = admin.get("/").text
    for sid in ("s2", "s3"):  # the same rows as on the chain's page: the same reference
        row = re.search(rf'<tr data-store="{sid}" data-rank.*?</tr>', page, re.S).group(0)
        assert row in everything
    bad = admin.get("/?region=nosuch")
    assert bad.status_code == 400 and 'data-field="region"' in bad.text
    south = client_of(hq, _user("region:south"))
    assert south.get("/?region=north").status_code == 400  # not theirs: as if none
    assert south.get("/?region=south").status_code == 200


def test_the_api_gives_a_regions_figures_to_those_who_may_see_it(hq):
    readers = build_chain(hq)

    def get(token: str, region: str):
        return hq.client.get(f"/api/v1/regions/{region}/figures",
                             headers={"Authorization": f"Bearer {token}"})  # fmt: skip

    whole = get(readers[""], "south")
    assert whole.status_code == 200
    body = whole.json()
    assert body["stores"] == 2 and body["metric"] == "csat"
    assert sum(d["ratings"] for d in body["days"]) == 92
    assert [r["id"] for r in body["ranking"]] == ["s1", "s4"]
    assert body["place"]["id"] == "south" and body["of"] == 2
    assert get(readers["region:south"], "south").json() == body  # the same for every reader
    theirs, nowhere = get(readers["region:south"], "north"), get(readers["region:south"], "zz")
    assert theirs.status_code == nowhere.status_code == 404
    assert get(readers["store:s1"], "south").status_code == 404
    bad = hq.client.get("/api/v1/regions/south/figures?from=2026-11-10&to=2026-11-01",
                        headers={"Authorization": f"Bearer {readers['']}"})  # fmt: skip
    assert bad.status_code == 400
