"""The API twin of the alert setup (issue 29), on SQLite and PostgreSQL: an admin token
makes, changes and tests rules and channels; a manager token only within its region; an
analyst token and a dashboard session are refused; every refusal names the field and
changes nothing; generated bodies never give a 5xx."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hq.people.admin import add_api_token
from tests.hq.alert_fixtures import SECRET, verified
from tests.hq.dashboard.test_alert_setup import mail_env, people, state  # noqa: F401
from tests.hq.people.test_access import log_in_as


@pytest.fixture
def tokens(people):  # noqa: F811
    """people's chain with an admin token and a south manager's token."""
    now = people.clock.now
    with people.sessions() as s:
        admin = add_api_token(s, "config-as-code", now, "", "admin")
        south = add_api_token(s, "south-alerts", now, "region:south", "manager")
    return {
        "admin": {"Authorization": f"Bearer {admin}"},
        "south": {"Authorization": f"Bearer {south}"},
        "analyst": {"Authorization": f"Bearer {people.reader_token}"},
        "hq": people,
    }


def test_an_admin_token_keeps_the_alerts_in_code(tokens, smtp, webhook, monkeypatch):
    hq, (inbox, mail) = tokens["hq"], smtp
    mail_env(monkeypatch, mail)
    admin = tokens["admin"]
    made = hq.client.post(
        "/api/v1/alert-channels",
        headers=admin,
        json={"name": "ops", "kind": "email", "target": "ops@hymio.test"},
    )
    assert made.status_code == 201 and made.json()["scope"] == "", made.text
    made = hq.client.post(
        "/api/v1/alert-channels",
        headers=admin,
        json={"name": "hook", "kind": "webhook", "target": webhook.url, "secret": SECRET},
    )
    assert made.status_code == 201 and made.json()["has_secret"] is True
    assert "secret" not in made.json()
    rule = {
        "name": "Index",
        "kind": "index_below",
        "scope": "region:south",
        "params": {"value": 70},
        "channels": ["ops", "hook"],
    }
    made = hq.client.post("/api/v1/alert-rules", headers=admin, json=rule)
    assert made.status_code == 201, made.text
    assert made.json()["params"] == {"value": 70.0, "days": 7, "min_n": 30}
    rule_id = made.json()["id"]
    changed = hq.client.put(
        f"/api/v1/alert-rules/{rule_id}", headers=admin, json={**rule, "enabled": False}
    )
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert [r["id"] for r in hq.client.get("/api/v1/alert-rules", headers=admin).json()] == [1]
    tested = hq.client.post("/api/v1/alert-channels/ops/test", headers=admin)
    assert tested.json()["delivered"] is True and len(inbox.messages) == 1
    tested = hq.client.post("/api/v1/alert-channels/hook/test", headers=admin)
    assert tested.json() == {"delivered": True, "message": "the receiver took it"}
    assert verified(webhook.accepted()[0])
    changed = hq.client.put(
        "/api/v1/alert-channels/hook",
        headers=admin,
        json={"kind": "webhook", "target": webhook.url},
    )
    assert changed.status_code == 200  # the secret kept
    assert state(hq)[1][0][3] == SECRET
    schema = hq.client.get("/openapi.json").json()
    assert "/api/v1/alert-rules/{rule_id}" in schema["paths"]
    assert "RuleIn" in schema["components"]["schemas"]


def test_a_manager_token_only_in_its_part_an_analyst_token_and_a_session_not_at_all(tokens):
    hq = tokens["hq"]
    admin, south = tokens["admin"], tokens["south"]
    hq.client.post(
        "/api/v1/alert-channels",
        headers=admin,
        json={"name": "ops", "kind": "email", "target": "ops@hymio.test"},
    )
    hq.client.post(
        "/api/v1/alert-rules",
        headers=admin,
        json={"name": "North", "kind": "low_disk", "scope": "store:s2"},
    )
    made = hq.client.post(
        "/api/v1/alert-channels",
        headers=south,
        json={"name": "mine", "kind": "email", "target": "m@hymio.test"},
    )
    assert made.status_code == 201 and made.json()["scope"] == "region:south"
    made = hq.client.post(
        "/api/v1/alert-rules",
        headers=south,
        json={"name": "Mine", "kind": "low_disk", "scope": "store:s1", "channels": ["mine"]},
    )
    assert made.status_code == 201
    assert [c["name"] for c in hq.client.get("/api/v1/alert-channels", headers=south).json()] == [
        "mine"
    ]
    assert [r["name"] for r in hq.client.get("/api/v1/alert-rules", headers=south).json()] == [
        "Mine"
    ]
    before = state(hq)
    for method, path, body, status in [
        (
            "post",
            "/api/v1/alert-rules",
            {"name": "x", "kind": "low_disk", "scope": "store:s2"},
            400,
        ),
        (
            "put",
            "/api/v1/alert-rules/1",
            {"name": "x", "kind": "low_disk", "scope": "store:s1"},
            404,
        ),
        (
            "post",
            "/api/v1/alert-rules",
            {"name": "x", "kind": "low_disk", "scope": "store:s1", "channels": ["ops"]},
            400,
        ),
        ("put", "/api/v1/alert-channels/ops", {"kind": "email", "target": "a@b.fi"}, 404),
        ("post", "/api/v1/alert-channels/ops/test", None, 404),
    ]:
        answer = getattr(hq.client, method)(path, headers=south, json=body)
        assert answer.status_code == status, (path, answer.text)
    for path in ("/api/v1/alert-rules", "/api/v1/alert-channels"):
        assert hq.client.get(path, headers=tokens["analyst"]).status_code == 403
        assert hq.client.post(path, headers=tokens["analyst"], json={}).status_code in (403, 422)
    log_in_as(hq, "admin")  # a dashboard session is no API token: no writes across sites
    assert (
        hq.client.post("/api/v1/alert-rules", json={"name": "x", "kind": "low_disk"}).status_code
        == 401
    )
    hq.client.cookies.clear()
    assert state(hq) == before


def test_refused_bodies_name_the_field_and_change_nothing(tokens):
    hq, admin = tokens["hq"], tokens["admin"]
    hq.client.post(
        "/api/v1/alert-channels",
        headers=admin,
        json={"name": "ops", "kind": "email", "target": "ops@hymio.test"},
    )
    before = state(hq)
    rule = {"name": "r", "kind": "unhappy_share"}
    for body, field, status in [
        ({**rule, "kind": "pager"}, "kind", 400),
        ({**rule, "params": {"nope": 1}}, "params", 400),
        ({**rule, "params": {"alpha": 2}}, "params", 400),
        ({**rule, "params": {"min_n": "many"}}, "params", 422),
        ({**rule, "scope": "region:nope"}, "scope", 400),
        ({**rule, "channels": ["nope"]}, "channels", 400),
        ({**rule, "name": " "}, "name", 400),
        ({**rule, "colour": "red"}, "colour", 422),
    ]:
        answer = hq.client.post("/api/v1/alert-rules", headers=admin, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert field in answer.json()["error"]["message"], (body, answer.text)
        if status == 400:
            assert answer.json()["error"]["message"].startswith(field + ":")
    assert state(hq) == before


BASES = {  # a body that would be taken, some of whose fields the fuzzing changes
    "rules": {"name": "r", "kind": "low_disk", "scope": "store:s1", "params": {"mb": 100}},
    "channels": {"name": "c", "kind": "email", "target": "a@hymio.test", "scope": "store:s1"},
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_generated_bodies_never_give_a_5xx_and_refusals_change_nothing(tokens):
    hq = tokens["hq"]
    hq.client.post(
        "/api/v1/alert-channels",
        headers=tokens["admin"],
        json={"name": "ops", "kind": "email", "target": "ops@hymio.test"},
    )
    text = st.one_of(
        st.text(max_size=30),
        st.sampled_from(
            [
                "",
                "store:s1",
                "store:s2",
                "region:south",
                "region:north",
                "ops",
                "mine",
                "low_disk",
                "index_below",
                "unhappy_share",
                "email",
                "webhook",
                "https://1.1.1.1/x",
            ]
        ),
    )
    value = st.one_of(
        text,
        st.integers(-5, 10**6),
        st.floats(allow_nan=True),
        st.booleans(),
        st.none(),
        st.lists(text, max_size=3),
        st.dictionaries(text, st.one_of(st.floats(), text), max_size=3),
    )
    keys = st.sampled_from(
        [
            "name",
            "kind",
            "scope",
            "params",
            "channels",
            "enabled",
            "target",
            "secret",
            "digest",
            "other",
        ]
    )
    paths = st.sampled_from(
        [
            ("post", "/api/v1/alert-rules"),
            ("put", "/api/v1/alert-rules/1"),
            ("post", "/api/v1/alert-channels"),
            ("put", "/api/v1/alert-channels/ops"),
        ]
    )
    seen = []

    @settings(
        max_examples=150,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        where=paths,
        changed=st.dictionaries(keys, value, max_size=3),
        who=st.sampled_from(["admin", "south"]),
    )
    def check(where, changed, who):
        before = state(hq)
        method, path = where
        body = {**(BASES["rules" if "rules" in path else "channels"]), **changed}
        sent = json.dumps(body).encode()  # NaN and Infinity too, as a careless client sends
        headers = {**tokens[who], "Content-Type": "application/json"}
        answer = hq.client.request(method.upper(), path, headers=headers, content=sent)
        seen.append(answer.status_code)
        assert answer.status_code < 500, (where, body, answer.text)
        if answer.status_code >= 400:
            assert state(hq) == before, (where, body)

    check()
    assert {200, 400, 422} <= set(seen) or {201, 400, 422} <= set(seen), sorted(set(seen))
