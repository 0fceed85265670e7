"""A hostile keyboard on the real ``hymio kiosk``: ``python -m tests.kiosk.ui.keyprobe FILE``.

Runs the kiosk through ``App.run()`` (offscreen, mock pins), exactly as ``hymio kiosk
--simulate`` does, so Kivy's own key bindings (F1's settings panel) are in place. Once the
question screen is up it sends, the way SDL2 dispatches them (``on_key_down``, then
``on_keyboard`` unless that was handled, then ``on_key_up``), F1…F12, Escape, Alt+F4 and
Ctrl+C, and the window's close request; a few frames later it notes what it sees, presses
``--simulate``'s key 1, and prints one line ``KEYS {json}``. It runs on until stopped.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# Kivy's key codes (kivy/core/window/window_sdl2.py key_map) and SDL2's scancodes.
F_KEYS = [(282 + i, 58 + i, f"F{i + 1}") for i in range(12)]
ESCAPE, LALT, LCTRL, KEY_C, KEY_1 = (27, 41), (308, 226), (305, 224), (99, 6), (49, 30)


def press(window, key: int, scancode: int, codepoint: str | None, modifiers: list[str]) -> None:
    """One key down and up, dispatched as WindowSDL._mainloop does."""
    if not window.dispatch("on_key_down", key, scancode, codepoint, modifiers):
        window.dispatch("on_keyboard", key, scancode, codepoint, modifiers)
    window.dispatch("on_key_up", key, scancode)


def attack(app, window) -> dict:
    """Every key and request; the window's children before, and which step changed them."""
    children = lambda: [repr(w) for w in window.children]  # noqa: E731
    before = {"children": children(), "screen": app.conductor.manager.current, "changed": []}

    def step(name: str) -> None:
        if children() != before["children"]:
            before["changed"].append(name)

    for key, scancode, name in F_KEYS:
        press(window, key, scancode, None, [])
        step(name)
    press(window, *ESCAPE, "\x1b", [])
    step("Escape")
    # Alt+F4: the key events, and the close request SDL makes of it (SDL_QUIT).
    window.dispatch("on_key_down", *LALT, None, ["alt"])
    press(window, 285, 61, None, ["alt"])
    window.dispatch("on_key_up", *LALT)
    window.dispatch("on_request_close")
    window.dispatch("on_request_close", source="keyboard")
    step("Alt+F4")
    # Ctrl+C in the window (a keyboard on the kiosk), not SIGINT.
    window.dispatch("on_key_down", *LCTRL, None, ["ctrl"])
    press(window, *KEY_C, "c", ["ctrl"])
    window.dispatch("on_key_up", *LCTRL)
    step("Ctrl+C")
    return before


def main(config: str) -> int:
    from hymio.run_kiosk import run

    def attach(app, _factory) -> None:
        from kivy.clock import Clock
        from kivy.core.window import Window

        seen: dict = {}

        def started(*_args) -> None:
            Clock.schedule_once(lambda _dt: go(), 0.5)  # a few frames on the question screen

        def go() -> None:
            seen["before"] = attack(app, Window)
            Clock.schedule_once(lambda _dt: look(), 0.5)

        def look() -> None:
            from kivy.app import App

            seen["after"] = {
                "running": App.get_running_app() is app,
                "screen": app.conductor.manager.current,
                "children": [repr(w) for w in Window.children],
                "window": Window.size[0] > 0 and Window.size[1] > 0,
                "settings_made": app._app_settings is not None,
                "pngs": sorted(p.name for p in Path.cwd().glob("*.png")),
            }
            # --simulate's face 1 still works: a held key is a held button.
            Window.dispatch("on_key_down", *KEY_1, "1", [])
            Window.dispatch("on_keyboard", *KEY_1, "1", [])
            Clock.schedule_once(lambda _dt: Window.dispatch("on_key_up", *KEY_1), 0.2)
            Clock.schedule_once(lambda _dt: report(), 1.0)

        def report() -> None:
            seen["ratings"] = app.parts.store.read("SELECT score, source FROM ratings")
            print("KEYS " + json.dumps(seen), flush=True)

        app.bind(on_start=started)

    os.environ["SDL_VIDEODRIVER"] = "offscreen"
    return run(config, simulate=True, offscreen=True, attach=attach)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
