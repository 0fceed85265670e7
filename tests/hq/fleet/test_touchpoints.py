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
from hq.tables.chain import AuditEvent
from hq.tables.models import Device


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
