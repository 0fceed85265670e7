"""An id no INTEGER column holds (2**31 and up: PostgreSQL refuses the query outright) is
"no such thing" on every page and route that takes one, never a 500 (found by the schema
fuzzing after the merges of this round). On SQLite and PostgreSQL."""

from __future__ import annotations

from hq.people.admin import add_api_token
from tests.hq.conftest import csrf_of, log_in

HUGE = 2**31


def test_a_huge_id_is_no_such_thing_everywhere(hq):
    with hq.sessions() as s:
        token = add_api_token(s, "ops", hq.clock.now, role="admin")
        s.commit()
    admin = {"Authorization": f"Bearer {token}"}
    rule = {"name": "x", "kind": "kiosk_silent", "scope": "", "params": {}, "channels": []}
    assert hq.client.put(f"/api/v1/alert-rules/{HUGE}", json=rule, headers=admin).status_code == 404
    cancel = hq.client.post(f"/api/v1/surveys/schedules/{HUGE}/cancel", headers=admin)
    assert 400 <= cancel.status_code < 500
    revoke = hq.client.delete(f"/api/v1/enrolment-codes/{HUGE}", headers=admin)
    assert revoke.status_code == 404
    log_in(hq)
    assert hq.client.get(f"/alerts/{HUGE}").status_code == 404
    csrf = csrf_of(hq.client.get("/alerts").text)
    gone = hq.client.post(f"/alerts/subscriptions/{HUGE}/remove", data={"csrf": csrf})
    assert 400 <= gone.status_code < 500
