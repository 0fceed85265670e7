"""systemd's notify protocol (kiosk.notify), and sync's READY and watchdog pings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from kiosk.notify import READY, WATCHDOG, notify, watchdog_period
from tests.notify_socket import FakeSystemd


@pytest.fixture
def systemd(tmp_path):
    fake = FakeSystemd(tmp_path)
    yield fake
    fake.close()


def test_notify_sends_one_datagram_to_the_socket(systemd):
    assert notify(READY, systemd.env()) is True
    assert systemd.messages(0.2) == ["READY=1"]


def test_notify_reaches_an_abstract_socket():
    name = f"hymio-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        assert notify(WATCHDOG, {"NOTIFY_SOCKET": "@" + name})
        assert sock.recv(100) == b"WATCHDOG=1"


def test_outside_systemd_notify_does_nothing(tmp_path):
    assert notify(READY, {}) is False
    assert notify(READY, {"NOTIFY_SOCKET": str(tmp_path / "gone.sock")}) is False


@pytest.mark.parametrize(
    ("env", "period"),
    [
        ({}, None),
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "nonsense"}, None),
        ({"WATCHDOG_USEC": "30000000"}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),  # for another process
    ],
)
def test_the_watchdog_period_is_half_of_systemds_limit(env, period):
    assert watchdog_period(env) == period


def test_sync_says_ready_then_pings_from_its_scheduler_and_stops_on_sigterm(tmp_path, systemd):
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[device]\nid = "k1"\nstore_id = "s1"\n[storage]\npath = "r.db"\n'
        '[hq]\nurl = "http://127.0.0.1:9"\ntoken = "t"\n',  # nobody listens: sync backs off
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "hymio", "sync", "--config", str(config)],
        env={**os.environ, **systemd.env(watchdog=0.4)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        systemd.wait_for(READY, 30)
        pings = systemd.messages(1.5)
        assert pings.count(WATCHDOG) >= 4, pings  # every 0.2 s, though HQ is unreachable
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert systemd.messages(0.5).count(WATCHDOG) <= 1  # stopped pinging when it stopped
