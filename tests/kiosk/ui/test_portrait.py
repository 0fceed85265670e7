"""The portrait (720×1280, Touch Display 2) half of the window tests, in a process of its
own: SDL's offscreen window keeps the size it was made with (see conftest.SIZE)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kiosk.ui.conftest import LANDSCAPE

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("size", [LANDSCAPE], ids=["from-the-landscape-process"])
def test_the_portrait_tests_pass_in_a_portrait_window(size):
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/kiosk/ui"],
        cwd=ROOT, env={**os.environ, "HYMIO_UI_SIZE": "720x1280"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:]
    assert run.returncode == 0, run.stdout[-6000:]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    assert passed >= 8 and "failed" not in summary and "skipped" not in summary, summary
