"""Webhooks do not post into HQ's own network (issue 27, finding 9): a URL whose host is,
or resolves to, a loopback, link-local, private, unspecified, multicast or reserved
address, in any spelling, is refused when the channel is added and again at every
delivery, where the connection goes only to an address just checked (a name that turns
into 127.0.0.1 after it was added is refused too); a refused delivery is recorded on the
alert with the reason. ``HYMIO_WEBHOOK_ALLOW_NETWORKS`` lets them through. Every
address here is on 127.0.0.0/8 or never connected to. On SQLite and PostgreSQL."""

from __future__ import annotations

import ipaddress
import socket
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hq.alerts.manage import add_channel, add_rule
from hq.alerts.targets import ALLOW_VAR, TargetRefusedError, WebhookPolicy, literal
from hq.core.errors import InputError
from hq.server.worker import Worker
from hq.tables.alerts import AlertEvent, Channel, Delivery
from hymio.cli import main
from tests.hq.alert_fixtures import SECRET
from tests.hq.conftest import log_in

REFUSED = {  # URL: what the refusal says
    "http://127.0.0.1:9/hook": "127.0.0.1, a loopback address",
    "https://127.0.0.1/": "127.0.0.1, a loopback address",
    "http://localhost:9/": "localhost resolves to 127.0.0.1, a loopback address",
    "http://[::1]:9/": "::1, a loopback address",
    "http://[::ffff:127.0.0.1]/": "a loopback address",
    "http://[::ffff:a00:5]/": "a private address",
    "http://[64:ff9b::7f00:1]/": "a loopback address",
    "http://2130706433/": "127.0.0.1, a loopback address",
    "http://0177.0.0.1/": "127.0.0.1, a loopback address",
    "http://0x7f.1/": "127.0.0.1, a loopback address",
    "http://127.1/": "127.0.0.1, a loopback address",
    "http://10.0.0.5/": "10.0.0.5, a private address",
    "http://012.0.0.5/": "10.0.0.5, a private address",
    "http://172.16.0.1/": "a private address",
    "http://192.168.1.1/": "a private address",
    "http://169.254.169.254/latest/meta-data": "169.254.169.254, a link-local address",
    "http://[fe80::1%25eth0]/": "a link-local address",
    "http://0.0.0.0/": "0.0.0.0, an unspecified address",
    "http://0/": "0.0.0.0, an unspecified address",
    "http://[::]/": "an unspecified address",
    "http://224.0.0.1/": "a multicast address",
    "http://[ff02::1]/": "a multicast address",
    "http://240.0.0.1/": "a reserved address",
    "http://100.64.0.1/": "not a public address",
    "http://[fc00::1]/": "a private address",
    "http://user@127.0.0.1:9/": "a loopback address",
}


def count(hq) -> int:
    with hq.sessions() as s:
        return s.scalar(select(func.count()).select_from(Channel))


def test_a_webhook_into_hqs_own_network_is_refused_when_added(hq, monkeypatch):
    monkeypatch.delenv(ALLOW_VAR, raising=False)
    with hq.sessions() as s:
        for url, says in REFUSED.items():
            for kind in ("webhook", "slack", "teams"):
                with pytest.raises(TargetRefusedError, match="refused: ") as refused:
                    add_channel(s, "hook", kind, url, hq.clock.now, secret=SECRET)
                assert says in str(refused.value) and ALLOW_VAR in str(refused.value), url
        # a public address is taken (no connection is made when a channel is added)
        add_channel(s, "public", "webhook", "https://1.1.1.1/", hq.clock.now, secret=SECRET)
    assert count(hq) == 1


def test_the_command_line_refuses_it_too_and_the_setting_lets_it_through(
    hq, database_url, capsys, monkeypatch
):
    monkeypatch.delenv(ALLOW_VAR, raising=False)
    args = ["hq", "add-channel", "--database", database_url, "--name", "hook", "--kind",
            "webhook", "--to", "http://2130706433:9/hook", "--secret", SECRET]  # fmt: skip
    assert main(args) == 2
    assert "127.0.0.1, a loopback address" in capsys.readouterr().err and count(hq) == 0
    monkeypatch.setenv(ALLOW_VAR, "10.1.0.0/16, 127.0.0.1/32")
    assert main(args) == 0 and count(hq) == 1
    with hq.sessions() as s, pytest.raises(TargetRefusedError, match="10.2.0.1"):
        add_channel(s, "other", "webhook", "http://10.2.0.1/", hq.clock.now, secret=SECRET)
    monkeypatch.setenv(ALLOW_VAR, "10.1.0.0/16, not-a-network")
    with pytest.raises(InputError, match=f"{ALLOW_VAR}: 'not-a-network' is not a network"):
        WebhookPolicy.from_env()
    assert main(["hq", "worker", "--once", "--database", database_url]) == 2
    assert ALLOW_VAR in capsys.readouterr().err


