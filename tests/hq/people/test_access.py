"""Regions and roles (issue 19): a region manager's session and a region's API token see
only their stores, in every page, API route and export; an analyst acts on nothing; only
an admin manages people. Every route of the app is in ROUTES below, so a new route that
nobody has classified (and so nobody has checked) fails a test. On SQLite and PostgreSQL.
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

HIDDEN = ("Zzhidden", "zzdevice", "zzstore")  # every trace of the store outside the region

# Each route: what it is, and so what is checked of it.
#   public: anyone; device: a device's token; store: /…/{store_id}… of one store;
#   device-of-store: of one device; list: shows stores (only the reader's);
#   admin: only an admin; own: the reader's own session (logout, language);
#   page: a logged-in page that shows no store's data; import: changes the stores the
#   reader acts on, named in its body (tests/hq/insight/business/test_business_import.py);
#   write-off: only an admin, checked in tests/hq/ingest/test_writeoff.py;
#   enrol: an admin, or a manager for their own stores' enrol codes (tests/hq/dashboard/
#   enrol/test_pages.py, tests/hq/api/test_enrol.py).
#   region: /…/{region_id}… of one region; regions: lists regions (only the reader's);
#   raw: single ratings, for analysts, admins and tokens (their stores only), no manager.
#   admin-token: only an admin's API token (not a session, not a read token).
#   poster: a web link's QR poster, for whoever sees its store (a 404 to anyone else).
ROUTES = {
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("GET", "/healthz"): "public",
    ("GET", "/openapi.json"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/help"): "public",
    ("POST", "/logout"): "own",
    ("POST", "/language"): "own",
    ("POST", "/api/v1/ratings"): "device",
    ("POST", "/api/v1/heartbeat"): "device",
    ("GET", "/api/v1/config"): "device",
    ("POST", "/api/v1/enrol"): "device",
    ("GET", "/api/v1/release"): "device",
    ("GET", "/api/v1/release-metadata"): "device",
    ("GET", "/api/v1/releases/{version}/manifest"): "device",
    ("GET", "/api/v1/releases/{version}/signature"): "device",
    ("GET", "/api/v1/releases/{version}/files/{name}"): "device",
    ("GET", "/"): "list",
    ("GET", "/fleet"): "list",
    ("GET", "/api/v1/export.csv"): "raw",
    ("GET", "/api/v1/export.xlsx"): "raw",
    ("GET", "/stores/{store_id}"): "store",
    ("GET", "/stores/{store_id}/what-if"): "store",
    ("GET", "/api/v1/stores/{store_id}/daily"): "store",
    ("GET", "/api/v1/stores/{store_id}/what-if"): "store",
    ("GET", "/api/v1/stores/{store_id}/actions"): "store",
    ("POST", "/stores/{store_id}/actions"): "store-act",
    ("POST", "/stores/{store_id}/message"): "store-act",
    ("GET", "/api/v1/devices/{device_id}/gaps"): "device-of-store",
    ("GET", "/alerts"): "list",
    ("GET", "/alerts/{alert_id}"): "alert",
    ("POST", "/alerts/{alert_id}/acknowledge"): "alert",
    ("POST", "/alerts/{alert_id}/comment"): "alert",
    ("POST", "/alerts/{alert_id}/close"): "alert",
    ("POST", "/alerts/{alert_id}/track"): "alert",
    # setup: an admin or a manager within their part (tests/hq/dashboard/test_alert_setup.py)
    ("GET", "/alerts/setup"): "setup",
    ("POST", "/alerts/rules"): "setup",
    ("POST", "/alerts/rules/{rule_id}"): "setup",
    ("POST", "/alerts/channels"): "setup",
    ("POST", "/alerts/channels/{name}"): "setup",
    ("POST", "/alerts/channels/{name}/test"): "setup",
    ("POST", "/alerts/subscriptions"): "own",
    ("POST", "/alerts/subscriptions/{subscription_id}/remove"): "own",
    ("GET", "/api/v1/alert-rules"): "setup",
    ("POST", "/api/v1/alert-rules"): "setup",
    ("PUT", "/api/v1/alert-rules/{rule_id}"): "setup",
    ("GET", "/api/v1/alert-channels"): "setup",
    ("POST", "/api/v1/alert-channels"): "setup",
    ("PUT", "/api/v1/alert-channels/{name}"): "setup",
    ("POST", "/api/v1/alert-channels/{name}/test"): "setup",
    ("GET", "/reports"): "list",
    ("POST", "/reports"): "report",
    ("POST", "/reports/{subscription_id}/remove"): "report",
    ("GET", "/admin"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/admin/users/{username}/role"): "admin",
    ("POST", "/admin/users/{username}/remove"): "admin",
    ("POST", "/admin/regions"): "admin",
    ("POST", "/admin/stores/{store_id}/region"): "admin",
    ("POST", "/admin/tokens"): "admin",
    ("POST", "/admin/tokens/{name}/remove"): "admin",
    ("GET", "/enrolment-codes"): "enrol",
    ("POST", "/enrolment-codes"): "enrol",
    ("POST", "/enrolment-codes/{code_id}/revoke"): "enrol",
    ("GET", "/api/v1/enrolment-codes"): "enrol",
    ("POST", "/api/v1/enrolment-codes"): "enrol",
    ("DELETE", "/api/v1/enrolment-codes/{code_id}"): "enrol",
    ("GET", "/api/v1/stores/{store_id}/business"): "store",
    ("GET", "/business"): "page",
    ("GET", "/business/sample.csv"): "page",
    ("POST", "/business"): "import",
    ("POST", "/api/v1/business-hours"): "import",
    ("GET", "/api/v1/export-business.csv"): "list",
    ("POST", "/fleet/write-offs"): "write-off",
    ("POST", "/api/v1/devices/{device_id}/write-offs"): "write-off",
    ("GET", "/regions"): "regions",
    ("GET", "/regions/{region_id}"): "region",
    ("GET", "/api/v1/regions/{region_id}/figures"): "region",
    ("GET", "/api/v1/stores/{store_id}/weekly-changes"): "store",
    ("GET", "/api/v1/regions/{region_id}/weekly-changes"): "region",
    ("GET", "/admin/audit"): "admin",
    ("GET", "/api/v1/audit"): "admin",
    ("GET", "/api/v1/audit.csv"): "admin",
    # stores and kiosks (tests/hq/fleet/test_chain.py): an admin all, a manager theirs
    ("GET", "/chain/stores"): "manage",
    ("GET", "/chain/stores/{store_id}"): "manage",
    ("POST", "/chain/stores"): "manage",
    ("POST", "/chain/stores/{store_id}/name"): "manage",
    ("POST", "/chain/stores/{store_id}/region"): "manage",
    ("POST", "/chain/stores/{store_id}/timezone"): "manage",
    ("POST", "/chain/stores/{store_id}/hours"): "manage",
    ("POST", "/chain/stores/{store_id}/exceptions"): "manage",
    ("POST", "/chain/stores/{store_id}/exceptions/{day}/remove"): "manage",
    ("POST", "/chain/stores/{store_id}/retire"): "manage",
    ("POST", "/chain/devices/{device_id}/name"): "manage",
    ("POST", "/chain/devices/{device_id}/store"): "manage",
    ("POST", "/chain/devices/{device_id}/retire"): "manage",
    ("POST", "/chain/devices/{device_id}/token"): "manage",
    ("GET", "/api/v1/stores"): "list",
    ("GET", "/api/v1/devices"): "list",
    ("GET", "/api/v1/stores/{store_id}/hours"): "store",
    ("POST", "/api/v1/stores"): "manage",
    ("PATCH", "/api/v1/stores/{store_id}"): "manage",
    ("POST", "/api/v1/stores/{store_id}/retire"): "manage",
    ("PUT", "/api/v1/stores/{store_id}/hours"): "manage",
    ("PUT", "/api/v1/stores/{store_id}/exceptions/{day}"): "manage",
    ("DELETE", "/api/v1/stores/{store_id}/exceptions/{day}"): "manage",
    ("POST", "/api/v1/devices"): "manage",
    ("PATCH", "/api/v1/devices/{device_id}"): "manage",
    ("POST", "/api/v1/devices/{device_id}/retire"): "manage",
    ("POST", "/api/v1/devices/{device_id}/token"): "manage",
    # touchpoints (tests/hq/fleet/test_touchpoints.py): an admin all, a manager theirs
    ("POST", "/chain/stores/{store_id}/touchpoints"): "manage",
    ("POST", "/chain/devices/{device_id}/stage"): "manage",
    ("POST", "/chain/devices/{device_id}/retire-link"): "manage",
    ("GET", "/api/v1/stores/{store_id}/touchpoints"): "store",
    ("POST", "/api/v1/stores/{store_id}/touchpoints"): "manage",
    ("PATCH", "/api/v1/touchpoints/{device_id}"): "manage",
    ("POST", "/api/v1/touchpoints/{device_id}/retire"): "manage",
    # receipt links and posters (tests/hq/fleet/test_receipts.py, tests/hq/dashboard/
    # test_posters.py): links by an admin's token; a poster for whoever sees the store
    ("POST", "/api/v1/touchpoints/{code}/receipt-links"): "admin-token",
    ("GET", "/chain/touchpoints/{code}/poster.pdf"): "poster",
    # the web survey (tests/hq/answer): anyone with the link; it shows no figures
    ("GET", "/r/{code}"): "public",
    ("POST", "/r/{code}"): "public",
    ("GET", "/r/{code}/more"): "public",
    ("POST", "/r/{code}/more"): "public",
    ("GET", "/r/{code}/thanks"): "public",
    # The survey editor (tests/hq/dashboard/survey, tests/hq/api/survey): an admin anywhere,
    # a manager within their stores, an analyst nothing.
    ("GET", "/surveys"): "survey",
    ("POST", "/surveys"): "survey",
    ("POST", "/surveys/preview"): "survey",
    ("POST", "/surveys/schedules"): "survey",
    ("POST", "/surveys/schedules/{campaign_id}/cancel"): "survey",
    ("GET", "/surveys/pictograms/{name}"): "public",
    ("GET", "/api/v1/surveys"): "survey",
    ("POST", "/api/v1/surveys"): "survey",
    ("GET", "/api/v1/surveys/schedules"): "survey",
    ("POST", "/api/v1/surveys/schedules"): "survey",
    ("POST", "/api/v1/surveys/schedules/{campaign_id}/cancel"): "survey",
    ("GET", "/login/forgot"): "public",
    ("POST", "/login/forgot"): "public",
    ("GET", "/login/set-password"): "public",
    ("POST", "/login/set-password"): "public",
    ("POST", "/admin/invites"): "admin",
    ("POST", "/admin/users/{username}/invite"): "admin",
    ("POST", "/admin/users/{username}/reset"): "admin",
    ("POST", "/admin/users/{username}/deactivate"): "admin",
    ("POST", "/admin/users/{username}/reactivate"): "admin",
    ("GET", "/login/oidc"): "public",
    ("GET", "/login/oidc/callback"): "public",
    ("GET", "/login/code"): "public",
    ("POST", "/login/code"): "public",
    ("POST", "/login/code/setup"): "public",
    ("GET", "/account"): "own",
    ("POST", "/account/totp/start"): "own",
    ("POST", "/account/totp/confirm"): "own",
    ("POST", "/account/totp/off"): "own",
    ("POST", "/admin/users/{username}/totp/require"): "admin",
    ("POST", "/admin/users/{username}/totp/reset"): "admin",
    ("POST", "/api/v1/users"): "admin-token",
    ("POST", "/api/v1/users/{username}/invite"): "admin-token",
    ("POST", "/api/v1/users/{username}/reset"): "admin-token",
    ("POST", "/api/v1/users/{username}/deactivate"): "admin-token",
    ("POST", "/api/v1/users/{username}/reactivate"): "admin-token",
    ("GET", "/api/v1/regions"): "regions",
    # admin-token-other: only an admin's API token, with more than a POST of a user
    # (tests/e2e/test_chain_api.py, tests/hq/api/test_alert_people_api.py)
    ("POST", "/api/v1/regions"): "admin-token-other",
    ("GET", "/api/v1/users/{username}/subscriptions"): "admin-token-other",
    ("POST", "/api/v1/users/{username}/subscriptions"): "admin-token-other",
    ("DELETE", "/api/v1/users/{username}/subscriptions/{subscription_id}"): "admin-token-other",
    # alert-api: an alert's API twin (tests/hq/api/test_alert_people_api.py): read within
    # the reader's stores, acted on with the token of someone who acts on the store
    ("GET", "/api/v1/alerts"): "alert-api",
    ("GET", "/api/v1/alerts/{alert_id}"): "alert-api",
    ("PUT", "/api/v1/alerts/{alert_id}/tracking"): "alert-api",
    # comments (tests/hq/words/test_comments_page.py): read within the reader's stores (a
    # store or touchpoint outside them is a 404); topics set by an analyst or an admin
    ("GET", "/comments"): "comments",
    ("POST", "/comments/{rating_id}/topics"): "comments",
    ("GET", "/api/v1/comments"): "comments",
    ("PUT", "/api/v1/comments/{rating_id}/topics"): "comments",
}


def _flat(routes, prefix: str = ""):
    """Every route, through the routers included (FastAPI keeps them nested)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat(inner.routes, prefix + route.include_context.prefix)
        else:
            yield prefix, route


def app_routes(app) -> set[tuple[str, str]]:
    found = set()
    for prefix, route in _flat(app.routes):
        methods = getattr(route, "methods", None) or set()
        for method in methods - {"HEAD", "OPTIONS"}:
            found.add((method, prefix + route.path))
    return found


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
    for prefix, route in _flat(hq.app.routes):
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
        "/admin/stores/zzstore/region": {"region": "south"},
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
        ("/admin/stores/s1/region", {"region": "nope"}, "nope"),
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
