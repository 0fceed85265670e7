"""``/api/v1/enrolment-codes`` (issue 29): the enrol codes page's twin for scripts, with
admin and manager API tokens; an analyst token, a manager outside its stores and a
browser's session writing are refused and change nothing; a revoked code enrols no one.
On SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
import segno
from sqlalchemy import text

from hq.people.admin import add_api_token
from hq.people.roles import add_region, set_store_region
from kiosk.settings.enrol_link import read_enrol_link
from tests.hq.conftest import csrf_of, log_in
from tests.hq.fleet.qr_reading import svg_matrix
from tests.hq.served import hymio

API = "/api/v1/enrolment-codes"


@pytest.fixture
def tokens(hq) -> dict[str, dict]:
    """Bearer headers of an admin token, a manager token of store s1, the analyst's."""
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "south", "South", None, now)
        set_store_region(s, "s1", "south")
        admin = add_api_token(s, "ops", now, role="admin")
        manager = add_api_token(s, "kamppi-it", now, scope="store:s1", role="manager")
    bearer = lambda t: {"Authorization": f"Bearer {t}"}  # noqa: E731
    return {"admin": bearer(admin), "manager": bearer(manager), "analyst": bearer(hq.reader_token)}


def _codes(hq) -> list:
    with hq.sessions() as s:
        return s.execute(text("SELECT * FROM enrol_codes ORDER BY id")).all()


def _enrol(hq, code: str, device: str):
    return hq.client.post("/api/v1/enrol", json={"code": code, "device_id": device})


def test_a_manager_token_makes_lists_and_revokes_the_codes_of_its_store(hq, tokens):
    made = hq.client.post(API, json={"store_id": "s1", "uses": 3, "days": 2},
                          headers=tokens["manager"])  # fmt: skip
    assert made.status_code == 201, made.text
    body = made.json()
    assert read_enrol_link(body["link"]) == ("http://testserver", body["code"])
    qr = segno.make_qr(body["link"], error="m", boost_error=False)
    assert svg_matrix(body["qr_svg"]) == [list(map(bool, row)) for row in qr.matrix]
    assert _enrol(hq, body["code"], "pi-1").status_code == 201
    listed = hq.client.get(API, headers=tokens["manager"]).json()["codes"]
    assert [(c["id"], c["uses_left"], c["state"], c["made_by"]) for c in listed] == [
        (body["id"], 2, "active", "token:kamppi-it")
    ]
    assert body["code"] not in str(listed)
    revoked = hq.client.delete(f"{API}/{body['id']}", headers=tokens["manager"])
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    refused = _enrol(hq, body["code"], "pi-2")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "code_revoked"


def test_outside_its_part_or_without_a_managing_token_nothing_changes(hq, tokens):
    theirs = hq.client.post(API, json={"store_id": "s2"}, headers=tokens["admin"]).json()
    before = _codes(hq)
    answer = hq.client.post(API, json={"store_id": "s2"}, headers=tokens["manager"])
    assert answer.status_code == 400 and "store: there is no store 's2'" in answer.text
    for wrong in (theirs["id"], 2**31, -1):
        answer = hq.client.delete(f"{API}/{wrong}", headers=tokens["manager"])
        assert answer.status_code == 404, (wrong, answer.text)
    assert hq.client.get(API, headers=tokens["manager"]).json() == {"codes": []}
    for call in (lambda h: hq.client.get(API, headers=h),
                 lambda h: hq.client.post(API, json={"store_id": "s1"}, headers=h),
                 lambda h: hq.client.delete(f"{API}/{theirs['id']}", headers=h)):  # fmt: skip
        assert call(tokens["analyst"]).status_code == 403
        assert call({}).status_code == 401
    log_in(hq)  # the admin's browser session reads, but writes only through the page's forms
    assert hq.client.get(API).status_code == 200
    answer = hq.client.post(API, json={"store_id": "s1"})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "token_required"
    assert hq.client.delete(f"{API}/{theirs['id']}").status_code == 403
    assert _codes(hq) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [({"store_id": "s1", "uses": 0}, "body.uses"), ({"store_id": "s1", "days": 0}, "body.days"),
     ({"store_id": "s1", "days": 400}, "body.days"), ({"store_id": ""}, "body.store_id"),
     ({"store_id": "s1", "code": "x"}, "body.code"), ({}, "body.store_id")],
)  # fmt: skip
def test_a_bad_body_is_refused_naming_the_field(hq, tokens, body, field):
    answer = hq.client.post(API, json=body, headers=tokens["admin"])
    assert answer.status_code == 422 and answer.json()["error"]["message"].startswith(field)
    assert _codes(hq) == []


def test_a_token_role_must_fit_its_scope(tmp_path):
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    refused = hymio("hq", "add-token", "--database", url, "--name", "m", "--role", "manager")
    assert refused.returncode == 2 and "a manager token needs a scope" in refused.stderr
    made = hymio("hq", "add-token", "--database", url, "--name", "ops", "--role", "admin")
    assert made.returncode == 0 and re.search(r"^\S{40,}$", made.stdout, re.M), made.stderr


def test_the_admin_page_makes_a_manager_token_that_must_have_a_scope(hq):
    log_in(hq)
    csrf = csrf_of(hq.client.get("/admin").text)
    bad = {"name": "m", "role": "manager", "scope": "", "csrf": csrf}
    answer = hq.client.post("/admin/tokens", data=bad)
    assert answer.status_code == 400 and "a manager token needs a scope" in answer.text
    good = {**bad, "scope": "store:s1"}
    answer = hq.client.post("/admin/tokens", data=good)
    assert answer.status_code == 200
    token = re.search(r'id="new-token">[^<]*<code>([^<]+)</code>', answer.text).group(1)
    bearer = {"Authorization": f"Bearer {token}"}
    made = hq.client.post(API, json={"store_id": "s1"}, headers=bearer)
    assert made.status_code == 201 and made.json()["store_id"] == "s1"
