"""A chain of regions and stores with a month of ratings, for the region tests (issue 30):
regions south and north (east under north), stores s1…s5 (s5 under the chain itself),
users u0… of every scope and API tokens of every scope."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

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


def build_chain(hq) -> dict[str, str]:
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


def client_of(hq, username: str) -> TestClient:
    """A test client logged in as *username*."""
    client = TestClient(hq.app)
    data = {"username": username, "password": PASSWORD, "csrf": csrf_of(client.get("/login").text)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return client
