"""Who the client is (issue 27: the login and enrolment throttles took X-Forwarded-For from
127.0.0.1, so a client there rotating the header escaped both). A forwarded header from a
peer that is not a named proxy changes nothing; from a named proxy, the client it names
is the one counted. In the app, and in a real ``hymio hq serve``."""

from __future__ import annotations

import pytest
import requests
from fastapi.testclient import TestClient

from hq.core.client_address import ForwardedSettingError, trusted_proxies
from hq.fleet.enrolment import FAILURES
from hq.people.login import PER_USERNAME
from tests.hq.conftest import csrf_of, make_hq, seeded_sqlite
from tests.hq.served import hymio, served

PROXY = "10.0.0.5"


class Browser:
    """A browser whose requests come from the peer *peer*, through the test client."""

    def __init__(self, app, peer: str):
        self.client = TestClient(app, client=(peer, 40000))
        self.csrf = csrf_of(self.client.get("/login").text)

    def log_in(self, forwarded: str | None = None) -> int:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        data = {"username": "admin", "password": "guess", "csrf": self.csrf}
        return self.client.post("/login", data=data, headers=headers).status_code

    def enrol(self, forwarded: str | None = None) -> int:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        body = {"code": "WRONG-CODE", "device_id": "k9"}
        return self.client.post("/api/v1/enrol", json=body, headers=headers).status_code


@pytest.fixture
def behind_proxy(database_url):
    hq = make_hq(database_url, forwarded_allow_ips=f"{PROXY},::1")
    yield hq
    hq.client.close()
    hq.app.state.engine.dispose()


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "198.51.100.7"])
def test_a_forwarded_header_from_a_peer_that_is_no_named_proxy_changes_nothing(hq, peer):
    browser = Browser(hq.app, peer)
    tries = [browser.log_in(f"192.0.2.{i}") for i in range(PER_USERNAME + 1)]
    assert tries == [401] * PER_USERNAME + [429]
    enrols = [browser.enrol(f"192.0.2.{i}") for i in range(FAILURES + 1)]
    assert enrols == [403] * FAILURES + [429]


def test_from_a_named_proxy_the_forwarded_client_is_the_one_counted(behind_proxy):
    proxy = Browser(behind_proxy.app, PROXY)
    # Each forwarded client has its own budget...
    assert [proxy.log_in(f"192.0.2.{i}") for i in range(PER_USERNAME + 1)] == [401] * (
        PER_USERNAME + 1
    )
    # ...and one client is throttled however the proxy's connection changes.
    tries = [proxy.log_in("198.51.100.9") for _ in range(PER_USERNAME + 1)]
    assert tries == [401] * PER_USERNAME + [429]
    # The nearest untrusted address counts: what the client put in front is ignored.
    assert proxy.log_in("203.0.113.1, 198.51.100.9") == 429
    assert proxy.enrol("198.51.100.9") == 403
    # A peer that is not the proxy gets nothing from the header.
    other = Browser(behind_proxy.app, "10.0.0.6")
    assert [other.log_in(f"192.0.2.{i}") for i in range(PER_USERNAME + 1)][-1] == 429


def test_the_setting_names_addresses_and_networks_only():
    assert trusted_proxies("") == []
    assert trusted_proxies(" 127.0.0.1, ::1 ,10.0.0.0/8") == ["127.0.0.1", "::1", "10.0.0.0/8"]
    assert trusted_proxies("*") == ["*"]
    with pytest.raises(ForwardedSettingError, match="'proxy.example.com' is not an IP"):
        trusted_proxies("127.0.0.1,proxy.example.com")


def _login_statuses(base: str, forwarded: list[str]) -> list[int]:
    session = requests.Session()
    csrf = csrf_of(session.get(f"{base}/login", timeout=10).text)
    found = []
    for address in forwarded:
        answer = session.post(
            f"{base}/login",
            data={"username": "admin", "password": "guess", "csrf": csrf},
            headers={"X-Forwarded-For": address},
            timeout=30,
        )
        found.append(answer.status_code)
    return found


@pytest.mark.slow
def test_hymio_hq_serve_trusts_no_proxy_unless_told(tmp_path, monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    url, _ = seeded_sqlite(tmp_path)
    rotating = [f"192.0.2.{i}" for i in range(PER_USERNAME + 1)]
    with served(url, tmp_path / "plain.log") as base:
        assert _login_statuses(base, rotating) == [401] * PER_USERNAME + [429]
    log = tmp_path / "proxied.log"
    with served(url, log, "--forwarded-allow-ips", "127.0.0.1,::1") as base:
        assert _login_statuses(base, rotating) == [401] * (PER_USERNAME + 1)
    assert "from '192.0.2.3'" in log.read_text()


def test_hymio_hq_serve_refuses_a_setting_that_is_not_an_address(tmp_path):
    url, _ = seeded_sqlite(tmp_path)
    run = hymio("hq", "serve", "--database", url, "--forwarded-allow-ips", "my-proxy")
    assert run.returncode == 2
    assert "'my-proxy' is not an IP address or network" in run.stderr
    assert "Traceback" not in run.stderr
