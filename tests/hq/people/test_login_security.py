"""The dashboard login under attack: spraying, locking the owner out, timing, the log,
several HQ processes, sessions that end when they are ended, and hostile form input."""

from __future__ import annotations

import logging
import statistics
import time
from datetime import timedelta

import pytest
import requests
from fastapi.testclient import TestClient

from hq.people.admin import add_user, end_sessions, set_password
from hq.people.login import PER_ADDRESS, PER_USERNAME, WINDOW
from hq.people.sessions import IDLE, LIFETIME
from hq.server.app import create_app
from hymio.cli import main as hymio
from tests.hq.conftest import PASSWORD, csrf_of

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
LOGIN_LOG = "hq.people.login"


class Visitor:
    """A browser at *address*: it fetches the login form, then sends it."""

    def __init__(self, app, address: str):
        self.client = TestClient(app, client=(address, 40000))
        self.csrf = csrf_of(self.client.get("/login").text)

    def log_in(self, username: str = "admin", password: str = PASSWORD):
        data = {"username": username, "password": password, "csrf": self.csrf}
        answer = self.client.post("/login", data=data, follow_redirects=False)
        if answer.status_code == 303:
            self.csrf = csrf_of(self.client.get("/").text)
        return answer

    def log_out(self):
        return self.client.post("/logout", data={"csrf": self.csrf}, follow_redirects=False)

    def sees_fleet(self) -> bool:
        return self.client.get("/fleet", follow_redirects=False).status_code == 200


def test_spraying_many_usernames_from_one_address_is_throttled_by_address(hq):
    sprayer = Visitor(hq.app, ATTACKER)
    for i in range(PER_ADDRESS):
        assert sprayer.log_in(f"user{i}", "Winter2026!").status_code == 401
    refused = sprayer.log_in("user-next", "Winter2026!")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= WINDOW.total_seconds()
    assert "Too many failed logins" in refused.text
    # Not even the right password gets in from there: the refusal is no oracle.
    assert sprayer.log_in("admin", PASSWORD).status_code == 429
    assert Visitor(hq.app, OWNER).log_in().status_code == 303
    # The limit is a window, not a ban: once the failures are old, the address may try again.
    hq.clock.now += WINDOW
    assert sprayer.log_in("admin", PASSWORD).status_code == 303


def test_an_attacker_failing_over_and_over_cannot_lock_the_owner_out(hq):
    attacker = Visitor(hq.app, ATTACKER)
    answers = [attacker.log_in("admin", f"guess {i}").status_code for i in range(40)]
    assert answers == [401] * PER_USERNAME + [429] * (40 - PER_USERNAME)
    assert attacker.log_in("admin", PASSWORD).status_code == 429
    # Hammering on does not prolong it: refused tries are not counted.
    hq.clock.now += WINDOW
    assert attacker.log_in("admin", "one more guess").status_code == 401
    owner = Visitor(hq.app, OWNER)
    assert owner.log_in("admin", "a typo").status_code == 401
    started = time.monotonic()
    assert owner.log_in().status_code == 303
    assert time.monotonic() - started < 5  # at once, not after a delay
    assert owner.sees_fleet()


def test_successful_logins_do_not_use_up_the_budget(hq):
    owner = Visitor(hq.app, OWNER)
    for _ in range(PER_ADDRESS + 5):
        assert owner.log_in().status_code == 303
    # Getting in forgets one's own earlier typing mistakes (for this username, from here).
    for _ in range(2):
        for _ in range(PER_USERNAME - 1):
            assert owner.log_in("admin", "typo").status_code == 401
        assert owner.log_in().status_code == 303


def _failed_login_time(hq, username: str, address: str) -> float:
    visitor = Visitor(hq.app, address)
    started = time.perf_counter()
    assert visitor.log_in(username, "not the password").status_code == 401
    return time.perf_counter() - started


