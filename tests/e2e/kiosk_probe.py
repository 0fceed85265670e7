"""The real kiosk in a process of its own, driven line by line: ``python -m
tests.e2e.kiosk_probe SETTINGS`` (with ``SDL_VIDEODRIVER=offscreen``).

It runs the kiosk through ``App.run()`` as ``hymio kiosk --simulate`` does (its offscreen
Kivy window, mock pins), so it takes HQ's settings from the file sync writes between
shoppers, as a kiosk in a store does. Each line on stdin is one action, done on Kivy's
thread; each answer is one line ``PROBE {json}`` on stdout:

- ``press SCORE``: the arcade button of *SCORE*, pressed and let go through its mock pin;
  the answer: the screen a moment later.
- ``language CODE``: a shopper's tap on a language button.
- ``answer``: a shopper's tap on the first reason of the follow-up question.
- ``look NAME``: a screenshot to ``NAME`` (a PNG path); the answer: the screen, the
  question, the follow-up's title, each reason's label, pictogram and box (window
  pixels, rows from the top), the survey's version and the picture's size.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path


def say(what: dict) -> None:
    print("PROBE " + json.dumps(what), flush=True)


def attach(app, factory) -> None:
    """Read stdin on a thread of its own and hand each line to Kivy's thread."""
    from kivy.clock import Clock

    conductor = lambda: app.conductor  # noqa: E731 -- made once the app runs

    def screen() -> str:
        return conductor().manager.current

    def press(score: int) -> None:
        settings = conductor().settings
        scores = list(app.parts.store.context.scale.scores)
        pin = factory.pin(settings.buttons.face_buttons[scores.index(score)])
        pin.drive_low()
        Clock.schedule_once(lambda _dt: pin.drive_high(), 0.08)
        Clock.schedule_once(lambda _dt: say({"screen": screen()}), 0.6)

    def look(name: str) -> None:
        from kivy.core.window import Window

        follow = app.screens["followup"]
        reasons = []
        for b in follow.ids.reasons.children[::-1]:
            x, y = b.to_window(b.x, b.y)
            top = Window.height - (y + b.height)
            box = [round(x), round(top), round(b.width), round(b.height)]
            picture = Path(b.picture).name if b.picture else ""
            reasons.append({"text": b.text, "picture": picture, "box": box})
        wanted = Path(name)
        saved = Path(Window.screenshot(str(wanted)))  # Kivy numbers the file's name
        saved.replace(wanted)
        say({
            "screen": screen(), "title": follow.title, "reasons": reasons,
            "question": app.screens["question"].question,
            "version": conductor().settings.survey.version,
            "shot": str(wanted), "size": list(Window.size),
        })  # fmt: skip

    def act(line: str) -> None:
        verb, _, rest = line.strip().partition(" ")
        try:
            if verb == "press":
                press(int(rest))
            elif verb == "language":
                conductor().choose_language(rest)
                say({"screen": screen()})
            elif verb == "answer":
                conductor().choose_reason(conductor().settings.survey.followup.reasons[0])
                say({"screen": screen()})
            elif verb == "look":
                Clock.schedule_once(lambda _dt: look(rest), 0.3)  # a few frames drawn first
            else:
                say({"error": f"no such action {verb!r}"})
        except Exception as e:  # the test reads it; the kiosk runs on
            say({"error": f"{type(e).__name__}: {e}"})

    def read() -> None:
        for line in sys.stdin:
            Clock.schedule_once(lambda _dt, line=line: act(line))

    def started(*_args) -> None:
        threading.Thread(target=read, daemon=True).start()
        Clock.schedule_once(lambda _dt: say({"ready": True, "screen": screen()}), 0.5)

    app.bind(on_start=started)


def main(config: str) -> int:
    from hymio.run_kiosk import run

    os.environ["SDL_VIDEODRIVER"] = "offscreen"
    return run(config, simulate=True, offscreen=True, attach=attach)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
