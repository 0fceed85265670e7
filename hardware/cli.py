"""``hymio buttons``: the buttons and LEDs alone, without a screen.

For a kiosk with buttons only, for the installer testing the wiring, and (with
``--simulate``) for trying the press path on any machine: keys 1–5 followed by Enter press
the face buttons on mock pins. SIGTERM (systemd's stop) or SIGINT releases the pins and
ends the process within a second.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from kiosk.settings.load import add_config_option

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``buttons``."""
    p = commands.add_parser("buttons", help="run the buttons and LEDs without a screen")
    add_config_option(p)
    p.add_argument(
        "--simulate",
        action="store_true",
        help="mock pins, pressed with the keys 1-5 (and Enter) on stdin",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from hardware.factory import make_factory
    from hardware.panel import ButtonPanel, PanelEvent
    from hardware.simulator import KeyboardSimulator
    from kiosk.settings.load import load_settings
    from kiosk.store.store import Store

    settings = load_settings(args.config)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    factory = make_factory(args.simulate)

    def show(event: PanelEvent) -> None:
        flag = event.rating.flag if event.rating else None
        print(
            f"{event.kind} face {event.score}"
            + (f" ({flag})" if flag else "")
            + (f": {event.error}" if event.error else ""),
            flush=True,
        )

    with Store.from_settings(settings) as store:
        panel = ButtonPanel.from_settings(store, settings, factory, listener=show)
        print(
            f"buttons ready on {type(factory).__name__}: pins "
            f"{', '.join(map(str, settings.buttons.face_buttons))}",
            flush=True,
        )
        try:
            if args.simulate:
                keys = KeyboardSimulator(factory, settings.buttons.face_buttons)
                reader = threading.Thread(target=_read_keys, args=(keys, stop), daemon=True)
                reader.start()
            stop.wait()
        finally:
            panel.close()
            factory.close()
    print("buttons stopped", flush=True)
    return 0


def _read_keys(keys, stop: threading.Event) -> None:
    for line in sys.stdin:
        for key in line.strip():
            keys.tap(key)
    stop.set()  # end of input ends a simulation
