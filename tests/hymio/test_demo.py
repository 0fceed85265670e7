"""``hymio demo --headless``: the real kiosk app offscreen, simulated shoppers, the real
sync process and a real HQ on 127.0.0.1; what the kiosk stored must be what HQ received."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# make test: 120 shoppers (a shopper takes about 0.9 s: the thank-you screen); make soak: 300
PRESSES = int(os.environ.get("HYMIO_DEMO_PRESSES", "120"))


@pytest.mark.slow
def test_simulated_shoppers_all_reach_hq(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "hymio", "demo", "--headless", "--presses", str(PRESSES), "--json",
         "--folder", str(tmp_path / "demo"), "--seed", "7"],
        capture_output=True, text=True, timeout=900,
        env={**os.environ, "SDL_VIDEODRIVER": "offscreen"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    for key in ("presses", "stored", "counted", "received"):
        assert type(report[key]) is int, key
    assert report["presses"] == PRESSES
    assert report["stored"] == report["received"] == PRESSES  # every press stored, all at HQ
    assert report["counted"] == report["stored"] - sum(report["flagged"].values())
    assert report["flagged"].get("repeat", 0) > 0  # some shoppers pressed twice
    assert report["reasons"] > 0  # some answered the follow-up question
    assert min(report["sources"]["button"], report["sources"]["touch"]) > PRESSES / 6
    assert report["pending"] == 0


def test_bad_presses_is_a_usage_error():
    done = subprocess.run(
        [sys.executable, "-m", "hymio", "demo", "--headless", "--presses", "0"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2 and "at least 1" in done.stderr
