"""Figures that never depend on who looks (issue 30, B1), on SQLite and PostgreSQL.

A chain of regions and stores with ratings; for random readers (a manager of a region, of a
region under a region, of one store; an analyst; an API token of any of those scopes), a
random ranking period and sort: every figure the reader sees of a store (its rows on the
all-stores page: place, estimate, interval, own figure, change; its store page's cards,
trend, heat map, reasons and kiosks; its API days and its export) is the admin's figure of
that same store. Before the fix the ranking's chain mean was the reader's own stores': a
region's manager saw other estimates and places than the admin.
"""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from hq.people.admin import add_api_token, add_device, add_store, add_user
from hq.people.roles import add_region, set_store_region
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import PASSWORD, csrf_of

# store: (name, region, [(days ago, scores)])
CHAIN = {
    "s1": ("Kamppi", "south", [(1, [4] * 50 + [1] * 30), (40, [4] * 20 + [1] * 20)]),
    "s2": ("Tampere", "north", [(2, [4] * 40 + [1] * 5), (35, [4] * 10 + [1] * 10)]),
    "s3": ("Oulu", "east", [(3, [4] * 12 + [2] * 20), (50, [4] * 30)]),
    "s4": ("Espoo", "south", [(1, [4, 4, 3])]),
    "s5": ("Turku", None, [(4, [3] * 25 + [1] * 10), (5, [4] * 10)]),
}
SCOPES = ["region:south", "region:north", "region:east", "store:s1", "store:s2", "store:s3",
          "store:s4", "store:s5"]  # fmt: skip
READERS = [("manager", scope) for scope in SCOPES] + [("analyst", "")]


def _build(hq) -> dict[str, str]:
    """The chain above; the API tokens of every scope (and the whole chain's)."""
    now = hq.clock.now
    tokens = {}
    with hq.sessions() as s:
        add_region(s, "south", "Etelä", None, now)
        add_region(s, "north", "Pohjoinen", None, now)
        add_region(s, "east", "Itä", "north", now)  # under the north
        for sid, (name, region, _) in CHAIN.items():
            if sid not in ("s1", "s2"):  # the fixture's stores
                add_store(s, sid, name, "Europe/Helsinki", now)
            set_store_region(s, sid, region)
        for sid in CHAIN:
            tokens[sid] = {"s1": hq.token, "s2": hq.extra_devices["k2"]}.get(sid) or add_device(
                s, sid, f"k{sid[1:]}", now
            )
        second = add_device(s, "s1", "k1b", now)  # s1 has two kiosks: a ranking of them
        readers = {
            scope: add_api_token(s, f"t-{scope.replace(':', '-') or 'chain'}", now, scope)
            for scope in [*SCOPES, ""]
        }
        for i, (role, scope) in enumerate(READERS):
            add_user(s, f"u{i}", PASSWORD, now, role=role, scope=scope)
    for sid, (_, _, batches) in CHAIN.items():
        device = f"k{sid[1:]}"
        for days_ago, scores in batches:
            at = to_utc_text(now - timedelta(days=days_ago, minutes=5))
            rows = [hq.rating(device_id=device, store_id=sid, score=x, recorded_at=at,
                              reason="queue" if x == 1 else None) for x in scores]  # fmt: skip
            assert hq.post(rows, tokens[sid]).status_code == 200
    at = to_utc_text(now - timedelta(days=2, minutes=5))
    rows = [hq.rating(device_id="k1b", store_id="s1", score=x, recorded_at=at) for x in [4] * 9]
    assert hq.post(rows, second).status_code == 200
    return readers


def _client(hq, username: str) -> TestClient:
    client = TestClient(hq.app)
    data = {"username": username, "password": PASSWORD, "csrf": csrf_of(client.get("/login").text)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return client


def _rows(html: str) -> dict[str, list[str]]:
    """Each store's rows on the all-stores page (its ranking row, its row by name)."""
    out: dict[str, list[str]] = {}
    for row, store in re.findall(r'(<tr data-store="([^"]+)".*?</tr>)', html, re.S):
        out.setdefault(store, []).append(row)
    return out


def _store_figures(html: str) -> list[str]:
    """The figures of a store page: cards, trend, heat map, reasons, kiosks."""
    cards = html.split('<section class="cards">')[1].split("</section>")[0]
    trend = html.split('class="trend"')[1].split("</svg>")[0]
    rest = html.split('<section class="two">')[1].split("</section>")[0]
    kiosks = ""
    if 'id="ranking-kiosks"' in html:
        kiosks = html.split('id="ranking-kiosks"')[1].split("</table>")[0]
    return [cards, trend, rest, kiosks]


def test_every_reader_sees_the_admins_figures_of_a_store(hq):
    readers = _build(hq)
    admin = _client(hq, "admin")
    clients: dict[int, TestClient] = {}
    admin_pages: dict[str, dict] = {}
    admin_stores: dict[str, list[str]] = {}
    admin_api: dict[str, tuple] = {}
    chain_token = readers[""]

    def api(token: str, sid: str, query: str) -> tuple:
        auth = {"Authorization": f"Bearer {token}"}
        days = hq.client.get(f"/api/v1/stores/{sid}/daily?{query}", headers=auth)
        export = hq.client.get(f"/api/v1/export.csv?store={sid}&{query}", headers=auth)
        return days.status_code, days.json(), export.status_code, export.text

    @settings(max_examples=25, deadline=None, database=None)
    @given(
        reader=st.sampled_from(range(len(READERS) + len(SCOPES) + 1)),
        sort=st.sampled_from(["rank", "name", "n", "change"]),
        back=st.one_of(st.none(), st.integers(0, 20)),
        length=st.integers(1, 45),
    )
    def check(reader: int, sort: str, back: int | None, length: int) -> None:
        query = f"sort={sort}"
        if back is not None:
            last = (hq.clock.now - timedelta(days=back)).date()
            first = last - timedelta(days=length - 1)
            query += f"&from={first.isoformat()}&to={last.isoformat()}"
        if reader >= len(READERS):  # an API token of a scope
            scope = [*SCOPES, ""][reader - len(READERS)]
            shown = [s for s in CHAIN if scope in ("", f"store:{s}") or _in(scope, s)]
            span = query.split("&", 1)[1] if "&" in query else ""
            for sid in shown:
                if (sid, span) not in admin_api:
                    admin_api[sid, span] = api(chain_token, sid, span)
                assert api(readers[scope], sid, span) == admin_api[sid, span]
                assert admin_api[sid, span][0] == 200
            return
        if reader not in clients:
            clients[reader] = _client(hq, f"u{reader}")
        if query not in admin_pages:
            admin_pages[query] = _rows(admin.get(f"/?{query}").text)
        seen = _rows(clients[reader].get(f"/?{query}").text)
        role, scope = READERS[reader]
        wanted = {s for s in CHAIN if role == "analyst" or _in(scope, s)}
        assert set(seen) == wanted
        for sid, rows in seen.items():
            assert rows == admin_pages[query][sid], (READERS[reader], sid)
            if sid not in admin_stores:
                admin_stores[sid] = _store_figures(admin.get(f"/stores/{sid}").text)
            page = clients[reader].get(f"/stores/{sid}")
            assert _store_figures(page.text) == admin_stores[sid]

    check()


def _in(scope: str, sid: str) -> bool:
    """Whether store *sid* is in *scope* by the chain above (east is under north)."""
    region = CHAIN[sid][1]
    if scope.startswith("store:"):
        return scope == f"store:{sid}"
    wanted = scope.removeprefix("region:")
    return region == wanted or (wanted == "north" and region == "east")
