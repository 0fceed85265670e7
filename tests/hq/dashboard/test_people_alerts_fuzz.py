"""The admin's and the alerts' forms with whatever a browser (or an attacker) can send, on
SQLite and PostgreSQL: never a 5xx, and whatever is refused changes nothing."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hq.alerts.manage import add_rule
from hq.tables.alerts import Alert, AlertEvent
from hq.tables.models import EnrolCode, Region, Store
from hq.tables.people import ApiToken, User
from tests.hq.alert_fixtures import worker_of
from tests.hq.conftest import csrf_of, log_in

FORMS = {
    "/admin/users": ("username", "password", "role", "scope", "email"),
    "/admin/users/{}/role": ("role", "scope", "email"),
    "/admin/users/{}/remove": (),
    "/admin/regions": ("id", "name", "parent"),
    "/admin/tokens": ("name", "scope", "role"),
    "/admin/tokens/{}/remove": (),
    "/alerts/{}/acknowledge": (),
    "/alerts/{}/comment": ("text",),
    "/alerts/{}/close": ("text",),
    "/enrolment-codes": ("store", "uses", "days", "print_language"),
    "/enrolment-codes/{}/revoke": (),
    "/alerts/{}/track": ("owner", "due", "status"),
}
ODD = ["", "admin", "manager", "analyst", "region:", "store:s1", "region:nope", "s1", "1", "fi",
       "-1", "9" * 30, "\x00", "<b>", "a@b.fi", "x" * 300, "\ud7ff", "../", "%00"]  # fmt: skip
TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(ODD)


def everything(hq) -> tuple:
    with hq.sessions() as s:
        return (
            sorted((u.username, u.role, u.scope, u.email) for u in s.scalars(select(User))),
            sorted((r.id, r.name, r.parent_id) for r in s.scalars(select(Region))),
            sorted((t.name, t.scope, t.role) for t in s.scalars(select(ApiToken))),
            sorted((x.id, x.region_id) for x in s.scalars(select(Store))),
            sorted((a.id, a.state, a.owner, a.due) for a in s.scalars(select(Alert))),
            len(s.scalars(select(AlertEvent)).all()),
            sorted((c.id, c.uses_left, c.revoked_at) for c in s.scalars(select(EnrolCode))),
        )


def test_no_admin_or_alert_form_gives_a_5xx_and_a_refusal_changes_nothing(hq):
    with hq.sessions() as s:
        add_rule(s, "clocks", "clock_unsynced", "", {}, [], hq.clock.now)
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth())
    worker_of(hq, None).run_once()
    log_in(hq)
    csrf = csrf_of(hq.client.get("/admin").text)
    seen: set[int] = set()

    @settings(max_examples=120, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(form=st.sampled_from(sorted(FORMS)), target=TEXT,
           values=st.lists(TEXT, min_size=5, max_size=5), good_csrf=st.booleans())  # fmt: skip
    def check(form, target, values, good_csrf):
        if target in ("admin",) and form.endswith("/remove"):
            target = "someone"  # removing the one admin would end the fuzzing's session
        path = form.format(quote(target, safe="")) if "{}" in form else form
        data = dict(zip(FORMS[form], values, strict=False))
        data["csrf"] = csrf if good_csrf else "forged"
        before = everything(hq)
        answer = hq.client.post(path, data=data, follow_redirects=False)
        seen.add(answer.status_code)
        assert answer.status_code < 500, (path, data, answer.text[:300])
        if answer.status_code >= 400:
            assert everything(hq) == before, (path, data, answer.status_code)

    check()
    assert {400, 403} <= seen  # refusals of both kinds were tried
