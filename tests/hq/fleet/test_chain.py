"""Stores, their hours and kiosks from the browser and the API (issue 29), on SQLite and
PostgreSQL: an admin token runs them through the API alone (the kiosk gets the hours and
holidays with its settings, and HQ's silent-kiosk figure honours them); a manager changes
only their part; bad input is a 400 naming the field and changes nothing; every change
is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hq.insight.hours import store_hours
from hq.people.admin import add_api_token, add_user
from hq.people.roles import add_region, set_store_region
from hq.tables.chain import AuditEvent, HoursException
from hq.tables.models import Device, Store, Survey
from tests.hq.conftest import PASSWORD, csrf_of


def admin_token(hq) -> dict[str, str]:
    with hq.sessions() as s:
        return {"Authorization": f"Bearer {add_api_token(s, 'ops', hq.clock.now, role='admin')}"}


def audit_of(hq, kind: str) -> list[tuple[str, str, str]]:
    with hq.sessions() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id))
        return [(r.actor, r.action, r.object_id) for r in rows]


def test_an_admin_token_runs_stores_hours_and_kiosks_through_the_api_alone(hq):
    api = admin_token(hq)
    with hq.sessions() as s:
        add_region(s, "south", "South", None, hq.clock.now)
    made = hq.client.post(
        "/api/v1/stores",
        json={"id": "itis", "name": "Itis", "timezone": "Europe/Helsinki", "region": "south"},
        headers=api,
    )
    assert made.status_code == 201, made.text
    assert made.json() == {"id": "itis", "name": "Itis", "timezone": "Europe/Helsinki",
                           "region": "south", "retired_at": None}  # fmt: skip
    changed = hq.client.patch("/api/v1/stores/itis", json={"name": "Itis 2", "region": ""},
                              headers=api)  # fmt: skip
    assert changed.json()["name"] == "Itis 2" and changed.json()["region"] == ""
    week = hq.client.put("/api/v1/stores/s1/hours",
                         json={"fri": "08:00-21:00", "sun": "closed"}, headers=api)  # fmt: skip
    assert week.status_code == 200 and week.json()["week"]["fri"] == "08:00-21:00"
    assert week.json()["week"]["mon"] == "00:00-24:00"
    holiday = hq.client.put("/api/v1/stores/s1/exceptions/2026-11-20",
                            json={"hours": "closed", "note": "Inventory"}, headers=api)  # fmt: skip
    assert holiday.json()["exceptions"] == [
        {"day": "2026-11-20", "hours": "closed", "note": "Inventory"}
    ]
    config = hq.client.get("/api/v1/config", headers=hq.auth()).json()
    assert config["version"] == 1 and config["hours"]["fri"] == "08:00-21:00"
    assert config["hours"]["exceptions"] == {"2026-11-20": "closed"}
    with hq.sessions() as s:  # NOON is a Friday, 12:00 in Helsinki: closed for inventory
        local = hq.clock.now.astimezone(ZoneInfo("Europe/Helsinki"))
        assert not store_hours(s, "s1").is_open(local)
        assert store_hours(s, "s2").is_open(local)
    fleet = hq.client.get("/api/v1/devices", headers=api).json()
    assert {d["id"]: d["silent"] for d in fleet}["k1"] is False  # closed: never silent

    new = hq.client.post("/api/v1/devices", json={"id": "k9", "store": "itis"}, headers=api)
    assert new.status_code == 201
    k9 = {"Authorization": f"Bearer {new.json()['token']}"}
    assert hq.client.post("/api/v1/heartbeat", json={}, headers=k9).status_code == 200
    moved = hq.client.patch("/api/v1/devices/k9", json={"name": "Door", "store": "s2"},
                            headers=api)  # fmt: skip
    assert moved.json()["name"] == "Door" and moved.json()["store"] == "s2"
    rotated = hq.client.post("/api/v1/devices/k9/token", headers=api).json()["token"]
    assert hq.client.post("/api/v1/heartbeat", json={}, headers=k9).status_code == 401
    k9 = {"Authorization": f"Bearer {rotated}"}
    assert hq.client.post("/api/v1/heartbeat", json={}, headers=k9).status_code == 200
    assert hq.client.post("/api/v1/devices/k9/retire", headers=api).json()["retired_at"]
    assert hq.client.post("/api/v1/heartbeat", json={}, headers=k9).status_code == 401
    busy = hq.client.post("/api/v1/stores/s2/retire", headers=api)
    assert busy.status_code == 409 and "kiosks" in busy.json()["error"]["message"]
    hq.client.post("/api/v1/devices/k2/retire", headers=api)
    assert hq.client.post("/api/v1/stores/s2/retire", headers=api).status_code == 200
    again = hq.client.patch("/api/v1/stores/s2", json={"name": "X"}, headers=api)
    assert again.status_code == 409  # retired: read-only
    assert [s["id"] for s in hq.client.get("/api/v1/stores", headers=api).json()][-1] == "s2"
    assert audit_of(hq, "store")[2:] == [  # after the fixture's own two stores
        ("token:ops", "add", "itis"), ("token:ops", "change", "itis"),
        ("token:ops", "retire", "s2"),
    ]  # fmt: skip
    assert [a for a, *_ in audit_of(hq, "hours")] == ["token:ops", "token:ops"]
    assert ("token:ops", "move", "k9") in audit_of(hq, "device")
    assert ("token:ops", "rotate-token", "k9") in audit_of(hq, "device")


def test_a_retired_store_is_out_of_the_ranking_and_the_all_stores_page(hq):
    from tests.hq.conftest import log_in

    log_in(hq)
    assert "Tampere" in hq.client.get("/").text
    api = admin_token(hq)
    hq.client.post("/api/v1/devices/k2/retire", headers=api)
    hq.client.post("/api/v1/stores/s2/retire", headers=api)
    front = hq.client.get("/").text
    assert "Tampere" not in front and "Kamppi" in front
    listed = hq.client.get("/chain/stores").text
    assert 'data-store="s2" data-retired="yes"' in listed  # the admin still sees it
    page = hq.client.get("/chain/stores/s2").text
    assert 'id="retired"' in page and 'id="rename-store"' not in page


def state(hq) -> tuple:
    with hq.sessions() as s:
        return (
            sorted((x.id, x.name, x.region_id, x.timezone, x.retired_at)
                   for x in s.scalars(select(Store))),
            sorted((d.id, d.name, d.store_id, d.token_hash, d.retired_at)
                   for d in s.scalars(select(Device))),
            sorted((x.store_id, str(x.body), x.version) for x in s.scalars(select(Survey))),
            sorted((x.store_id, x.day, x.hours, x.note) for x in s.scalars(select(HoursException))),
            len(s.scalars(select(AuditEvent)).all()),
        )  # fmt: skip


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(hq):
    api = admin_token(hq)
    before = state(hq)
    bad = [
        ("post", "/api/v1/stores", {"id": "a b", "name": "X"}, 400, "id"),
        ("post", "/api/v1/stores", {"id": "s1", "name": "Again"}, 409, "id"),
        ("post", "/api/v1/stores", {"id": "x", "name": "X", "timezone": "Mars/X"}, 400, "timezone"),
        ("post", "/api/v1/stores", {"id": "x", "name": "X", "region": "nope"}, 400, "region"),
        ("post", "/api/v1/stores", {"id": "x", "name": "line\nbreak"}, 400, "name"),
        ("post", "/api/v1/stores", {"id": "x", "name": "X", "extra": 1}, 422, "extra"),
        ("patch", "/api/v1/stores/s1", {"name": "Fine", "timezone": "Nowhere"}, 400, "timezone"),
        ("patch", "/api/v1/stores/nope", {"name": "X"}, 404, "store"),
        ("put", "/api/v1/stores/s1/hours", {"mon": "08:00-21:00", "tue": "9-5"}, 400, "tue"),
        ("put", "/api/v1/stores/s1/hours", {"mon": "21:00-08:00"}, 400, "mon"),
        ("put", "/api/v1/stores/s1/hours", {"mon": "08:00-12:00, 11:00-13:00"}, 400, "mon"),
        ("put", "/api/v1/stores/s1/exceptions/2026-02-30", {"hours": "closed"}, 400, "day"),
        ("put", "/api/v1/stores/s1/exceptions/2026-12-24", {"hours": "soon"}, 400, "hours"),
        ("delete", "/api/v1/stores/s1/exceptions/2026-12-24", None, 404, "day"),
        ("post", "/api/v1/devices", {"id": "k1", "store": "s1"}, 409, "id"),
        ("post", "/api/v1/devices", {"id": "k7", "store": "nope"}, 404, "store"),
        ("patch", "/api/v1/devices/k1", {"name": "Door", "store": "nope"}, 404, "store"),
        ("patch", "/api/v1/devices/k1", {"store": "s1"}, 400, "store"),
        ("post", "/api/v1/devices/nope/retire", None, 404, "device"),
    ]  # fmt: skip
    for method, path, body, status, field in bad:
        answer = getattr(hq.client, method)(path, headers=api, **({"json": body} if body else {}))
        assert answer.status_code == status, (path, body, answer.text)
        assert field in answer.json()["error"]["message"], (path, answer.text)
    assert state(hq) == before


def test_a_manager_changes_only_their_part_and_an_analyst_nothing(hq):
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "south", "South", None, now)
        add_region(s, "inner", "Inner", "south", now)
        add_region(s, "north", "North", None, now)
        set_store_region(s, "s1", "south")
        set_store_region(s, "s2", "north")
        add_user(s, "mari", PASSWORD, now, role="manager", scope="region:south")
        add_user(s, "ana", PASSWORD, now, role="analyst")
    analyst = {"Authorization": f"Bearer {hq.reader_token}"}
    assert (
        hq.client.patch("/api/v1/stores/s1", json={"name": "X"}, headers=analyst).status_code == 403
    )
    before = state(hq)
    page = hq.client.get("/login").text
    hq.client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf": csrf_of(page)})
    assert hq.client.get("/chain/stores").status_code == 403
    csrf = csrf_of(hq.client.get("/").text)
    refused = hq.client.post("/chain/stores/s1/name", data={"csrf": csrf, "name": "X"})
    assert refused.status_code == 403 and state(hq) == before

    hq.client.cookies.clear()
    page = hq.client.get("/login").text
    hq.client.post("/login", data={"username": "mari", "password": PASSWORD, "csrf": csrf_of(page)})
    listed = hq.client.get("/chain/stores").text
    assert 'data-store="s1"' in listed and 'data-store="s2"' not in listed
    csrf = csrf_of(listed)
    ok = hq.client.post("/chain/stores/s1/name", data={"csrf": csrf, "name": "Kamppi 2"},
                        follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    theirs = hq.client.post("/chain/stores/s2/name", data={"csrf": csrf, "name": "Mine"})
    assert theirs.status_code == 404
    assert hq.client.get("/chain/stores/s2").status_code == 404
    outside = {"csrf": csrf, "id": "x1", "name": "X", "timezone": "Europe/Helsinki"}
    for region in ("north", ""):
        answer = hq.client.post("/chain/stores", data={**outside, "region": region})
        assert answer.status_code == 403, region
    inside = hq.client.post("/chain/stores", data={**outside, "region": "inner"},
                            follow_redirects=False)  # fmt: skip
    assert inside.status_code == 303
    move = hq.client.post("/chain/devices/k1/store", data={"csrf": csrf, "store": "s2"})
    assert move.status_code == 404  # s2 is not theirs
    kiosk = hq.client.post("/chain/devices/k2/name", data={"csrf": csrf, "name": "X"})
    assert kiosk.status_code == 404
    moved = hq.client.post("/chain/devices/k1/store", data={"csrf": csrf, "store": "x1"},
                           follow_redirects=False)  # fmt: skip
    assert moved.status_code == 303
    forged = hq.client.post("/chain/stores/s1/name", data={"csrf": "forged", "name": "Y"})
    assert forged.status_code == 403
    with hq.sessions() as s:
        assert s.get(Store, "s1").name == "Kamppi 2" and s.get(Store, "s2").name == "Tampere"
        assert s.get(Store, "x1").region_id == "inner"
        assert s.get(Device, "k1").store_id == "x1" and s.get(Device, "k2").name == ""
    assert ("user:mari", "rename", "s1") in audit_of(hq, "store")


def test_the_domain_keeps_the_week_and_days_as_the_kiosk_writes_them(hq):
    from hq.fleet.chain import hours

    now = datetime(2026, 12, 1, tzinfo=UTC)
    with hq.sessions() as s:
        week = hours.set_weekly_hours(s, None, "s1", {"mon": "08:00-12:00 , 13:00-18:00"}, now)
        assert week["mon"] == "08:00-12:00, 13:00-18:00"
        hours.set_exception(s, None, "s1", "2026-12-24", "08:00-14:00", "Christmas Eve", now)
        hours.set_exception(s, None, "s1", "2026-12-24", "CLOSED", "", now)  # replaces it
        body = s.scalar(select(Survey).where(Survey.store_id == "s1")).body
        assert body["hours"]["mon"] == ["08:00-12:00", "13:00-18:00"]
        assert hours.exceptions_list(s, "s1") == [
            {"day": "2026-12-24", "hours": "closed", "note": ""}
        ]
        assert ("cli", "set-exception", "s1") in audit_of(hq, "hours")


def test_a_retired_kiosk_is_never_silent(hq):
    from datetime import timedelta

    from hq.insight.chain_health import silent_devices

    api = admin_token(hq)
    later = hq.clock.now + timedelta(hours=3)  # nobody has spoken: k1 and k2 silent
    with hq.sessions() as s:
        assert [d.device_id for d in silent_devices(s, later)[0]] == ["k1", "k2"]
    hq.client.post("/api/v1/devices/k2/retire", headers=api)
    with hq.sessions() as s:
        silent, working = silent_devices(s, later)
        assert [d.device_id for d in silent] == ["k1"] and working == 1
    hq.clock.now = later
    shown = {d["id"]: d["silent"] for d in hq.client.get("/api/v1/devices", headers=api).json()}
    assert shown == {"k1": True, "k2": False}
