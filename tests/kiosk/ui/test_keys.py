"""No key leaves or reconfigures the kiosk: the real ``App.run()``, in a process of its own
(Kivy has one window per process, and the other UI tests build apps without ``run()``, so
they never see the bindings it adds, such as F1's settings panel)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_no_key_and_no_close_request_leaves_or_reconfigures_the_kiosk(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[device]\nid = "k1"\n[storage]\npath = "r.db"\n[behaviour]\nrepeat_window = 0\n'
    )
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.kiosk.ui.keyprobe", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("KEYS "):
                break
        found = [x for x in lines if x.startswith("KEYS ")]
        assert found, "".join(lines[-40:])
        seen = json.loads(found[0][5:])
        assert proc.poll() is None, "the kiosk stopped on a key"
        # Ctrl+C in a terminal is SIGINT: a clean stop, as systemd's SIGTERM is.
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    before, after = seen["before"], seen["after"]
    assert before["screen"] == "question"
    assert after["running"] and after["window"]
    assert after["screen"] == "question"
    assert before["changed"] == [], "these keys put something over the kiosk"
    assert after["children"] == before["children"]
    assert not after["settings_made"]  # no settings panel was even built
    assert after["pngs"] == []  # no screenshot module (F12) either
    assert seen["ratings"] == [[1, "button"]]  # --simulate's key 1 still presses face 1
    assert proc.returncode == 0, "".join(lines[-20:]) + rest
    assert "Traceback" not in "".join(lines) + rest
