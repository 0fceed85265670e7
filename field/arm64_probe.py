"""The kiosk's own check in the arm64 root, run by the installed Python (/opt/hymio/venv).

    python arm64_probe.py CONFIG OUT_DIR

The kiosk as ``hymio kiosk --simulate`` runs it, but offscreen (SDL2's offscreen driver,
Mesa): the question screen drawn and saved as OUT_DIR/question.png, one press of the
happiest face's button through gpiozero's MockFactory, and the app stopped once that
rating is in the store. OUT_DIR/probe.json says where the faces are and what was stored.
Only the standard library and what the wheel installs: it runs inside the chroot.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import time
from pathlib import Path

TIMEOUT = 240  # seconds for the whole app run (qemu-user is slow)


def main(config: str, out_dir: str) -> int:
    import gpiozero.pins.lgpio  # noqa: F401  the Pi's pin factory and lgpio's library load
    import lgpio  # noqa: F401

    from hymio import logs
    from hymio.run_kiosk import run
    from kiosk.settings.load import load_settings

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    logs.setup(logging.INFO)  # Kivy's log (its GL renderer, a missing library) on stdout
    settings = load_settings(config)
    db = Path(settings.storage.path)
    before = count(db)
    result: dict = {"rows_before": before, "started": time.monotonic()}

    def attach(app, factory) -> None:
        from kivy.clock import Clock
        from kivy.core.window import Window

        def laid_out(_dt):
            # under qemu-user the first frames take seconds: wait for the faces' layout
            # and a few frames drawn after it, then shoot
            faces = app.screens["question"].buttons
            if not faces or list(faces[0].size) == [100, 100]:
                return not late()
            if "frame" not in result:
                result["frame"] = Clock.frames_displayed
            if Clock.frames_displayed < result["frame"] + 5 and not late():
                return True
            shoot()
            return False

        def shoot() -> None:
            result["screen"] = app.conductor.manager.current
            result["window"] = list(Window.size)
            faces = app.screens["question"].buttons
            result["faces"] = [
                [*(round(v) for v in face.to_window(face.x, face.y)), *map(round, face.size)]
                for face in faces
            ]
            shot = Window.screenshot(str(out / "question.png"))
            Path(shot).replace(out / "question.png")
            pin = factory.pin(settings.buttons.face_buttons[-1])
            result["pressed"] = list(app.parts.store.context.scale.scores)[-1]
            pin.drive_low()
            time.sleep(0.05)
            pin.drive_high()
            Clock.schedule_interval(stored, 0.2)

        def stored(_dt):
            rows = count(db)
            if rows > before or late():
                result["rows_after"] = rows
                result["last"] = last(db)
                app.stop()
                return False
            return True

        def late() -> bool:
            if time.monotonic() - result["started"] > TIMEOUT:
                app.stop()
                return True
            return False

        Clock.schedule_interval(laid_out, 0.1)

    code = run(config, simulate=True, offscreen=True, attach=attach)
    result.pop("started")
    (out / "probe.json").write_text(json.dumps(result))
    print("probe:", json.dumps(result))
    return code


def count(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return con.execute("SELECT count(*) FROM ratings").fetchone()[0]


def last(db: Path) -> list:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        row = con.execute("SELECT score, source FROM ratings ORDER BY seq DESC LIMIT 1").fetchone()
    return list(row or [])


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
