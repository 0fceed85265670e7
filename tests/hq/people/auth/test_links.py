"""Invites, forgotten passwords, admins' reset links and deactivation (issue 29), end to end
through the pages and the API against a real SMTP server on 127.0.0.1: a link works once,
expires, and an unknown address gets the same answer as a known one. SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from hq.people.admin import add_api_token, add_user
from hq.tables.people import LoginSession, PasswordLink, User
from tests.hq.conftest import PASSWORD, csrf_of, log_in
from tests.hq.mailbox import Mailbox

NEW = "a brand new secret"


@pytest.fixture
def mailbox(hq, tmp_path, monkeypatch):
    monkeypatch.setenv("HYMIO_HQ_URL", "http://127.0.0.1:9")
    with Mailbox(tmp_path) as box:
        hq.app.state.mail = box.settings()
        yield box


def link_in(message) -> str:
    """The path and query of the one link in *message*."""
    body = message.get_content()
    found = re.findall(r"https?://\S+(/login/set-password\?token=\S+)", body)
    assert len(found) == 1, body
    return found[0]


def token_of(path: str) -> str:
    return path.split("token=")[1]


def admin_post(hq, path: str, **data):
    page = hq.client.get("/admin").text
    return hq.client.post(path, data={"csrf": csrf_of(page), **data}, follow_redirects=False)


def set_password(hq, path: str, password: str = NEW, again: str | None = None):
    hq.client.cookies.clear()
    form = hq.client.get(path)
    if form.status_code != 200:
        return form
    data = {"csrf": csrf_of(form.text), "token": token_of(path), "password": password,
            "again": password if again is None else again}  # fmt: skip
    return hq.client.post("/login/set-password", data=data)


def can_log_in(hq, username: str, password: str) -> bool:
    hq.client.cookies.clear()
    data = {"username": username, "password": password,
            "csrf": csrf_of(hq.client.get("/login").text)}  # fmt: skip
    return hq.client.post("/login", data=data, follow_redirects=False).status_code == 303


def test_an_invite_mails_a_link_in_the_users_language_that_works_once(hq, mailbox):
    log_in(hq)
    answer = admin_post(hq, "/admin/invites", username="liisa", email="liisa@hymio.test",
                        role="manager", scope="store:s1", language="fi")  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert "liisa@hymio.test" in answer.text
    (mail,) = mailbox.messages
    assert mail["To"] == "liisa@hymio.test" and mail["Content-Language"] == "fi"
    assert "Hymiö HQ" in mail["Subject"] and "You are invited" not in mail["Subject"]
    path = link_in(mail)
    with hq.sessions() as s:  # only a hash of the token is kept
        kept = s.scalars(select(PasswordLink.token_hash)).all()
        assert token_of(path) not in kept and len(kept) == 1
        user = s.get(User, "liisa")
        assert (user.role, user.scope, user.language) == ("manager", "store:s1", "fi")
    assert not can_log_in(hq, "liisa", NEW)
    assert set_password(hq, path, NEW, again="something else").status_code == 400
    done = set_password(hq, path)
    assert done.status_code == 200 and 'id="notice"' in done.text
    assert can_log_in(hq, "liisa", NEW)
    again = set_password(hq, path, "yet another secret")
    assert again.status_code == 400 and "used" in again.text
    assert hq.client.get(path).status_code == 400
    assert not can_log_in(hq, "liisa", "yet another secret")


def test_a_link_expires_and_a_short_password_changes_nothing(hq, mailbox):
    with hq.sessions() as s:
        add_user(s, "pekka", PASSWORD, hq.clock.now, email="pekka@hymio.test")
    log_in(hq)
    assert admin_post(hq, "/admin/users/pekka/reset").status_code == 200
    path = link_in(mailbox.messages[-1])
    assert set_password(hq, path, "short").status_code == 400
    assert can_log_in(hq, "pekka", PASSWORD)  # the old password until the link is used
    hq.clock.now += timedelta(hours=72, seconds=1)
    gone = set_password(hq, path)
    assert gone.status_code == 400 and "expired" in gone.text
    assert can_log_in(hq, "pekka", PASSWORD) and not can_log_in(hq, "pekka", NEW)


def _forgot(hq, email: str):
    hq.client.cookies.clear()
    form = hq.client.get("/login/forgot").text
    return hq.client.post("/login/forgot", data={"csrf": csrf_of(form), "email": email})


def test_forgot_answers_the_same_for_known_and_unknown_and_mails_only_the_known(hq, mailbox):
    with hq.sessions() as s:
        add_user(s, "anna", PASSWORD, hq.clock.now, language="sv", email="Anna@Hymio.test")
    known = _forgot(hq, "anna@hymio.test")
    unknown = _forgot(hq, "nobody@hymio.test")
    assert known.status_code == unknown.status_code == 200
    without_csrf = [re.sub(r'name="csrf" value="[^"]*"', "", a.text) for a in (known, unknown)]
    assert without_csrf[0] == without_csrf[1]
    (mail,) = mailbox.messages
    assert mail["To"] == "Anna@Hymio.test" and mail["Content-Language"] == "sv"
    path = link_in(mail)
    assert set_password(hq, path).status_code == 200
    assert can_log_in(hq, "anna", NEW) and not can_log_in(hq, "anna", PASSWORD)
    hq.clock.now += timedelta(hours=1)  # a forgotten-password link lives an hour
    _forgot(hq, "anna@hymio.test")
    late = link_in(mailbox.messages[-1])
    hq.clock.now += timedelta(hours=1, seconds=1)
    assert set_password(hq, late).status_code == 400


def test_forgot_is_throttled_per_address_and_per_user(hq, mailbox):
    with hq.sessions() as s:
        add_user(s, "anna", PASSWORD, hq.clock.now, email="anna@hymio.test")
    answers = [_forgot(hq, "anna@hymio.test").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    assert len(mailbox.messages) == 3  # at most three unused links at a time
    hq.clock.now += timedelta(minutes=16)
    assert _forgot(hq, "nobody@hymio.test").status_code == 200


def test_deactivation_ends_sessions_refuses_logins_and_can_be_undone(hq, mailbox):
    with hq.sessions() as s:
        add_user(s, "olli", PASSWORD, hq.clock.now, email="olli@hymio.test")
    assert can_log_in(hq, "olli", PASSWORD)
    olli = dict(hq.client.cookies)
    log_in(hq)
    answer = admin_post(hq, "/admin/users/olli/deactivate")
    assert answer.status_code == 200 and "data-deactivated" in answer.text
    with hq.sessions() as s:
        assert s.scalars(select(LoginSession).where(LoginSession.username == "olli")).all() == []
        assert s.get(User, "olli").deactivated_at
    hq.client.cookies.clear()
    hq.client.cookies.update(olli)
    assert hq.client.get("/", follow_redirects=False).status_code == 303
    assert not can_log_in(hq, "olli", PASSWORD)
    assert _forgot(hq, "olli@hymio.test").status_code == 200 and mailbox.messages == []
    log_in(hq)
    assert admin_post(hq, "/admin/users/admin/deactivate").status_code == 400  # not oneself
    assert admin_post(hq, "/admin/users/olli/reactivate").status_code == 200
    assert can_log_in(hq, "olli", PASSWORD)


def test_only_an_admin_invites_and_without_smtp_nothing_changes(hq, tmp_path):
    with hq.sessions() as s:
        add_user(s, "ana", PASSWORD, hq.clock.now, role="analyst")
    hq.app.state.mail = None
    log_in(hq)
    refused = admin_post(hq, "/admin/invites", username="x1", email="x1@hymio.test",
                         role="analyst")  # fmt: skip
    assert refused.status_code == 400 and "HYMIO_SMTP_HOST" in refused.text
    assert can_log_in(hq, "ana", PASSWORD)
    page = hq.client.get("/").text
    data = {"csrf": csrf_of(page), "username": "x2", "email": "x2@hymio.test", "role": "analyst"}
    assert hq.client.post("/admin/invites", data=data).status_code == 403
    assert hq.client.post("/admin/users/admin/deactivate", data=data).status_code == 403
    with hq.sessions() as s:
        assert s.get(User, "x1") is None and s.get(User, "x2") is None
        assert not s.get(User, "admin").deactivated_at


def test_the_api_twins_need_an_admin_token(hq, mailbox):
    with hq.sessions() as s:
        admin = add_api_token(s, "people-script", hq.clock.now, role="admin")
    body = {"username": "maija", "email": "maija@hymio.test", "role": "analyst", "language": "sv"}
    assert hq.client.post("/api/v1/users", json=body).status_code == 401
    analyst = hq.client.post("/api/v1/users", json=body, headers=hq.auth(hq.reader_token))
    assert analyst.status_code == 403
    log_in(hq)  # an admin's session is not an admin token
    assert hq.client.post("/api/v1/users", json=body).status_code == 403
    hq.client.cookies.clear()
    made = hq.client.post("/api/v1/users", json=body, headers=hq.auth(admin))
    assert made.status_code == 201, made.text
    assert made.json()["purpose"] == "invite" and len(mailbox.messages) == 1
    bad = hq.client.post(
        "/api/v1/users", json={**body, "username": "m2", "role": "boss"}, headers=hq.auth(admin)
    )
    assert bad.status_code == 400 and "role" in bad.json()["error"]["message"]
    twice = hq.client.post("/api/v1/users", json=body, headers=hq.auth(admin))
    assert twice.status_code == 400 and len(mailbox.messages) == 1
    again = hq.client.post("/api/v1/users/maija/invite", headers=hq.auth(admin))
    assert again.status_code == 200 and len(mailbox.messages) == 2
    first, second = (link_in(m) for m in mailbox.messages)
    assert set_password(hq, first).status_code == 400  # the fresh invite killed the old link
    assert set_password(hq, second).status_code == 200
    off = hq.client.post("/api/v1/users/maija/deactivate", headers=hq.auth(admin))
    assert off.status_code == 200 and off.json()["active"] is False
    assert not can_log_in(hq, "maija", NEW)
    nobody = hq.client.post("/api/v1/users/nobody/reset", headers=hq.auth(admin))
    assert nobody.status_code == 400 and "username" in nobody.json()["error"]["message"]
    on = hq.client.post("/api/v1/users/maija/reactivate", headers=hq.auth(admin))
    assert on.status_code == 200 and can_log_in(hq, "maija", NEW)
    paths = hq.client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/users", "/api/v1/users/{username}/deactivate"} <= paths.keys()


def test_without_hymio_hq_url_a_forgotten_password_mails_nothing(hq, mailbox, monkeypatch):
    with hq.sessions() as s:
        add_user(s, "anna", PASSWORD, hq.clock.now, email="anna@hymio.test")
    monkeypatch.delenv("HYMIO_HQ_URL")
    answer = _forgot(hq, "anna@hymio.test")
    assert answer.status_code == 200 and 'id="notice"' in answer.text
    assert mailbox.messages == []  # a request's Host header never becomes a mailed link
