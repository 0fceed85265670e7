"""The enrol codes' pages (issue 29): an admin makes a code for any store, a manager for
their own stores only, an analyst none; the printout carries the code, HQ's address, the
store, the expiry, the uses and the QR code of the enrolment link, in the language asked
for; a revoked code says so in the list. Bad input is a 400 naming the field, a foreign
store or code is answered as one that does not exist, a stale form a 403: nothing changes.
On SQLite and PostgreSQL."""

from __future__ import annotations

import re

import segno
from sqlalchemy import text

from kiosk.settings.enrol_link import read_enrol_link
from tests.hq.conftest import csrf_of
from tests.hq.fleet.qr_reading import svg_matrix
from tests.hq.people.test_access import chain, log_in_as  # noqa: F401 -- the fixture


def _codes(hq) -> list:
    with hq.sessions() as s:
        return s.execute(text("SELECT * FROM enrol_codes ORDER BY id")).all()


def _make(hq, **form):
    csrf = csrf_of(hq.client.get("/enrolment-codes").text)
    data = {"store": "s1", "uses": "2", "days": "7", "csrf": csrf, **form}
    return hq.client.post("/enrolment-codes", data=data, follow_redirects=False)


def _link_of(page: str) -> str:
    return re.search(r'data-link="([^"]+)"', page).group(1).replace("&amp;", "&")


def test_a_manager_makes_a_code_for_their_store_and_prints_it_in_finnish(hq, chain):  # noqa: F811
    log_in_as(hq, "south")
    listed = hq.client.get("/enrolment-codes")
    assert listed.status_code == 200 and "Kamppi" in listed.text
    assert "Zzhidden" not in listed.text and "Tampere" not in listed.text  # not theirs
    made = _make(hq, print_language="fi")
    assert made.status_code == 200, made.text[:400]
    assert made.headers["cache-control"] == "no-store"
    page = made.text
    link = _link_of(page)
    hq_url, code = read_enrol_link(link)
    assert hq_url == "http://testserver" and code in page
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert 'lang="fi"' in page and "Ilmoittautumiskoodi" in page and "Kamppi" in page
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    qr = segno.make_qr(link, error="m", boost_error=False)
    assert svg_matrix(svg) == [list(map(bool, row)) for row in qr.matrix]
    listed = hq.client.get("/enrolment-codes").text
    assert code not in listed  # shown once
    assert 'data-state="active" data-uses-left="2"' in listed


def test_a_revoked_code_is_listed_as_revoked_and_revoking_is_scoped(hq, chain):  # noqa: F811
    log_in_as(hq, "admin")
    _make(hq, store="zzstore")
    [theirs] = _codes(hq)
    log_in_as(hq, "south")
    csrf = csrf_of(hq.client.get("/enrolment-codes").text)
    for path in (f"/enrolment-codes/{theirs.id}/revoke", "/enrolment-codes/999/revoke",
                 "/enrolment-codes/x/revoke", f"/enrolment-codes/{'9' * 30}/revoke"):  # fmt: skip
        answer = hq.client.post(path, data={"csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 404 and "no such enrol code" in answer.text
    assert _codes(hq)[0].revoked_at is None
    log_in_as(hq, "admin")
    csrf = csrf_of(hq.client.get("/enrolment-codes").text)
    answer = hq.client.post(f"/enrolment-codes/{theirs.id}/revoke", data={"csrf": csrf})
    assert answer.status_code == 200 and 'data-state="revoked"' in answer.text
    assert _codes(hq)[0].revoked_at is not None


def test_an_analyst_manages_no_code_and_bad_input_changes_nothing(hq, chain):  # noqa: F811
    log_in_as(hq, "reader")
    assert hq.client.get("/enrolment-codes").status_code == 403
    assert "/enrolment-codes" not in hq.client.get("/").text
    csrf = csrf_of(hq.client.get("/").text)
    for path in ("/enrolment-codes", "/enrolment-codes/1/revoke"):
        data = {"store": "s1", "uses": "1", "days": "1", "csrf": csrf}
        assert hq.client.post(path, data=data, follow_redirects=False).status_code == 403
    log_in_as(hq, "south")
    bad = [
        ({"store": "zzstore"}, "store"), ({"store": "nosuch"}, "store"), ({"uses": "0"}, "uses"),
        ({"uses": "lots"}, "uses"), ({"days": "-1"}, "days"), ({"days": "1e9"}, "days"),
        ({"print_language": "de"}, "print_language"),
    ]  # fmt: skip
    for form, field in bad:
        answer = _make(hq, **form)
        assert answer.status_code == 400, (form, answer.status_code)
        assert f"{field}: " in answer.text, (form, answer.text[:300])
    stale = _make(hq, csrf="stale")
    assert stale.status_code == 403
    hq.client.cookies.clear()
    assert hq.client.get("/enrolment-codes", follow_redirects=False).status_code == 303
    assert _codes(hq) == []
