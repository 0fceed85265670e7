"""The audit log (issue 29): every change to users, regions, tokens and stores, from the
command line's functions and the admin page, is one line written with the change (a
refused change writes none); admins read it filtered and paged on ``/admin/audit``, as
CSV and through the API; nobody else does. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hq.core.errors import HQError
from hq.people import audit
from hq.people.admin import add_api_token, add_store, add_user, set_password
from hq.people.roles import add_region, remove_token, set_role, set_store_region
from hq.tables.chain import AuditEvent
from tests.hq.conftest import PASSWORD, csrf_of, log_in


def lines(hq) -> list[tuple[str, str, str, str, dict]]:
    with hq.sessions() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(r.actor, r.action, r.kind, r.object_id, json.loads(r.changes)) for r in rows]


def test_each_change_of_the_command_line_is_one_line_and_a_refusal_none(hq):
    before = len(lines(hq))  # the fixture's own stores, devices, token and user
    assert before == 6
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "south", "South", None, now)
        add_store(s, "s9", "Itis", "Europe/Helsinki", now, region_id="south")
        set_store_region(s, "s1", "south")
        set_role(s, "admin", "admin", "", "boss@hymio.test")
        set_password(s, "admin", "another long password")
        remove_token(s, "analyst")
        with pytest.raises(HQError):
            add_store(s, "s9", "Again", "Europe/Helsinki", now)
        with pytest.raises(HQError):
            add_store(s, "s8", "Bad zone", "Mars/Olympus", now)
        with pytest.raises(HQError):
            add_region(s, "x", "X", "nope", now)
    found = lines(hq)[before:]
    assert [(a, b, c, d) for a, b, c, d, _ in found] == [
        ("cli", "add", "region", "south"),
        ("cli", "add", "store", "s9"),
        ("cli", "move", "store", "s1"),
        ("cli", "set-role", "user", "admin"),
        ("cli", "set-password", "user", "admin"),
        ("cli", "remove", "token", "analyst"),
    ]
    assert found[1][4] == {"name": "Itis", "timezone": "Europe/Helsinki", "region": "south"}
    assert found[2][4] == {"region": ["", "south"]}
    assert found[3][4] == {"email": ["", "boss@hymio.test"]}
    assert found[4][4] == {}  # never the password
    with hq.sessions() as s:
        assert s.get(AuditEvent, 1).at.startswith(now.date().isoformat())


def test_the_admin_pages_changes_are_logged_as_the_admin(hq):
    log_in(hq)
    csrf = csrf_of(hq.client.get("/admin").text)
    before = len(lines(hq))
    hq.client.post("/admin/regions", data={"csrf": csrf, "id": "north", "name": "North"})
    hq.client.post("/chain/stores/s2/region", data={"csrf": csrf, "region": "north"})
    made = hq.client.post("/admin/tokens", data={"csrf": csrf, "name": "ops", "role": "admin"})
    token = made.text.split("<code>")[1].split("</code>")[0]
    assert token not in json.dumps(lines(hq))
    refused = hq.client.post("/admin/regions", data={"csrf": csrf, "id": "north", "name": "N"})
    assert refused.status_code == 400
    assert [(a, b, c, d) for a, b, c, d, _ in lines(hq)[before:]] == [
        ("user:admin", "add", "region", "north"),
        ("user:admin", "move", "store", "s2"),
        ("user:admin", "add", "token", "ops"),
    ]


def test_admins_read_the_log_filtered_paged_and_as_csv_and_nobody_else(hq):
    now = hq.clock.now
    with hq.sessions() as s:
        for i in range(60):
            add_region(s, f"r{i:02d}", f"Region {i}", None, now + timedelta(seconds=i))
        add_user(s, "reader", PASSWORD, now, role="analyst", actor="user:admin")
        ops = add_api_token(s, "ops", now, role="admin")
    log_in(hq)
    page = hq.client.get("/admin/audit?kind=region")
    assert page.status_code == 200
    assert page.text.count('data-kind="region"') == audit.PAGE
    assert 'data-id="r59"' in page.text and 'data-id="r00"' not in page.text  # newest first
    second = hq.client.get("/admin/audit?kind=region&page=2").text
    assert second.count('data-kind="region"') == 10 and 'data-id="r00"' in second
    mine = hq.client.get("/admin/audit", params={"actor": "user:admin"}).text
    assert mine.count("<tr data-kind") == 1 and 'data-id="reader"' in mine
    day = now.date()
    none = hq.client.get(f"/admin/audit?from={day + timedelta(days=1)}").text
    assert 'id="no-audit"' in none
    bad = hq.client.get("/admin/audit?from=yesterday")
    assert bad.status_code == 400 and "from" in bad.text
    assert hq.client.get("/admin/audit?kind=nope").status_code == 400

    admin = {"Authorization": f"Bearer {ops}"}
    hq.client.cookies.clear()
    answer = hq.client.get("/api/v1/audit", params={"kind": "region"}, headers=admin)
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 60 and len(body["events"]) == audit.PAGE
    assert body["events"][0]["id"] == "r59" and body["events"][0]["actor"] == "cli"
    assert body["events"][0]["changes"] == {"name": "Region 59", "parent": ""}
    rows = list(csv.DictReader(io.StringIO(
        hq.client.get("/api/v1/audit.csv?kind=region", headers=admin).text
    )))  # fmt: skip
    assert len(rows) == 60 and rows[0]["object_id"] == "r00"
    assert hq.client.get("/api/v1/audit?to=2026-13-01", headers=admin).status_code == 400

    analyst = {"Authorization": f"Bearer {hq.reader_token}"}
    assert hq.client.get("/api/v1/audit", headers=analyst).status_code == 403
    assert hq.client.get("/api/v1/audit.csv", headers=analyst).status_code == 403
    assert hq.client.get("/api/v1/audit").status_code == 401
    csrf = csrf_of(hq.client.get("/login").text)
    data = {"username": "reader", "password": PASSWORD, "csrf": csrf}
    hq.client.post("/login", data=data)
    assert hq.client.get("/admin/audit").status_code == 403
    assert hq.client.get("/api/v1/audit").status_code == 403


def test_a_cell_a_spreadsheet_would_run_is_quoted_and_an_admin_token_has_no_scope(hq):
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "r1", "=HYPERLINK(1)", None, now)
        token = add_api_token(s, "ops", now, role="admin")
        with pytest.raises(HQError, match="admin token"):
            add_api_token(s, "ops2", now, scope="region:r1", role="admin")
        with pytest.raises(HQError, match="a manager token needs a scope"):
            add_api_token(s, "ops3", now, role="manager")
        with pytest.raises(HQError, match="role 'boss'"):
            add_api_token(s, "ops4", now, role="boss")
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 8
    text = hq.client.get("/api/v1/audit.csv", headers={"Authorization": f"Bearer {token}"}).text
    assert '"{""name"": ""=HYPERLINK(1)""' in text  # inside JSON: not at the cell's start
    assert "\n'=" not in text and ",=" not in text
