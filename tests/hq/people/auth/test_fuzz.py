"""The people forms (invites, links, the second factor) and API bodies with whatever a
browser, a script (or an attacker) can send, on SQLite and PostgreSQL, with a real SMTP
server: never a 5xx, a 400 names the field, and whatever is refused changes nothing."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hq.people.admin import add_api_token, add_user
from hq.tables.people import LoginSession, PasswordLink, SecondFactor, User
from tests.hq.conftest import PASSWORD, csrf_of, log_in
from tests.hq.mailbox import Mailbox

FORMS = {
    "/admin/invites": ("username", "email", "role", "scope", "language"),
    "/admin/users/{}/invite": (),
    "/admin/users/{}/reset": (),
    "/admin/users/{}/deactivate": (),
    "/admin/users/{}/reactivate": (),
    "/login/set-password": ("token", "password", "again"),
    "/login/code": ("code",),
    "/login/code/setup": ("code",),
    "/account/totp/start": (),
    "/account/totp/confirm": ("code",),
    "/account/totp/off": ("code",),
    "/admin/users/{}/totp/require": ("required",),
    "/admin/users/{}/totp/reset": (),
}
API = ("/api/v1/users", "/api/v1/users/{}/invite", "/api/v1/users/{}/reset",
       "/api/v1/users/{}/deactivate", "/api/v1/users/{}/reactivate")  # fmt: skip
ODD = ["", "admin", "manager", "analyst", "olli", "store:s1", "region:nope", "fi", "sv",
       "a@b.fi", "olli@hymio.test", "x" * 300, "\x00", "<b>", "\ud7ff", "../", "%00",
       "a long enough password"]  # fmt: skip
TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(ODD)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
FIELDS = ("username", "email", "role", "scope", "language")
BODY = st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, TEXT))


def everything(hq) -> tuple:
    with hq.sessions() as s:
        return (
            sorted(
                (
                    u.username,
                    u.role,
                    u.scope,
                    u.email,
                    u.language,
                    u.deactivated_at,
                    u.password_hash,
                )
                for u in s.scalars(select(User))
            ),
            sorted((k.username, k.purpose, k.used_at) for k in s.scalars(select(PasswordLink))),
            len(s.scalars(select(LoginSession)).all()),
            sorted(
                (f.username, f.secret, f.confirmed_at, f.required)
                for f in s.scalars(select(SecondFactor))
            ),
        )


def test_no_people_form_or_body_gives_a_5xx_and_a_refusal_changes_nothing(hq, tmp_path):
    with hq.sessions() as s:
        add_user(s, "olli", PASSWORD, hq.clock.now, email="olli@hymio.test")
        token = add_api_token(s, "people", hq.clock.now, role="admin")
    seen: set[int] = set()
    with Mailbox(tmp_path) as mailbox:
        hq.app.state.mail = mailbox.settings()
        log_in(hq)
        csrf = csrf_of(hq.client.get("/admin").text)

        @settings(max_examples=150, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(form=st.sampled_from(sorted(FORMS)), target=TEXT,
               values=st.lists(TEXT, min_size=5, max_size=5), good_csrf=st.booleans())  # fmt: skip
        def forms(form, target, values, good_csrf):
            if target == "admin":
                target = "someone"  # deactivating the one admin is refused anyway
            path = form.format(quote(target, safe="")) if "{}" in form else form
            data = dict(zip(FORMS[form], values, strict=False))
            data["csrf"] = csrf if good_csrf else "forged"
            before = everything(hq)
            answer = hq.client.post(path, data=data, follow_redirects=False)
            seen.add(answer.status_code)
            assert answer.status_code < 500, (path, data, answer.text[:300])
            if answer.status_code >= 400:
                assert everything(hq) == before, (path, data, answer.status_code)

        forms()

        @settings(max_examples=150, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(route=st.sampled_from(API), target=TEXT, body=BODY | JSON)  # fmt: skip
        def api(route, target, body):
            path = route.format(quote(target, safe="") or "x")
            before = everything(hq)
            headers = {"Authorization": f"Bearer {token}"}
            answer = hq.client.post(path, json=body, headers=headers)
            seen.add(answer.status_code)
            assert answer.status_code < 500, (path, body, answer.text[:300])
            if answer.status_code >= 400:
                assert everything(hq) == before, (path, body, answer.status_code)
            message = answer.json()["error"]["message"] if answer.status_code == 400 else ""
            if message and not message.startswith("the URL"):  # the URL: checked before
                assert message.split()[0].rstrip(":") in (*FIELDS, "e-mail", "a", "an"), message

        api()
    assert {400, 403} <= seen and ({200, 201} & seen)
