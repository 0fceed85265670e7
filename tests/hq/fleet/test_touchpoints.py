"""Touchpoints (issue 32): web links beside kiosks, with journey stages, each change in
the audit log; no device token works for a web link."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hq.fleet.chain.errors import ChainError
from hq.fleet.touchpoints import (
    CODE_ALPHABET,
    CODE_LENGTH,
    add_web_link,
    find_by_code,
    retire_web_link,
    set_stage,
    touchpoints_of,
)
from hq.people.access import access_of
from hq.people.admin import add_api_token
from hq.tables.chain import AuditEvent
from hq.tables.database import open_database
from hq.tables.models import Device, Store
from hymio.cli import main
from tests.hq.conftest import csrf_of, log_in


def test_an_admin_adds_a_web_link_sets_stages_and_retires_it(hq):
    with hq.sessions() as s:
        link = add_web_link(s, None, "s1", "Receipt", "after_purchase", hq.clock.now)
        code = link.code
        assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
        assert link.id == f"web-{code}" and link.kind == "web"
        set_stage(s, None, "k1", "checkout", hq.clock.now)
        found = [(d.id, d.kind, d.stage) for d in touchpoints_of(s, None, "s1")]
        assert found == [("k1", "kiosk", "checkout"), (link.id, "web", "after_purchase")]
        assert find_by_code(s, code.upper()).id == link.id
        assert find_by_code(s, "nope") is None
        retire_web_link(s, None, link.id, hq.clock.now)
        assert find_by_code(s, code).retired_at is not None
        assert [d.id for d in touchpoints_of(s, None, "s1", retired=False)] == ["k1"]
        actions = s.execute(select(AuditEvent.action, AuditEvent.object_id)).all()
        assert ("add", link.id) in actions and ("stage", "k1") in actions
        assert ("retire", link.id) in actions


def test_two_links_never_share_a_code(hq):
    with hq.sessions() as s:
        codes = {add_web_link(s, None, "s1", "", "", hq.clock.now).code for _ in range(20)}
        assert len(codes) == 20


@pytest.mark.parametrize(
    ("call", "field", "status"),
    [
        (lambda s, now: add_web_link(s, None, "nope", "x", "", now), "store", 404),
        (lambda s, now: add_web_link(s, None, "s1", "x", "roof", now), "stage", 400),
        (lambda s, now: add_web_link(s, None, "s1", "a\nb", "", now), "name", 400),
        (lambda s, now: set_stage(s, None, "nope", "checkout", now), "device", 404),
        (lambda s, now: set_stage(s, None, "k1", "attic", now), "stage", 400),
        (lambda s, now: retire_web_link(s, None, "k1", now), "device", 400),
    ],
)
def test_what_cannot_be_done_names_the_field_and_changes_nothing(hq, call, field, status):
    with hq.sessions() as s:
        before = s.scalars(select(Device.id)).all()
        with pytest.raises(ChainError) as e:
            call(s, hq.clock.now)
        s.rollback()
        assert (e.value.field, e.value.status) == (field, status)
        assert s.scalars(select(Device.id)).all() == before
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.action != "add")) is None


def test_a_manager_of_another_store_neither_sees_nor_changes_its_links(hq):
    with hq.sessions() as s:
        link = add_web_link(s, None, "s1", "Door", "entrance", hq.clock.now)
        other = access_of(s, "user:m2", "manager", "store:s2")
        assert touchpoints_of(s, other, "s1") == []
        with pytest.raises(ChainError) as e:
            set_stage(s, other, link.id, "checkout", hq.clock.now)
        assert e.value.status == 404


def test_no_device_token_works_for_a_web_link(hq):
    with hq.sessions() as s:
        add_web_link(s, None, "s1", "Door", "entrance", hq.clock.now)
    answer = hq.client.get("/api/v1/config", headers=hq.auth("web-anything"))
    assert answer.status_code == 401


def _page_csrf(hq) -> str:
    return csrf_of(hq.client.get("/chain/stores/s1").text)


def test_the_store_page_lists_touchpoints_and_adds_stages_and_retires_a_link(hq):
    log_in(hq)
    page = hq.client.get("/chain/stores/s1")
    assert 'id="store-touchpoints"' in page.text and 'data-device="k1"' in page.text
    answer = hq.client.post(
        "/chain/stores/s1/touchpoints",
        data={"csrf": _page_csrf(hq), "name": "Poster at the door", "stage": "entrance"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("#touchpoints")
    with hq.sessions() as s:
        link = s.scalar(select(Device).where(Device.kind == "web"))
    page = hq.client.get("/chain/stores/s1").text
    assert f"/r/{link.code}" in page and "Poster at the door" in page
    assert f'data-device="{link.id}" data-kind="web"' in page
    csrf = _page_csrf(hq)
    answer = hq.client.post("/chain/devices/k1/stage", data={"csrf": csrf, "stage": "checkout"},
                            follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    bad = hq.client.post("/chain/devices/k1/stage", data={"csrf": csrf, "stage": "attic"})
    assert bad.status_code == 400 and "stage:" in bad.text
    answer = hq.client.post(f"/chain/devices/{link.id}/retire-link", data={"csrf": csrf},
                            follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    with hq.sessions() as s:
        assert s.get(Device, "k1").stage == "checkout"
        assert s.get(Device, link.id).retired_at is not None
    # the kiosks' table, the fleet and the devices API still list only kiosks
    kiosks = hq.client.get("/chain/stores/s1").text.split('id="store-kiosks"')[1]
    assert link.id not in kiosks.split("</table>")[0]
    assert link.id not in hq.client.get("/fleet").text


def test_the_api_and_the_commands_are_twins_of_the_page(hq, tmp_path, capsys):
    with hq.sessions() as s:
        admin = add_api_token(s, "ops", hq.clock.now, role="admin")
    auth = {"Authorization": f"Bearer {admin}"}
    made = hq.client.post("/api/v1/stores/s1/touchpoints", headers=auth,
                          json={"name": "Receipt", "stage": "after_purchase"})  # fmt: skip
    assert made.status_code == 201, made.text
    link = made.json()
    assert link["kind"] == "web" and link["link"].endswith(f"/r/{link['code']}")
    listed = hq.client.get("/api/v1/stores/s1/touchpoints", headers=auth).json()
    assert [(t["id"], t["kind"]) for t in listed] == [("k1", "kiosk"), (link["id"], "web")]
    changed = hq.client.patch("/api/v1/touchpoints/k1", headers=auth, json={"stage": "checkout"})
    assert changed.json()["stage"] == "checkout"
    bad = hq.client.patch("/api/v1/touchpoints/k1", headers=auth, json={"stage": "roof"})
    assert bad.status_code == 400 and "stage" in bad.json()["error"]["message"]
    assert hq.client.post("/api/v1/touchpoints/k1/retire", headers=auth).status_code == 400
    gone = hq.client.post(f"/api/v1/touchpoints/{link['id']}/retire", headers=auth)
    assert gone.json()["retired_at"] is not None
    devices = hq.client.get("/api/v1/devices", headers=auth).json()
    assert [d["id"] for d in devices] == ["k1", "k2"]
    gaps = hq.client.get(f"/api/v1/devices/{link['id']}/gaps", headers=auth)
    assert gaps.status_code == 404
    reader = hq.client.get("/api/v1/stores/s1/touchpoints", headers=hq.auth(hq.reader_token))
    assert reader.status_code == 200
    assert hq.client.post("/api/v1/stores/s1/touchpoints", headers=hq.auth(hq.reader_token),
                          json={"name": "x"}).status_code == 403  # fmt: skip


def test_the_commands_add_list_stage_and_retire_links(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    db = ("--database", url)
    assert main(["hq", "add-store", *db, "--id", "s1", "--name", "A", "--timezone", "UTC"]) == 0
    assert main(["hq", "add-device", *db, "--store", "s1", "--id", "k1"]) == 0
    capsys.readouterr()
    assert main(["hq", "add-link", *db, "--store", "s1", "--name", "Till", "--stage",
                 "checkout"]) == 0  # fmt: skip
    code = capsys.readouterr().out.split("/r/")[1].strip()
    assert main(["hq", "set-stage", *db, "--id", "k1", "--stage", "entrance"]) == 0
    assert main(["hq", "touchpoints", *db, "--store", "s1"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    assert lines[0].split("\t")[:3] == ["k1", "kiosk", "entrance"]
    assert lines[1].split("\t")[:4] == [f"web-{code}", "web", "checkout", f"/r/{code}"]
    assert main(["hq", "set-stage", *db, "--id", "k1", "--stage", "roof"]) == 2
    assert "stage:" in capsys.readouterr().err
    assert main(["hq", "retire-link", *db, "--id", f"web-{code}"]) == 0
    with open_database(url)[1]() as s:
        assert s.get(Device, f"web-{code}").retired_at is not None
        assert s.scalar(select(AuditEvent.actor).where(AuditEvent.action == "stage")) == "cli"


def test_a_store_with_a_live_web_link_is_not_retired_until_the_link_is(hq):
    from hq.fleet.chain.kiosks import retire_kiosk
    from hq.fleet.chain.stores import retire_store

    with hq.sessions() as s:
        retire_kiosk(s, None, "k2", hq.clock.now)
        link = add_web_link(s, None, "s2", "Door", "", hq.clock.now)
        with pytest.raises(ChainError) as e:
            retire_store(s, None, "s2", hq.clock.now)
        assert e.value.status == 409 and "web links" in str(e.value)
        s.rollback()
        retire_web_link(s, None, link.id, hq.clock.now)
        retire_store(s, None, "s2", hq.clock.now)
        assert s.get(Store, "s2").retired_at is not None


def test_a_name_with_braces_is_refused_by_name_not_by_an_error(hq):
    with hq.sessions() as s, pytest.raises(ChainError) as e:
        add_web_link(s, None, "s1", "{a\nb}", "", hq.clock.now)
    assert e.value.field == "name" and "{" in str(e.value)
