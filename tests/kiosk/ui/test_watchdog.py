"""systemd's watchdog sees the kiosk's main loop: READY=1 once, then WATCHDOG=1 pings that
stop while the loop is blocked (systemd would restart a hung UI) and resume after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from kiosk.notify import READY, STOPPING, WATCHDOG
from tests.notify_socket import FakeSystemd


def test_pings_come_from_the_main_loop_and_stop_when_it_is_blocked(kiosk_ui, tmp_path, monkeypatch):
    systemd = FakeSystemd(tmp_path)
    try:
        for key, value in systemd.env(watchdog=0.2).items():  # a ping every 0.1 s
            monkeypatch.setenv(key, value)
        k = kiosk_ui()
        assert systemd.messages(0.1)[:1] == [READY]
        k.wait(1.0)  # the loop runs
        running = systemd.messages(0.05)
        assert running.count(WATCHDOG) >= 5, running
        time.sleep(1.0)  # the loop is blocked: a press handler stuck, say
        assert systemd.messages(0.05) == []
        k.wait(0.5)  # the loop runs again
        assert systemd.messages(0.05).count(WATCHDOG) >= 2
        k.app.conductor.stop()
        assert STOPPING in systemd.messages(0.1)
        k.wait(0.5)
        assert WATCHDOG not in systemd.messages(0.05)
    finally:
        systemd.close()


def test_hymio_kiosk_says_ready_pings_and_says_stopping_on_sigterm(tmp_path):
    systemd = FakeSystemd(tmp_path)
    (tmp_path / "kiosk.toml").write_text('[device]\nid = "k1"\n[storage]\npath = "r.db"\n')
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", **systemd.env(watchdog=0.5)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hymio", "kiosk", "--config", str(tmp_path / "kiosk.toml"),
         "--simulate"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        systemd.wait_for(READY, 60)
        assert systemd.messages(1.5).count(WATCHDOG) >= 3
        proc.send_signal(signal.SIGTERM)
        assert STOPPING in systemd.wait_for(STOPPING, 10)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        systemd.close()
    assert proc.returncode in (0, -signal.SIGTERM)
