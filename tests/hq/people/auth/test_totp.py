"""The TOTP second factor (issue 29) through the pages, with pyotp as the user's
authenticator app: turned on from the account page, asked for at login (each code once, a
recovery code once, wrong codes throttled), required and reset by an admin. SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from sqlalchemy import select

from hq.people.admin import add_user
from hq.people.roles import remove_user
from hq.tables.people import LoginSession, RecoveryCode
from tests.hq.conftest import PASSWORD, csrf_of, log_in


def password_step(hq, username: str):
    hq.client.cookies.clear()
    data = {"username": username, "password": PASSWORD,
            "csrf": csrf_of(hq.client.get("/login").text)}  # fmt: skip
    return hq.client.post("/login", data=data, follow_redirects=False)


def code_step(hq, code: str, path: str = "/login/code"):
    form = hq.client.get("/login/code")
    return hq.client.post(path, data={"csrf": csrf_of(form.text), "code": code},
                          follow_redirects=False)  # fmt: skip


def code_of(secret: str, hq, later: int = 0) -> str:
    return pyotp.TOTP(secret).at(hq.clock.now + timedelta(seconds=later))


def turn_on(hq, username: str) -> tuple[str, list[str]]:
    """Turn the second factor on from the account page; its secret and recovery codes."""
    page = hq.client.get("/account").text
    started = hq.client.post("/account/totp/start", data={"csrf": csrf_of(page)})
    assert started.status_code == 200 and "<svg" in started.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', started.text).group(1)
    csrf = csrf_of(started.text)
    wrong = hq.client.post("/account/totp/confirm", data={"csrf": csrf, "code": "000000"})
    assert wrong.status_code == 400 and 'id="totp-secret"' in wrong.text
    done = hq.client.post("/account/totp/confirm", data={"csrf": csrf, "code": code_of(secret, hq)})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", done.text)
    assert len(codes) == 10
    return secret, codes


def sessions_of(hq, username: str) -> int:
    with hq.sessions() as s:
        rows = s.scalars(select(LoginSession).where(LoginSession.username == username))
        return len(rows.all())


def test_a_login_asks_for_the_code_each_code_works_once(hq):
    with hq.sessions() as s:
        add_user(s, "mia", PASSWORD, hq.clock.now, role="analyst")
    assert password_step(hq, "mia").status_code == 303
    secret, recovery = turn_on(hq, "mia")
    with hq.sessions() as s:  # only hashes of the recovery codes are kept
        assert recovery[0] not in s.scalars(select(RecoveryCode.code_hash)).all()
    before = sessions_of(hq, "mia")
    answer = password_step(hq, "mia")
    assert answer.headers["location"] == "/login/code"
    assert sessions_of(hq, "mia") == before  # no session from the password alone
    assert hq.client.get("/", follow_redirects=False).headers["location"] == "/login"
    wrong = f"{(int(code_of(secret, hq)) + 1) % 1_000_000:06d}"
    assert code_step(hq, wrong).status_code == 401
    hq.clock.now += timedelta(seconds=30)
    code = code_of(secret, hq)
    ok = code_step(hq, code)
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    assert hq.client.get("/").status_code == 200
    password_step(hq, "mia")
    assert code_step(hq, code).status_code == 401  # that step's code was taken
    assert code_step(hq, recovery[0]).status_code == 303
    password_step(hq, "mia")
    assert code_step(hq, recovery[0]).status_code == 401  # once
    hq.clock.now += timedelta(minutes=6)  # the password step's note is old now
    assert code_step(hq, code_of(secret, hq)).headers["location"] == "/login"


def test_wrong_codes_are_throttled_per_user(hq):
    with hq.sessions() as s:
        add_user(s, "mia", PASSWORD, hq.clock.now)
    password_step(hq, "mia")
    secret, _ = turn_on(hq, "mia")
    password_step(hq, "mia")
    answers = [code_step(hq, "999999").status_code for _ in range(5)]
    assert 429 not in answers
    hq.clock.now += timedelta(seconds=60)
    assert code_step(hq, code_of(secret, hq)).status_code == 429  # right, but not checked
    hq.clock.now += timedelta(minutes=15)
    password_step(hq, "mia")
    assert code_step(hq, code_of(secret, hq)).status_code == 303


def test_an_admin_requires_it_and_resets_it(hq):
    with hq.sessions() as s:
        add_user(s, "noah", PASSWORD, hq.clock.now, role="analyst")
    log_in(hq)
    page = hq.client.get("/admin").text
    answer = hq.client.post("/admin/users/noah/totp/require",
                            data={"csrf": csrf_of(page), "required": "yes"})  # fmt: skip
    assert answer.status_code == 200 and "noah" in answer.text
    assert password_step(hq, "noah").headers["location"] == "/login/code"
    setup = hq.client.get("/login/code")
    assert setup.status_code == 200 and "<svg" in setup.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup.text).group(1)
    assert code_step(hq, "000000", "/login/code/setup").status_code == 400
    done = code_step(hq, code_of(secret, hq), "/login/code/setup")
    assert done.status_code == 200 and 'id="recovery-codes"' in done.text
    assert hq.client.get("/").status_code == 200  # logged in
    data = {"csrf": csrf_of(hq.client.get("/account").text), "code": code_of(secret, hq, 30)}
    off = hq.client.post("/account/totp/off", data=data)
    assert off.status_code == 400  # required: it stays on
    log_in(hq)
    page = hq.client.get("/admin").text
    assert (
        hq.client.post("/admin/users/noah/totp/reset", data={"csrf": csrf_of(page)}).status_code
        == 200
    )
    assert password_step(hq, "noah").headers["location"] == "/login/code"
    again = hq.client.get("/login/code").text
    assert re.search(r'id="totp-secret">([A-Z2-7]+)<', again).group(1) != secret


def test_a_user_turns_it_off_with_a_code_and_others_cannot(hq):
    with hq.sessions() as s:
        add_user(s, "mia", PASSWORD, hq.clock.now, role="analyst")
    password_step(hq, "mia")
    secret, _ = turn_on(hq, "mia")
    page = hq.client.get("/account").text
    assert "data-on" in page
    hq.clock.now += timedelta(seconds=30)
    off = hq.client.post(
        "/account/totp/off", data={"csrf": csrf_of(page), "code": code_of(secret, hq)}
    )
    assert off.status_code == 200 and "data-on" not in off.text
    assert password_step(hq, "mia").headers["location"] == "/"
    page = hq.client.get("/").text  # an analyst cannot require or reset anyone's
    for path in ("/admin/users/admin/totp/require", "/admin/users/admin/totp/reset"):
        answer = hq.client.post(path, data={"csrf": csrf_of(page), "required": "yes"})
        assert answer.status_code == 403


def test_a_removed_users_second_factor_goes_with_them(hq):
    with hq.sessions() as s:
        add_user(s, "mia", PASSWORD, hq.clock.now, role="analyst")
    password_step(hq, "mia")
    turn_on(hq, "mia")
    with hq.sessions() as s:
        remove_user(s, "mia")
        add_user(s, "mia", PASSWORD, hq.clock.now, role="analyst")  # another person
        assert s.scalars(select(RecoveryCode)).all() == []
    assert password_step(hq, "mia").headers["location"] == "/"