def test_known_and_unknown_usernames_take_the_same_time(hq):
    _failed_login_time(hq, "warm-up", "192.0.2.250")  # the dummy hash is made once
    known, unknown = [], []
    for i in range(10):  # interleaved, in turns, so that a busy moment hits both alike
        pair = [("admin", known), ("nobody", unknown)]
        for username, times in pair if i % 2 else reversed(pair):
            times.append(_failed_login_time(hq, username, f"192.0.2.{len(known) + len(unknown)}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    print(f"median failed login: known {statistics.median(known) * 1000:.1f} ms,"
          f" unknown {statistics.median(unknown) * 1000:.1f} ms, ratio {ratio:.2f}")  # fmt: skip
    assert 0.5 < ratio < 2, "argon2 must run for unknown usernames too"


def test_each_failure_and_each_lockout_is_one_log_line(hq, caplog):
    caplog.set_level(logging.WARNING, logger=LOGIN_LOG)
    attacker = Visitor(hq.app, ATTACKER)
    forged = "admin\nINFO login ok: user 'admin'"
    assert attacker.log_in(forged, "x").status_code == 401
    [line] = [r.getMessage() for r in caplog.records if r.name == LOGIN_LOG]
    assert line == f"failed login: username {forged!r} from {ATTACKER!r}"
    assert "\n" not in line
    caplog.clear()
    for _ in range(PER_USERNAME):
        attacker.log_in("admin", "guess")
    lines = [r.getMessage() for r in caplog.records if r.name == LOGIN_LOG]
    assert len(lines) == PER_USERNAME + 1
    assert all(line.startswith("failed login: username 'admin'") for line in lines[:-1])
    assert lines[-1].startswith("login locked:") and repr(ATTACKER) in lines[-1]
    assert "'admin'" in lines[-1]
    caplog.clear()
    assert attacker.log_in("admin", PASSWORD).status_code == 429
    [refusal] = [r for r in caplog.records if r.name == LOGIN_LOG]
    assert refusal.levelno == logging.WARNING
    assert refusal.getMessage().startswith("login refused without checking: username 'admin'")
    assert repr(ATTACKER) in refusal.getMessage()
    caplog.clear()
    assert Visitor(hq.app, OWNER).log_in().status_code == 303
    assert [r for r in caplog.records if r.name == LOGIN_LOG] == []


def test_the_limits_hold_across_hq_processes_on_one_database(hq, database_url):
    other = create_app(database_url, clock=hq.clock)
    try:
        here, there = Visitor(hq.app, ATTACKER), Visitor(other, ATTACKER)
        for i in range(PER_USERNAME):
            assert (here if i % 2 else there).log_in("admin", "guess").status_code == 401
        assert here.log_in("admin", "guess").status_code == 429
        assert there.log_in("admin", "guess").status_code == 429
        assert Visitor(other, OWNER).log_in().status_code == 303
    finally:
        other.state.engine.dispose()


def test_a_forged_forwarded_for_header_gives_a_sprayer_no_new_address(hq):
    sprayer = Visitor(hq.app, ATTACKER)
    for i in range(PER_ADDRESS + 1):
        sprayer.client.headers["X-Forwarded-For"] = f"192.0.2.{i}"
        answer = sprayer.log_in(f"user{i}", "Winter2026!")
    assert answer.status_code == 429


def test_an_ipv6_client_counts_as_its_64_network(hq):
    for i in range(PER_USERNAME):
        assert Visitor(hq.app, f"2001:db8:1:2::{i + 1}").log_in("admin", "x").status_code == 401
    assert Visitor(hq.app, "2001:db8:1:2::ffff").log_in().status_code == 429
    assert Visitor(hq.app, "2001:db8:1:3::1").log_in().status_code == 303


# --- sessions that end ----------------------------------------------------------------------


@pytest.fixture
def cli_logging():
    """``hymio``'s main() puts its own handler on the root logger (on the stderr of the
    moment, which capsys closes); the tests after it get pytest's back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _log_in_over_http(url: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    csrf = csrf_of(browser.get(f"{url}/login", timeout=10).text)
    data = {"username": "admin", "password": PASSWORD, "csrf": csrf}
    answer = browser.post(f"{url}/login", data=data, allow_redirects=False, timeout=10)
    assert answer.status_code == 303
    return browser, browser.cookies["hymio_session"]


def _replay(url: str, cookie: str) -> tuple[requests.Response, requests.Response]:
    jar = {"hymio_session": cookie}
    fleet = requests.get(f"{url}/fleet", cookies=jar, allow_redirects=False, timeout=10)
    export = requests.get(f"{url}/api/v1/export.csv", cookies=jar, timeout=10)
    return fleet, export


def _assert_logged_out(url: str, cookie: str) -> None:
    fleet, export = _replay(url, cookie)
    assert fleet.status_code == 303 and fleet.headers["location"] == "/login"
    assert export.status_code == 401
    assert export.json()["error"]["code"] == "login_required"


def test_a_copied_cookie_is_worth_nothing_after_logout(live_hq):
    _, url = live_hq
    browser, cookie = _log_in_over_http(url)
    fleet, export = _replay(url, cookie)
    assert fleet.status_code == 200 and export.status_code == 200
    assert export.text.startswith("rating_id,")
    csrf = csrf_of(browser.get(f"{url}/fleet", timeout=10).text)
    assert browser.post(f"{url}/logout", data={"csrf": csrf}, timeout=10).status_code == 200
    _assert_logged_out(url, cookie)


def test_a_new_password_ends_every_session_of_that_user(live_hq):
    hq, url = live_hq
    with hq.sessions() as s:
        add_user(s, "bea", "another long password", hq.clock.now)
    _, first = _log_in_over_http(url)
    _, second = _log_in_over_http(url)
    with hq.sessions() as s:
        assert set_password(s, "admin", "a brand new password") == 2
    _assert_logged_out(url, first)
    _assert_logged_out(url, second)
    owner = Visitor(hq.app, OWNER)
    assert owner.log_in("admin", PASSWORD).status_code == 401
    assert owner.log_in("admin", "a brand new password").status_code == 303
    with hq.sessions() as s:
        assert end_sessions(s, "bea") == 0


def test_the_admin_command_ends_every_session_of_that_user(
    live_hq, database_url, capsys, cli_logging
):
    _, url = live_hq
    _, cookie = _log_in_over_http(url)
    assert _replay(url, cookie)[0].status_code == 200
    assert hymio(["hq", "end-sessions", "--database", database_url, "--username", "admin"]) == 0
    assert "1 session(s) of admin ended" in capsys.readouterr().out
    _assert_logged_out(url, cookie)
    assert hymio(["hq", "end-sessions", "--database", database_url, "--username", "nobody"]) == 1
    assert "no user 'nobody'" in capsys.readouterr().err


def test_set_password_from_the_command_line(hq, database_url, monkeypatch, capsys, cli_logging):
    owner = Visitor(hq.app, OWNER)
    assert owner.log_in().status_code == 303
    monkeypatch.setenv("HYMIO_HQ_PASSWORD", "short")
    args = ["hq", "set-password", "--database", database_url, "--username", "admin"]
    assert hymio(args) == 1
    assert "too short" in capsys.readouterr().err
    assert owner.sees_fleet()  # a refused change ends nothing
    monkeypatch.setenv("HYMIO_HQ_PASSWORD", "the next long password")
    assert hymio(args) == 0
    assert "1 session(s) ended" in capsys.readouterr().out
    assert not owner.sees_fleet()
    assert owner.log_in("admin", "the next long password").status_code == 303


def test_a_session_ends_after_its_lifetime_and_after_being_left_idle(hq):
    owner = Visitor(hq.app, OWNER)
    assert owner.log_in().status_code == 303
    logged_in_at, step = hq.clock.now, IDLE - timedelta(minutes=1)
    while hq.clock.now + step < logged_in_at + LIFETIME:
        hq.clock.now += step
        assert owner.sees_fleet()  # a page now and then keeps it going
    hq.clock.now = logged_in_at + LIFETIME
    assert not owner.sees_fleet()  # but not past its lifetime
    assert owner.log_in().status_code == 303
    hq.clock.now += IDLE
    assert not owner.sees_fleet()


def test_logout_without_the_csrf_token_ends_nothing(hq):
    owner = Visitor(hq.app, OWNER)
    assert owner.log_in().status_code == 303
    owner.client.post("/logout", data={"csrf": "forged"})
    assert owner.sees_fleet()
    assert owner.log_out().status_code == 303
    assert not owner.sees_fleet()


# --- hostile form input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        {"username": "ad\x00min"},
        {"username": "\x00"},
        {"password": "correct horse\x00battery"},
        {"username": "admin\x00", "password": PASSWORD},
        {"csrf": "\x00"},
        {"csrf": "é" * 10},
    ],
)
def test_nul_and_odd_characters_in_the_login_form_are_refused_not_a_500(hq, field):
    visitor = Visitor(hq.app, OWNER)
    data = {"username": "admin", "password": "wrong", "csrf": visitor.csrf, **field}
    answer = visitor.client.post("/login", data=data, follow_redirects=False)
    assert answer.status_code in (401, 403, 422), answer.text
    assert not visitor.sees_fleet()
    assert visitor.log_in().status_code == 303  # and the form still works after it


def test_undecodable_bytes_in_the_login_form_are_refused_not_a_500(hq):
    visitor = Visitor(hq.app, OWNER)
    body = f"username=%FF%00%FEadmin&password=%C3%28&csrf={visitor.csrf}".encode()
    headers = {"content-type": "application/x-www-form-urlencoded"}
    answer = visitor.client.post("/login", content=body, headers=headers)
    assert answer.status_code in (401, 422), answer.text
    visitor.client.post("/logout", content=b"csrf=%FF%FE", headers=headers)
    assert visitor.log_in().status_code == 303
