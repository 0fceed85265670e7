"""What the whole-chain flow tests share (issue 29): the texts an admin writes, the days
that keep the test's store open now and its holiday ahead, a kiosk's settings file as
the installer leaves it, and the real kiosk in a process of its own (:mod:`kiosk_probe`)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.settings.load import EXAMPLE

REPO = Path(__file__).resolve().parents[2]
HELSINKI = ZoneInfo("Europe/Helsinki")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PROMPT = {"fi": "Mikä jäi mieleen?", "sv": "Vad stack ut?", "en": "What stood out?"}
GIFTS = {"fi": "Lahjat", "sv": "Gåvor", "en": "Gifts"}
THANKS = {"fi": "Kiitos, hyvää joulua!", "sv": "Tack, god jul!", "en": "Thanks, merry Christmas!"}
CAMPAIGN = {"fi": "Löysitkö lahjan?", "sv": "Hittade du en gåva?", "en": "Did you find a gift?"}


def today() -> date:
    """Today in Helsinki, where the test's store is."""
    return datetime.now(UTC).astimezone(HELSINKI).date()


def opening_hours() -> dict[str, str]:
    """Hours that keep the store open all of today (the real kiosk runs on the real clock),
    shorter on the other days, and closed on the day after tomorrow's weekday."""
    hours = dict.fromkeys(WEEKDAYS, "08:00-21:00")
    hours[WEEKDAYS[(today().weekday() + 2) % 7]] = "closed"
    hours[WEEKDAYS[today().weekday()]] = "00:00-24:00"
    return hours


def holiday() -> date:
    """A holiday ten days ahead: never today."""
    return today() + timedelta(days=10)


def next_week() -> tuple[date, date]:
    """Next week's Monday and Sunday (the campaign's days)."""
    monday = today() + timedelta(days=7 - today().weekday())
    return monday, monday + timedelta(days=6)


def kiosk_settings(folder: Path, name: str) -> tuple[Path, Path]:
    """A kiosk's settings file as the installer leaves it (HQ's lines commented out) with a
    quick thank-you and no repeat window, so a test's presses follow each other."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for key in ("url", "token"):
        text = text.replace(f"\n{key} = ", f"\n# {key} = ", 1)
    db = folder / f"{name}.db"
    text = text.replace('path = "/var/lib/hymio/ratings.db"', f'path = "{db}"')
    text = text.replace("repeat_window = 6.0", "repeat_window = 0").replace(
        "thank_you = 3.0", "thank_you = 0.6"
    )
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path, db


class Kiosk:
    """The real kiosk (``App.run()``, offscreen window, mock pins) in a process of its own,
    driven by :mod:`tests.e2e.kiosk_probe`; each action waits for its answer."""

    def __init__(self, settings: Path, folder: Path):
        env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "PYTHONPATH": str(REPO)}
        self.log = folder / "kiosk.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.kiosk_probe", str(settings)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log.open("w"),
            text=True, env=env, cwd=folder,
        )  # fmt: skip
        self.answers: queue.Queue[dict] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        ready = self._answer(120)  # Kivy's first start in a process takes a while
        assert ready.get("ready"), ready

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("PROBE "):
                self.answers.put(json.loads(line[6:]))

    def _answer(self, timeout: float = 30) -> dict:
        try:
            got = self.answers.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer: {self.log.read_text()[-3000:]}") from None
        assert "error" not in got, got
        return got

    def do(self, line: str, timeout: float = 30) -> dict:
        assert self.proc.poll() is None, f"the kiosk stopped: {self.log.read_text()[-3000:]}"
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self._answer(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ink(shot: Path, box: list[int], dark: int = 90) -> int:
    """Dark pixels in the upper half of a reason's *box* (x, top, width, height), where
    its pictogram is drawn."""
    from PIL import Image

    x, top, width, height = box
    image = Image.open(shot).convert("L")
    crop = image.crop(
        (int(x + width * 0.3), top + 4, int(x + width * 0.7), int(top + height * 0.45))
    )
    return sum(1 for p in crop.getdata() if p < dark)


def band(shot: Path, share: float = 0.22) -> bytes:
    """The top *share* of a screenshot (the follow-up's title), as grey pixels."""
    from PIL import Image

    image = Image.open(shot).convert("L")
    return image.crop((0, 0, image.width, int(image.height * share))).tobytes()
