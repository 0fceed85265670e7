"""Figures that never depend on who looks (issue 30, B1), on SQLite and PostgreSQL.

A chain of regions and stores with ratings; for random readers (a manager of a region, of a
region under a region, of one store; an analyst; an API token of any of those scopes), a
random ranking period and sort: every figure the reader sees (a store's rows on the
all-stores page: place, estimate, interval, own figure, change; its store page's cards,
trend, heat map, reasons and kiosks; its API days and its export; a region's page and its
row in the ranking of regions) is the admin's figure of that same store or region. Before
the fix the ranking's chain mean was the reader's own stores': a region's manager saw other
estimates and places than the admin.
"""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hq.region_fixtures import CHAIN, READERS, SCOPES, build_chain, client_of


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
    readers = build_chain(hq)
    admin = client_of(hq, "admin")
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
            clients[reader] = client_of(hq, f"u{reader}")
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
        regions = [r for r in ("south", "north", "east") if role == "analyst" or _in(scope, r)]
        span = query.split("&", 1)[1] if "&" in query else ""
        for region in regions:  # a region's page: all of it, as the admin's
            if (region, span) not in admin_pages:
                admin_pages[region, span] = _main(admin.get(f"/regions/{region}?{span}").text)
            assert (
                _main(clients[reader].get(f"/regions/{region}?{span}").text)
                == admin_pages[region, span]
            )
        shown = _main(clients[reader].get(f"/regions?{span}").text)
        for row, _region in re.findall(r'(<tr data-region="([^"]+)".*?</tr>)', shown, re.S):
            assert row in admin_pages.setdefault(("regions", span), _main(admin.get(
                f"/regions?{span}").text))  # fmt: skip

    check()


def _main(html: str) -> str:
    return html.split("<main>")[1].split("</main>")[0]


def _in(scope: str, sid: str) -> bool:
    """Whether store *sid* (or region *sid*) is in *scope* by the chain above (east is
    under north)."""
    region = CHAIN[sid][1] if sid in CHAIN else sid
    if scope.startswith("store:"):
        return scope == f"store:{sid}"
    wanted = scope.removeprefix("region:")
    return region == wanted or (wanted == "north" and region == "east")
