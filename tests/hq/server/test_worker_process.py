"""``hymio hq worker`` as it runs in production: its own process beside ``hymio hq serve``
on one database, mail set by the environment, set up with the command line. A kiosk's
heartbeat at 81 °C through the real server becomes an e-mail at a real SMTP server and a
signed webhook; SIGTERM stops the worker cleanly; the alert lists with ``hymio hq alerts``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import requests

from tests.hq.alert_fixtures import SECRET, verified
from tests.hq.conftest import free_port, seeded_sqlite, wait_until_up


def hymio(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hymio", *args], capture_output=True, text=True, env=env,
        timeout=60, check=False,
    )  # fmt: skip


def test_the_worker_process_turns_a_hot_kiosk_into_a_mail_and_a_webhook(tmp_path, smtp, webhook):
    inbox, mail = smtp
    url, token = seeded_sqlite(tmp_path)
    db = ["--database", url]
    made = hymio("hq", "add-channel", *db, "--name", "ops", "--kind", "email",
                 "--to", "ops@hymio.test")  # fmt: skip
    assert made.returncode == 0, made.stderr
    made = hymio("hq", "add-channel", *db, "--name", "hook", "--kind", "webhook",
                 "--to", webhook.url, "--secret", SECRET)  # fmt: skip
    assert made.returncode == 0, made.stderr
    bad = hymio("hq", "add-alert-rule", *db, "--name", "x", "--kind", "high_temperature",
                "--param", "celsius=hot")  # fmt: skip
    assert bad.returncode != 0 and "not a number" in bad.stderr
    made = hymio("hq", "add-alert-rule", *db, "--name", "Hot kiosk", "--kind",
                 "high_temperature", "--param", "celsius=75", "--channel", "ops",
                 "--channel", "hook")  # fmt: skip
    assert made.returncode == 0, made.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HYMIO_SMTP_HOST": "127.0.0.1", "HYMIO_SMTP_PORT": str(mail.port),
           "HYMIO_SMTP_SECURITY": "none", "HYMIO_SMTP_FROM": "hq@hymio.test",
           "HYMIO_HQ_URL": base, "NO_PROXY": "127.0.0.1"}  # fmt: skip
    serve = subprocess.Popen([sys.executable, "-m", "hymio", "hq", "serve", *db, "--port",
                              str(port)], env=env)  # fmt: skip
    worker = None
    try:
        wait_until_up(base, serve)
        hot = {"cpu_temperature": 81.0}
        headers = {"Authorization": f"Bearer {token}"}
        answer = requests.post(f"{base}/api/v1/heartbeat", json=hot, headers=headers, timeout=10)
        assert answer.status_code == 200
        # started after the heartbeat, so its first round (a second after start) finds it
        worker = subprocess.Popen([sys.executable, "-m", "hymio", "hq", "worker", *db],
                                  env=env, stdout=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 90  # then every minute
        while not (inbox.messages and webhook.accepted()) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(inbox.messages) == 1, "no alert mail from hymio hq worker"
        assert "81 °C" in inbox.messages[0]["Subject"]
        assert f"{base}/alerts/1" in inbox.messages[0].get_body().get_content()
        assert len(webhook.accepted()) == 1 and verified(webhook.accepted()[0])
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0
    finally:
        for proc in (worker, serve):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
    listed = hymio("hq", "alerts", *db)
    assert listed.returncode == 0
    (alert,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert alert["state"] == "open" and alert["device_id"] == "k1"
