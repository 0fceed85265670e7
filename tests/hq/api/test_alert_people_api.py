"""The API twins of the alert pages and of the Admin page's regions (issue 29), on SQLite
and PostgreSQL: ``/api/v1/alerts`` (read within the reader's stores; owner, due day and
status set by a token of someone who acts on the store), a person's subscriptions
(``/api/v1/users/{username}/subscriptions``) and ``/api/v1/regions`` (an admin token);
each refusal names its field and changes nothing, and a hidden alert is a 404 that looks
like one that does not exist."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hq.people.admin import add_api_token, add_user
from hq.tables.alerts import Alert, AlertEvent, Subscription
from hq.tables.models import Region
from tests.hq.conftest import PASSWORD
from tests.hq.people.routes import ROUTES
from tests.hq.people.test_access import (  # noqa: F401 -- chain is a fixture
    _same_shape,
    alert_of,
    chain,
    log_in_as,
    shows_hidden,
)


@pytest.fixture
def tokens(hq, chain):  # noqa: F811
    """The chain's tokens: an admin's, a south manager's, a south analyst's."""
    now = hq.clock.now
    with hq.sessions() as s:
        admin = add_api_token(s, "config", now, "", "admin")
        south = add_api_token(s, "south-manager", now, "region:south", "manager")
        add_user(s, "noaddress", PASSWORD, now, role="manager", scope="store:s1")
    bearer = lambda t: {"Authorization": f"Bearer {t}"}  # noqa: E731
    return {"admin": bearer(admin), "south": bearer(south), "reader": bearer(chain)}


def alerts_state(hq) -> tuple:
    with hq.sessions() as s:
        alerts = sorted((a.id, a.state, a.owner, a.due) for a in s.scalars(select(Alert)))
        events = s.scalar(select(AlertEvent.id).order_by(AlertEvent.id.desc()).limit(1))
        subs = sorted(
            (x.username, x.kind, x.scope, x.mode) for x in s.scalars(select(Subscription))
        )
        regions = sorted(r.id for r in s.scalars(select(Region)))
    return alerts, events, subs, regions


def test_alerts_are_read_and_tracked_within_the_readers_part(hq, tokens):
    mine, theirs = alert_of(hq, "s1"), alert_of(hq, "zzstore")
    south, reader = tokens["south"], tokens["reader"]
    for headers in (south, reader):
        listed = hq.client.get("/api/v1/alerts", headers=headers)
        assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [mine]
        assert shows_hidden(listed.text) == []
        hidden = hq.client.get(f"/api/v1/alerts/{theirs}", headers=headers)
        nowhere = hq.client.get("/api/v1/alerts/99999", headers=headers)
        assert hidden.status_code == nowhere.status_code == 404
        assert hidden.text.replace(str(theirs), "X") == nowhere.text.replace("99999", "X")
    everything = hq.client.get("/api/v1/alerts?status=all", headers=tokens["admin"]).json()
    assert {a["id"] for a in everything} == {mine, theirs}
    body = {"owner": "south", "due": "2026-11-27", "status": "in progress"}
    before = alerts_state(hq)
    refused = [
        (theirs, south, body, 404),  # outside its part: as if there were none
        (mine, reader, body, 403),  # an analyst's token reads, never acts
        (mine, south, {**body, "owner": "reader"}, 400),  # an analyst owns nothing
        (mine, south, {**body, "due": "27.11.2026"}, 400),
        (mine, south, {**body, "status": "done"}, 422),
        (mine, south, {**body, "extra": 1}, 422),
        (mine, {}, body, 401),
    ]
    for alert, headers, sent, status in refused:
        answer = hq.client.put(f"/api/v1/alerts/{alert}/tracking", json=sent, headers=headers)
        assert answer.status_code == status, (sent, answer.text)
    bad_owner = hq.client.put(f"/api/v1/alerts/{mine}/tracking", headers=south,
                              json={**body, "owner": "reader"})  # fmt: skip
    assert bad_owner.json()["error"]["message"].startswith("owner:"), bad_owner.text
    log_in_as(hq, "south")  # a session reads, and acts only through the page's form
    assert hq.client.get(f"/api/v1/alerts/{mine}").status_code == 200
    assert hq.client.put(f"/api/v1/alerts/{mine}/tracking", json=body).status_code == 401
    hq.client.cookies.clear()
    assert alerts_state(hq) == before
    done = hq.client.put(f"/api/v1/alerts/{mine}/tracking", json=body, headers=south)
    assert done.status_code == 200, done.text
    assert (done.json()["owner"], done.json()["status"]) == ("south", "in progress")
    assert done.json()["history"][-1]["who"] == "token:south-manager"
    page_view = hq.client.get(f"/api/v1/alerts/{mine}", headers=reader).json()
    assert page_view["due"] == "2026-11-27"


def test_an_admin_token_keeps_peoples_subscriptions_within_their_part(hq, tokens):
    admin = tokens["admin"]
    path = "/api/v1/users/south/subscriptions"
    wanted = {"kind": "clock_unsynced", "scope": "store:s1", "mode": "digest"}
    made = hq.client.post(path, headers=admin, json=wanted)
    assert made.status_code == 201, made.text
    assert made.json()["username"] == "south" and made.json()["mode"] == "digest"
    listed = hq.client.get(path, headers=admin).json()
    assert [(s["kind"], s["scope"]) for s in listed] == [("clock_unsynced", "store:s1")]
    before = alerts_state(hq)
    refused = [
        (path, {"scope": "store:zzstore"}, admin, 400, "scope:"),  # not one they see
        (path, {"scope": ""}, admin, 400, "scope:"),
        (path, {"kind": "nope"}, admin, 400, "kind:"),
        ("/api/v1/users/noaddress/subscriptions", {}, admin, 400, "email:"),
        ("/api/v1/users/nobody/subscriptions", {}, admin, 404, "nobody"),
        (path, {"mode": "weekly"}, admin, 422, "mode"),
        (path, {}, tokens["south"], 403, "admin"),
        (path, {}, tokens["reader"], 403, "admin"),
        (path, {}, {}, 401, ""),
    ]
    for where, sent, headers, status, said in refused:
        answer = hq.client.post(where, json=sent, headers=headers)
        assert answer.status_code == status and said in answer.text, (sent, answer.text)
    log_in_as(hq, "admin")  # an admin's session is not an admin token
    assert hq.client.post(path, json={}).status_code == 403
    assert hq.client.get(path).status_code == 403
    hq.client.cookies.clear()
    assert alerts_state(hq) == before
    one = made.json()["id"]
    assert hq.client.delete(f"/api/v1/users/admin/subscriptions/{one}",
                            headers=admin).status_code == 404  # not theirs  # fmt: skip
    assert hq.client.delete(f"{path}/{one}", headers=tokens["south"]).status_code == 403
    assert hq.client.delete(f"{path}/{one}", headers=admin).status_code == 204
    assert hq.client.get(path, headers=admin).json() == []


def test_only_an_admin_token_adds_a_region(hq, tokens):
    before = alerts_state(hq)
    east = {"id": "east", "name": "Itä", "parent": "fi"}
    for headers in (tokens["south"], tokens["reader"]):
        assert hq.client.post("/api/v1/regions", json=east, headers=headers).status_code == 403
    log_in_as(hq, "admin")
    assert hq.client.post("/api/v1/regions", json=east).status_code == 403
    hq.client.cookies.clear()
    assert hq.client.post("/api/v1/regions", json=east).status_code == 401
    for wrong, said in (({"id": "south", "name": "Again"}, "already exists"),
                        ({"id": "x", "name": "X", "parent": "nope"}, "nope"),
                        ({"id": "two words", "name": "X"}, "region id")):  # fmt: skip
        answer = hq.client.post("/api/v1/regions", json=wrong, headers=tokens["admin"])
        assert answer.status_code == 400 and said in answer.text, answer.text
    assert alerts_state(hq) == before
    made = hq.client.post("/api/v1/regions", json=east, headers=tokens["admin"])
    assert made.status_code == 201 and made.json() == east
    seen = hq.client.get("/api/v1/regions", headers=tokens["south"]).json()
    assert [r["id"] for r in seen] == ["south"]


def test_the_new_routes_are_in_the_openapi_document(hq):
    paths = hq.client.get("/openapi.json").json()["paths"]
    for (method, path), kind in ROUTES.items():
        if kind in ("alert-api", "admin-token-other") or path == "/api/v1/regions":
            assert method.lower() in paths[path], (method, path)
