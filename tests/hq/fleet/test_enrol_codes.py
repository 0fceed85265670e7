"""Enrol codes as the browser and the API manage them (issue 29): made for a store within
the reader's part, listed with uses left and expiry, revoked; a revoked code enrols no one
and says so. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import segno
from sqlalchemy import select, text

from hq.core.errors import ApiError, HQError, InputError
from hq.fleet.enrol_codes import (
    UnknownCodeError,
    list_codes,
    new_code,
    qr_svg,
    revoke_code,
)
from hq.fleet.enrolment import enrol
from hq.people.access import access_of
from hq.people.roles import add_region, set_store_region
from hq.tables.models import Device, EnrolCode
from kiosk.settings.enrol_link import read_enrol_link
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.fleet.qr_reading import svg_matrix
from tests.hq.served import hymio


@pytest.fixture
def readers(hq):
    """An admin, a manager of s1 and an analyst, as HQ sees them."""
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "south", "South", None, now)
        set_store_region(s, "s1", "south")
        return {
            "admin": access_of(s, "user:admin", "admin", ""),
            "manager": access_of(s, "user:south", "manager", "store:s1"),
            "analyst": access_of(s, "user:reader", "analyst", ""),
        }


def _codes(hq) -> list:
    with hq.sessions() as s:
        return s.execute(text("SELECT * FROM enrol_codes ORDER BY id")).all()


def test_a_code_made_by_a_manager_enrols_a_kiosk_and_its_uses_drop(hq, readers):
    now = hq.clock.now
    with hq.sessions() as s:
        made = new_code(s, readers["manager"], "s1", "2", "3", now)
        assert (made.store_id, made.store_name, made.uses) == ("s1", "Kamppi", 2)
        assert made.expires_at == to_utc_text(now + timedelta(days=3))
        hq_url, code = read_enrol_link(made.link("https://hq.example.fi/"))
        assert (hq_url, code) == ("https://hq.example.fi", made.code)
        enrol(s, hq.app.state.write_lock, code, "pi-1", "10.0.0.1", now)
        [row] = list_codes(s, readers["manager"], now)
        assert (row.id, row.uses_left, row.state) == (made.id, 1, "active")
        assert row.made_by == "user:south"
        enrol(s, hq.app.state.write_lock, code, "pi-2", "10.0.0.1", now)
        assert list_codes(s, readers["admin"], now)[0].state == "used_up"
        assert list_codes(s, readers["admin"], now + timedelta(days=4))[0].state == "expired"


def test_a_revoked_code_enrols_no_one_and_says_it_was_revoked(hq, readers):
    now = hq.clock.now
    with hq.sessions() as s:
        made = new_code(s, readers["admin"], "s2", 5, 7, now)
        revoked = revoke_code(s, readers["admin"], made.id, now)
        assert (revoked.state, revoked.uses_left) == ("revoked", 5)
        with pytest.raises(ApiError) as refused:
            enrol(s, hq.app.state.write_lock, made.code, "pi-9", "10.0.0.2", now)
        assert refused.value.code == "code_revoked" and "revoked" in refused.value.message
        assert s.get(Device, "pi-9") is None
        assert revoke_code(s, readers["admin"], made.id, now + timedelta(hours=1)).revoked_at == (
            revoked.revoked_at
        )  # revoking again changes nothing


def test_a_manager_and_an_analyst_touch_no_code_outside_their_part(hq, readers):
    now = hq.clock.now
    with hq.sessions() as s:
        theirs = new_code(s, readers["admin"], "s2", 1, 1, now)
        before = _codes(hq)
        for who, store in (("manager", "s2"), ("analyst", "s1"), ("manager", "nosuch")):
            with pytest.raises(InputError, match="store: there is no store"):
                new_code(s, readers[who], store, 1, 1, now)
            with pytest.raises(UnknownCodeError):
                revoke_code(s, readers[who], theirs.id, now)
        assert list_codes(s, readers["manager"], now) == []
        assert list_codes(s, readers["analyst"], now) == []
        assert [r.id for r in list_codes(s, readers["admin"], now)] == [theirs.id]
    assert _codes(hq) == before


@pytest.mark.parametrize(
    ("uses", "days", "field"),
    [("0", "1", "uses"), ("x", "1", "uses"), ("10001", "1", "uses"), ("1", "0", "days"),
     ("1", "nan", "days"), ("1", "366", "days"), ("1", "", "days"), ("1.5", "1", "uses")],
)  # fmt: skip
def test_bad_numbers_are_refused_naming_the_field_and_nothing_is_made(
    hq, readers, uses, days, field
):
    with hq.sessions() as s, pytest.raises(InputError, match=f"^{field}: "):
        new_code(s, readers["admin"], "s1", uses, days, hq.clock.now)
    assert _codes(hq) == []


def test_the_operator_makes_codes_for_any_store_and_hq_keeps_only_the_hash(hq):
    with hq.sessions() as s:
        made = new_code(s, None, "s2", 1, 0.5, hq.clock.now)
        assert s.scalar(select(EnrolCode.made_by)) == "operator"
        for wrong in (made.id + 1, 0, -1, 2**31, 10**30):
            with pytest.raises(HQError, match="there is no enrol code"):
                revoke_code(s, None, wrong, hq.clock.now)
    dumped = str(_codes(hq))
    assert made.code not in dumped and made.code.replace("-", "") not in dumped


def test_the_qr_code_is_the_enrolment_link_module_for_module():
    link = "hymio-enrol:?hq=https%3A%2F%2Fhq.example.fi&code=ABCD-EFGH-JKLM"
    svg = str(qr_svg(link, "QR"))
    assert svg.startswith("<svg") and "viewBox" in svg and "<title>QR</title>" in svg
    made = segno.make_qr(link, error="m", boost_error=False)
    assert svg_matrix(svg) == [list(map(bool, row)) for row in made.matrix]
    other = segno.make_qr(link.replace("JKLM", "JKLN"), error="m", boost_error=False)
    assert svg_matrix(svg) != [list(map(bool, row)) for row in other.matrix]


def test_the_command_line_lists_and_revokes_codes_with_the_same_functions(tmp_path):
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    store = ["--id", "s1", "--name", "Kamppi", "--timezone", "Europe/Helsinki"]
    assert hymio("hq", "add-store", "--database", url, *store).returncode == 0
    made = hymio("hq", "enroll-code", "--database", url, "--store", "s1", "--uses", "3",
                 "--hq", "https://hq.example.fi")  # fmt: skip
    assert made.returncode == 0, made.stderr
    code = made.stdout.splitlines()[1]
    assert f"'hymio-enrol:?hq=https%3A%2F%2Fhq.example.fi&code={code}'" in made.stdout
    listed = hymio("hq", "enroll-codes", "--database", url)
    assert listed.returncode == 0 and re.search(r"^\s+1  s1\s+active\s+3/3 .* operator$",
                                                listed.stdout, re.M), listed.stdout  # fmt: skip
    revoked = hymio("hq", "revoke-enroll-code", "--database", url, "--id", "1")
    assert revoked.returncode == 0 and "enrol code 1 of store s1 revoked" in revoked.stdout
    assert re.search(r"^\s+1  s1\s+revoked ", hymio("hq", "enroll-codes", "--database", url).stdout,
                     re.M)  # fmt: skip
    missing = hymio("hq", "revoke-enroll-code", "--database", url, "--id", "7")
    assert missing.returncode == 1 and "there is no enrol code 7" in missing.stderr