class Names:
    """A resolver the test sets: each name's addresses, now; how often it was asked."""

    def __init__(self, **names: list[str]):
        self.names, self.asked = dict(names), 0
        self.later: dict[str, list[str]] = {}  # from the second question on

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked += 1
        if self.asked > 1 and host in self.later:
            return self.later[host]
        if host not in self.names:
            raise socket.gaierror(f"{host}: unknown in this test")
        return self.names[host]


def alerted(hq, webhook, names: Names, allowed: str):
    """A channel to hooks.example.test on *webhook*'s port, added while the name is
    allowed; a clock alert to it; a worker whose webhooks may reach *allowed* only."""
    nets = (ipaddress.ip_network("127.0.0.2/32"), ipaddress.ip_network(allowed))
    policy = WebhookPolicy(nets, names)
    port = webhook.url.split(":")[2].split("/")[0]
    with hq.sessions() as s:
        add_channel(s, "hook", "webhook", f"http://hooks.example.test:{port}/hook",
                    hq.clock.now, secret=SECRET, policy=policy)  # fmt: skip
        add_rule(s, "clocks", "clock_unsynced", "", {}, ["hook"], hq.clock.now)
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth())
    sending = WebhookPolicy((ipaddress.ip_network(allowed),), names)
    return Worker(hq.sessions, None, clock=hq.clock, lock=hq.app.state.write_lock,
                  webhooks=sending)  # fmt: skip


def refusal_on_the_alert(hq) -> str:
    with hq.sessions() as s:
        (d,) = s.scalars(select(Delivery)).all()
        assert d.failed and d.delivered_at is None and d.attempts == 1  # given up at once
        (event,) = s.scalars(select(AlertEvent).where(AlertEvent.kind == "delivery")).all()
    assert event.text.startswith("refused delivery to hook (try 1: refused: ")
    return event.text


def test_a_name_that_turns_into_loopback_after_it_was_added_is_refused_and_recorded(hq, webhook):
    names = Names(**{"hooks.example.test": ["127.0.0.2"]})  # "public" when added
    worker = alerted(hq, webhook, names, "127.0.0.2/32")
    names.names["hooks.example.test"] = ["127.0.0.2", "127.0.0.1"]  # rebound
    assert worker.run_once() == (1, 0)
    assert webhook.got == []
    text = refusal_on_the_alert(hq)
    assert "hooks.example.test resolves to 127.0.0.1, a loopback address" in text
    log_in(hq)
    page = hq.client.get("/alerts/1").text
    assert "refused delivery to hook" in page and "a loopback address" in page
    hq.clock.now += timedelta(hours=2)
    assert worker.deliver() == 0 and webhook.got == []  # not tried again


def test_the_connection_goes_only_to_an_address_just_checked(hq, webhook):
    names = Names(**{"hooks.example.test": ["127.0.0.2"]})
    names.later["hooks.example.test"] = ["127.0.0.1"]  # between the check and the connect
    worker = alerted(hq, webhook, names, "127.0.0.2/32")
    names.asked = 0  # the send's first question gets the allowed address, the next not
    assert worker.run_once() == (1, 0)
    assert webhook.got == [] and names.asked == 2
    assert "127.0.0.1, a loopback address" in refusal_on_the_alert(hq)


def test_an_allowed_name_is_posted_to_the_address_it_was_checked_at(hq, webhook):
    # hooks.example.test is known to no DNS: the post reaches the receiver only because
    # the connection goes to the address the policy resolved and checked
    names = Names(**{"hooks.example.test": ["127.0.0.1"]})
    worker = alerted(hq, webhook, names, "127.0.0.0/8")
    assert worker.run_once() == (1, 1)
    (got,) = webhook.accepted()
    assert got["headers"]["Host"].startswith("hooks.example.test:")


@pytest.mark.parametrize(
    ("spelled", "address"),
    [("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0177.1", "127.0.0.1"),
     ("127.0.1", "127.0.0.1"), ("::ffff:7f00:1", "::ffff:7f00:1"), ("fe80::1%eth0", "fe80::1"),
     ("hooks.example.test", None), ("1.2.3.4.5", None)],
)  # fmt: skip
def test_every_spelling_of_an_address_is_read_as_the_system_reads_it(spelled, address):
    found = literal(spelled)
    assert (str(found) if found else None) == address
