"""Regions and roles (issue 19): a region manager's session and a region's API token see
only their stores, in every page, API route and export; an analyst acts on nothing; only
an admin manages people. Every route of the app is in ROUTES (tests/hq/people/routes.py),
so a new route that nobody has classified (and so nobody has checked) fails a test. On
SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from hq.alerts.manage import add_rule
from hq.core.errors import HQError
from hq.insight.business.saving import import_business
from hq.people.access import access_of, stores_in
from hq.people.admin import add_api_token, add_device, add_store, add_user
from hq.people.roles import (
    add_region,
    move_region,
    remove_region,
    set_role,
    set_store_region,
    set_token_scope,
)
from hq.tables.alerts import Alert
from hq.tables.models import Region, Store
from hq.tables.people import ApiToken, User
from tests.hq.alert_fixtures import worker_of
from tests.hq.conftest import PASSWORD, csrf_of
from tests.hq.mailbox import Mailbox
from tests.hq.people.routes import ROUTES, app_routes, flat_routes

HIDDEN = ("Zzhidden", "zzdevice", "zzstore")  # every trace of the store outside the region


@pytest.fixture
def chain(hq):
    """s1 (Kamppi) in region south, under the chain-wide region fi; s2 and zzstore
    (Zzhidden) in north. A south manager, an analyst, a south token; ratings in each."""
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "fi", "Finland", None, now)
        add_region(s, "south", "South", "fi", now)
        add_region(s, "north", "North", "fi", now)
        add_store(s, "zzstore", "Zzhidden", "Europe/Helsinki", now)
        hidden_token = add_device(s, "zzstore", "zzdevice", now)
        for store, region in (("s1", "south"), ("s2", "north"), ("zzstore", "north")):
            set_store_region(s, store, region)
        add_user(
            s,
            "south",
            PASSWORD,
            now,
            role="manager",
            scope="region:south",
            email="south@hymio.test",
        )
        add_user(s, "reader", PASSWORD, now, role="analyst")
        south_token = add_api_token(s, "south-script", now, scope="region:south")
    assert hq.post([hq.rating()]).status_code == 200
    hidden = hq.rating(device_id="zzdevice", store_id="zzstore", seq=1)
    assert hq.post([hidden], token=hidden_token).status_code == 200
    with hq.sessions() as s:  # an open alert in each store
        add_rule(s, "clocks", "clock_unsynced", "", {}, [], now)
    for token in (hq.token, hidden_token):
        unsynced = {"clock_synced": False}
        hq.client.post("/api/v1/heartbeat", json=unsynced, headers=hq.auth(token))
    assert worker_of(hq, None).run_once()[0] == 2
    return south_token


def alert_of(hq, store: str) -> int:
    with hq.sessions() as s:
        return s.scalar(select(Alert.id).where(Alert.store_id == store))


def log_in_as(hq, username: str) -> None:
    hq.client.cookies.clear()
    page = hq.client.get("/login").text
    data = {"username": username, "password": PASSWORD, "csrf": csrf_of(page)}
    assert hq.client.post("/login", data=data, follow_redirects=False).status_code == 303


def shows_hidden(text: str) -> list[str]:
    return [h for h in HIDDEN if re.search(rf"\b{h}\b", text)]


def test_every_route_of_the_app_is_classified(hq):
    routes = app_routes(hq.app)
    assert routes - ROUTES.keys() == set(), "a new route: add it to ROUTES, and check it"
    assert ROUTES.keys() - routes == set(), "a route in ROUTES that the app no longer has"
    for prefix, route in flat_routes(hq.app.routes):
        if isinstance(route, APIRoute) and ROUTES.get(("GET", prefix + route.path)) == "store":
            assert "{store_id}" in route.path


def _path(path: str, store: str, device: str) -> str:
    return path.replace("{store_id}", store).replace("{device_id}", device)


def test_a_region_manager_and_a_region_token_see_only_their_stores_everywhere(hq, chain):
    south_token = {"Authorization": f"Bearer {chain}"}
    with hq.sessions() as s:  # business figures in every store, for the business export
        everyone = access_of(s, "admin", "admin", "")
        figures = "store,date,hour,transactions\ns1,2026-11-20,9,5\nzzstore,2026-11-20,9,7\n"
        import_business(s, everyone, figures, hq.clock.now)
        s.commit()
    log_in_as(hq, "south")
    checked = 0
    for (method, path), kind in ROUTES.items():
        if method != "GET" or kind not in ("list", "store", "device-of-store"):
            continue
        api = path.startswith("/api/")
        for headers in [{}, south_token] if api else [{}]:
            if kind == "list":
                answer = hq.client.get(path, headers=headers)
                assert answer.status_code == 200, (path, answer.text[:300])
                body = answer.content.decode("utf-8", "replace")
                if path.endswith(".csv"):
                    stores = {r["store_id"] for r in csv.DictReader(io.StringIO(body))}
                    assert stores == {"s1"}, path
                elif path.endswith(".xlsx"):
                    assert b"zzstore" not in _xlsx_text(answer.content)
                else:
                    assert shows_hidden(body) == [], path
                    assert "Kamppi" in body, path
            else:
                mine = hq.client.get(_path(path, "s1", "k1"), headers=headers)
                theirs = hq.client.get(_path(path, "zzstore", "zzdevice"), headers=headers)
                assert mine.status_code == 200, (path, mine.text[:300])
                assert theirs.status_code == 404, (path, theirs.status_code)
                nowhere = hq.client.get(_path(path, "nosuch", "nosuch"), headers=headers)
                assert nowhere.status_code == 404
                assert _same_shape(theirs.text, nowhere.text), path  # nothing tells them apart
            checked += 1
    assert checked >= 14


def test_single_ratings_are_exported_to_analysts_and_tokens_never_to_a_manager(hq, chain):
    south_token = {"Authorization": f"Bearer {chain}"}
    raw = [path for (method, path), kind in ROUTES.items() if kind == "raw"]
    assert len(raw) == 2
    log_in_as(hq, "south")
    assert 'href="/api/v1/export.csv"' not in hq.client.get("/").text
    assert "/api/v1/export." not in hq.client.get("/stores/s1").text
    for path in raw:
        refused = hq.client.get(path)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "raw_ratings"
        assert "Kamppi" not in refused.text
        by_token = hq.client.get(path, headers=south_token)  # a token reads as an analyst
        assert by_token.status_code == 200, path
        if path.endswith(".csv"):
            rows = csv.DictReader(io.StringIO(by_token.text))
            assert {r["store_id"] for r in rows} == {"s1"}
        else:
            assert b"zzstore" not in _xlsx_text(by_token.content)
    log_in_as(hq, "reader")
    assert 'href="/api/v1/export.csv"' in hq.client.get("/").text
    assert 'href="/api/v1/export.xlsx?store=s1' in hq.client.get("/stores/s1").text
    for path in raw:
        assert hq.client.get(path).status_code == 200, path


def test_a_region_manager_and_token_see_only_their_regions(hq, chain):
    south_token = {"Authorization": f"Bearer {chain}"}
    log_in_as(hq, "south")
    checked = 0
    for (method, path), kind in ROUTES.items():
        if method != "GET" or kind not in ("region", "regions"):
            continue
        for headers in [{}, south_token] if path.startswith("/api/") else [{}]:
            if kind == "regions":
                answer = hq.client.get(path, headers=headers)
                assert answer.status_code == 200
                assert "North" not in answer.text and "Finland" not in answer.text
                assert shows_hidden(answer.text) == []
            else:
                mine = hq.client.get(path.replace("{region_id}", "south"), headers=headers)
                assert mine.status_code == 200, (path, mine.text[:300])
                assert shows_hidden(mine.text) == [] and "Kamppi" in mine.text
                for theirs in ("north", "fi"):  # beside it, and above it
                    other = hq.client.get(path.replace("{region_id}", theirs), headers=headers)
                    none = hq.client.get(path.replace("{region_id}", "nosuch"), headers=headers)
                    assert other.status_code == none.status_code == 404, path
                    assert _named(other.text, theirs) == _named(none.text, "nosuch"), path
            checked += 1
    assert checked == 8  # /regions, /regions/south, and three APIs by session and token


def _named(text: str, ident: str) -> str:
    """*text* with the region id asked for (in a path, a sentence or quotes) as X."""
    return re.sub(rf"(?<=[/ ']){ident}(?=[.'\"])", "X", text)


def _same_shape(a: str, b: str) -> bool:
    """The two answers alike but for the id asked for (and the CSRF token)."""

    def plain(t: str) -> str:
        t = re.sub(r'name="csrf" value="[^"]*"', "", t)
        return t.replace("zzstore", "X").replace("zzdevice", "X").replace("nosuch", "X")

    return plain(a) == plain(b)


def _xlsx_text(content: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return b"".join(z.read(n) for n in z.namelist())


def test_the_whole_chain_sees_the_hidden_store_so_the_checks_above_can_fail(hq, chain):
    log_in_as(hq, "reader")
    assert "Zzhidden" in hq.client.get("/").text
    assert "zzdevice" in hq.client.get("/fleet").text
    assert hq.client.get("/stores/zzstore").status_code == 200
    rows = csv.DictReader(io.StringIO(hq.client.get("/api/v1/export.csv").text))
    assert {r["store_id"] for r in rows} == {"s1", "zzstore"}
    whole = {"Authorization": f"Bearer {hq.reader_token}"}
    assert hq.client.get("/api/v1/stores/zzstore/daily", headers=whole).status_code == 200


def test_only_an_admin_reaches_the_admin_routes_and_nothing_changes_otherwise(hq, chain, tmp_path):
    forms = {
        "/admin/users": {"username": "mallory", "password": PASSWORD, "role": "admin"},
        "/admin/users/south/role": {"role": "admin", "scope": ""},
        "/admin/users/reader/remove": {},
        "/admin/regions": {"id": "east", "name": "East"},
        "/admin/tokens": {"name": "stolen"},
        "/admin/tokens/south-script/remove": {},
        "/admin/invites": {"username": "mallory2", "email": "m@hymio.test", "role": "admin"},
        "/admin/users/mallory2/invite": {},
        "/admin/users/mallory2/reset": {},
        "/admin/users/mallory2/deactivate": {},
        "/admin/users/mallory2/reactivate": {},
        "/admin/users/mallory2/totp/require": {"required": "yes"},
        "/admin/users/mallory2/totp/reset": {},
    }
    for (method, pattern), kind in ROUTES.items():  # every admin form is tried here
        if kind == "admin" and method == "POST":
            shape = re.sub(r"\{[^}]+\}", "[^/]+", pattern)
            assert any(re.fullmatch(shape, p) for p in forms), pattern
    before = _people(hq)
    for who in ("south", "reader"):
        log_in_as(hq, who)
        assert hq.client.get("/admin").status_code == 403
        csrf = csrf_of(hq.client.get("/").text)
        for path, data in forms.items():
            answer = hq.client.post(path, data={**data, "csrf": csrf}, follow_redirects=False)
            assert answer.status_code == 403, (who, path)
    assert _people(hq) == before
    log_in_as(hq, "admin")
    csrf = csrf_of(hq.client.get("/admin").text)
    with Mailbox(tmp_path) as mailbox:  # invites and reset links are mailed
        hq.app.state.mail = mailbox.settings()
        for path, data in forms.items():
            answer = hq.client.post(path, data={**data, "csrf": csrf}, follow_redirects=False)
            main = answer.text[answer.text.find("<main") :][:600]
            assert answer.status_code in (200, 303), (path, main)
        assert len(mailbox.messages) == 3
    assert _people(hq) != before


def test_only_an_admin_token_reaches_the_people_api_and_nothing_changes_otherwise(hq, chain):
    routes = [p for (m, p), kind in ROUTES.items() if kind == "admin-token"]
    body = {"username": "mallory", "email": "m@hymio.test", "role": "admin"}
    before = _people(hq)
    log_in_as(hq, "admin")  # an admin's session is not an admin token
    for token in (None, chain, hq.reader_token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for pattern in routes:
            path = pattern.replace("{username}", "south")
            answer = hq.client.post(path, json=body, headers=headers)
            assert answer.status_code == 403, (token, path, answer.text[:200])
    hq.client.cookies.clear()
    for pattern in routes:
        answer = hq.client.post(pattern.replace("{username}", "south"), json=body)
        assert answer.status_code == 401, pattern
    assert _people(hq) == before


def _people(hq) -> tuple:
    with hq.sessions() as s:
        return (
            sorted(
                (u.username, u.role, u.scope, u.deactivated_at) for u in s.scalars(select(User))
            ),
            sorted((r.id, r.parent_id) for r in s.scalars(select(Region))),
            sorted((t.name, t.scope, t.role) for t in s.scalars(select(ApiToken))),
            sorted((st.id, st.region_id) for st in s.scalars(select(Store))),
        )


def test_admin_changes_that_make_no_sense_are_refused_naming_what_and_change_nothing(hq, chain):
    log_in_as(hq, "admin")
    before = _people(hq)
    csrf = csrf_of(hq.client.get("/admin").text)
    bad = [
        ("/admin/users", {"username": "m", "password": PASSWORD, "role": "manager"}, "scope"),
        ("/admin/users", {"username": "m", "password": PASSWORD, "role": "boss"}, "role"),
        ("/admin/users", {"username": "m", "password": "short", "role": "analyst"}, "password"),
        ("/admin/users/south/role", {"role": "manager", "scope": "region:nope"}, "nope"),
        ("/admin/users/south/role", {"role": "analyst", "scope": "store:s1"}, "scope"),
        ("/admin/users/admin/remove", {}, "yourself"),
        ("/admin/regions", {"id": "south", "name": "Again"}, "already exists"),
        ("/admin/regions", {"id": "x", "name": "X", "parent": "nope"}, "nope"),
        ("/chain/stores/s1/region", {"region": "nope"}, "nope"),
        ("/admin/tokens", {"name": "t", "scope": "store:nope"}, "nope"),
        ("/admin/users", {"username": "m", "password": PASSWORD, "role": "analyst",
                          "email": "not an address"}, "e-mail"),
    ]  # fmt: skip
    for path, data, named in bad:
        answer = hq.client.post(path, data={**data, "csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 400, (path, data, answer.status_code)
        assert named in answer.text, (path, named)
    assert _people(hq) == before


def test_the_tree_has_no_loops_and_a_region_sees_every_region_under_it(hq, chain):
    with hq.sessions() as s:
        assert stores_in(s, "region:fi") == {"s1", "s2", "zzstore"}
        assert stores_in(s, "region:north") == {"s2", "zzstore"}
        assert stores_in(s, "store:s1") == {"s1"}
        assert stores_in(s, "") is None
        with pytest.raises(HQError, match="loop"):
            move_region(s, "fi", "south")
        with pytest.raises(HQError, match="still has stores"):
            remove_region(s, "south")
        set_store_region(s, "s1", "north")  # the manager's scope follows the store
        assert access_of(s, "user:south", "manager", "region:south").stores == frozenset()
        with pytest.raises(HQError, match="scoped to region"):
            remove_region(s, "south")
        set_role(s, "south", "manager", "store:s2")
        with pytest.raises(HQError, match="API tokens are scoped"):
            remove_region(s, "south")
        set_token_scope(s, "south-script", "region:north")
        remove_region(s, "south")
        assert s.scalar(select(func.count()).select_from(Region)) == 2


def test_a_token_is_refused_once_removed_and_its_scope_holds_for_the_api(hq, chain):
    south = {"Authorization": f"Bearer {chain}"}
    day = (hq.clock.now - timedelta(minutes=5)).date().isoformat()
    answer = hq.client.get(f"/api/v1/stores/s1/daily?from={day}&to={day}", headers=south)
    assert answer.status_code == 200 and answer.json()["days"][0]["ratings"] >= 1
    log_in_as(hq, "admin")
    csrf = csrf_of(hq.client.get("/admin").text)
    hq.client.post("/admin/tokens/south-script/remove", data={"csrf": csrf})
    hq.client.cookies.clear()
    assert hq.client.get("/api/v1/stores/s1/daily", headers=south).status_code == 401
