"""The kiosk app (SPEC §8): idle CPU, resident memory, commit → thank-you frame.

Runs the real app in an offscreen Kivy window (SDL2 offscreen, Mesa's llvmpipe: the CPU
draws, as on a Pi without a GPU driver it would not; a Pi's GPU draws cheaper). Each part
runs in its own process so its figures are its own:

* idle CPU: the app on its question screen, nothing pressed, for ``HYMIO_BENCH_IDLE``
  seconds (60) once it has calmed down, CPU time of the process from ``/proc``; the
  baseline is a bare Kivy app with one Label in the same window and settings;
* memory: resident set after start, after ``HYMIO_BENCH_PRESSES`` presses (10 000) through
  the mock pins and the whole path (store, screens, timers), and after a second 10 000,
  each read once the kiosk has calmed down (it hands free heap pages back then,
  kiosk.ui.memory) and right after the last press. Again with Mesa's default of a
  rasteriser thread a core, which the kiosk turns off (kiosk.ui.setup): llvmpipe's scene
  pool then grows by ~45 MB over the first thousand thank-you screens and stays;
* commit → thank-you frame: frames drawn between the committed row and the first frame
  with the thank-you screen on it, over 200 taps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import median, percentile, row

IDLE = float(os.environ.get("HYMIO_BENCH_IDLE", "60"))
PRESSES = int(os.environ.get("HYMIO_BENCH_PRESSES", "10000"))
SETTINGS = """
[device]
id = "bench"
store_id = "s"
[storage]
path = "ratings.db"
[behaviour]
thank_you = 0.5
repeat_window = 0
[survey.followup]
ask = "never"
[buttons]
debounce_ms = 0
"""
BURST = 5  # presses per frame in the memory run (PRESSES is a multiple of it)


def cpu_seconds() -> float:
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(part: str, folder: str) -> None:
    """One measurement, in this (fresh) process; prints one JSON line."""
    from kiosk.ui import setup

    setup.prepare(offscreen=True)
    from kivy.app import App
    from kivy.base import EventLoop
    from kivy.clock import Clock

    if part == "bare":
        from kivy.uix.label import Label

        class Bare(App):
            def build(self):
                Clock.schedule_once(lambda _dt: self.measure(), 3)
                return Label(text="Hymiö")

            def measure(self):
                start = cpu_seconds()
                Clock.schedule_once(lambda _dt: self.done(start), IDLE)

            def done(self, start):
                cpu = (cpu_seconds() - start) / IDLE
                print(json.dumps({"cpu": cpu, "rss": rss_mb()}), flush=True)
                self.stop()

        Bare().run()
        return

    from gpiozero.pins.mock import MockFactory

    from hymio.run_kiosk import make_parts
    from kiosk.settings.load import load_settings
    from kiosk.store.store import Store
    from kiosk.timekeeping.clock import ManualClock
    from kiosk.ui.app import KioskApp

    path = Path(folder) / "kiosk.toml"
    path.write_text(SETTINGS)
    settings = load_settings(path)
    # A clock the bench moves 10 s per press, so every press is thanked (none a lockout).
    clock = ManualClock(datetime.now(UTC))
    store = Store.from_settings(settings, clock=clock)
    factory = MockFactory()
    parts = make_parts(settings, store, factory=factory, simulate=True)
    app = KioskApp(parts)
    out: dict[str, float] = {}

    def idle_part() -> None:
        start = cpu_seconds()

        def done(_dt):
            out["cpu"] = (cpu_seconds() - start) / IDLE
            app.stop()

        Clock.schedule_once(done, IDLE)

    def memory_part() -> None:
        # Read when the kiosk has calmed down (CALM_AFTER s after the last press, as between
        # shoppers: it then hands free heap pages back, kiosk.ui.memory), and also right
        # after the last burst, before it has.
        out["rss_start"] = rss_mb()
        pins = [factory.pin(p) for p in settings.buttons.face_buttons]
        state = {"n": 0}

        def calmed(name: str, then) -> None:
            out[f"{name}_busy"] = rss_mb()

            def read(_dt):
                out[name] = rss_mb()
                then()

            Clock.schedule_once(read, CALM_AFTER + 1)

        def press(_dt):
            # A burst of presses a frame through the mock pins: the whole path from the
            # pin edge (store, the panel's LEDs, the hand-over to Kivy, the screens).
            for _ in range(BURST):
                clock.advance(10)
                pin = pins[state["n"] % len(pins)]
                pin.drive_low()
                pin.drive_high()
                state["n"] += 1
            for mock in factory.pins.values():
                mock.clear_states()  # MockPin keeps every edge for tests; a real pin does not
            if state["n"] == PRESSES:
                calmed("rss_half", lambda: Clock.schedule_interval(press, 0))
                return False
            if state["n"] >= 2 * PRESSES:
                out["rows"] = store.count()
                calmed("rss_end", app.stop)
                return False
            return True

        Clock.schedule_interval(press, 0)

    def frames_part() -> None:
        conductor = app.conductor
        counts: list[int] = []
        state = {"frame": 0, "committed": None}
        from kivy.core.window import Window

        thanks = app.screens["thanks"]

        def on_flip(*_args):
            # A frame was drawn; the thank-you screen was in it if it was in the window.
            state["frame"] += 1
            if state["committed"] is not None and thanks.get_root_window() is not None:
                counts.append(state["frame"] - state["committed"])
                state["committed"] = None
                conductor.back_to_question()

        Window.bind(on_flip=on_flip)
        taps = {"n": 0}

        def tap(_dt):
            if state["committed"] is not None or conductor.manager.current != "question":
                return True
            if conductor.manager.transition.is_active:
                return True
            if taps["n"] >= 200:
                out["frames"] = counts
                app.stop()
                return False
            clock.advance(10)
            rating_step = conductor.flow.press(4 - taps["n"] % 2, "touch")
            state["committed"] = state["frame"]  # committed now; count the flips from here
            conductor.show(rating_step)
            taps["n"] += 1
            return True

        Clock.schedule_interval(tap, 0.05)

    def start(_dt):
        {"idle": idle_part, "memory": memory_part, "frames": frames_part}[part]()

    # After the first frames; the idle run also after the kiosk has calmed down (it drops
    # its frame rate CALM_AFTER seconds after the last touch, as it would in a quiet shop).
    from kiosk.ui.conductor import CALM_AFTER

    Clock.schedule_once(start, CALM_AFTER + 3 if part in ("idle", "memory") else 3)
    app.run()
    EventLoop.close()
    store.close()
    print(json.dumps(out), flush=True)


def run(part: str, **env: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.kiosk", part, folder],
            capture_output=True, text=True, timeout=IDLE + 600, env={**os.environ, **env},
        )  # fmt: skip
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"bench.kiosk {part} failed:\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


BARE_START = """
from kiosk.ui import setup
setup.prepare(offscreen=True)  # the same Kivy settings as the kiosk's
from kivy.app import App
from kivy.clock import Clock
from kivy.uix.label import Label
class Bare(App):
    def load_kv(self, filename=None):  # run from -c: there is no file to find a .kv beside
        return None
    def build(self):
        Clock.schedule_once(lambda _dt: (print("FRAME", flush=True), self.stop()), 0)
        return Label(text="bare")
Bare().run()
"""


def startup(rounds: int = 3) -> tuple[list[float], list[float]]:
    """Seconds from starting the process to the first frame: ``hymio kiosk`` (to READY=1,
    sent once its question screen is built) against a bare Kivy app, interleaved."""
    from tests.notify_socket import FakeSystemd

    kiosk, bare = [], []
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen"}
    for _ in range(rounds):
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", BARE_START], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
        if proc.stdout.readline().strip() != "FRAME":
            raise RuntimeError("the bare Kivy app did not draw")
        bare.append(time.perf_counter() - started)
        proc.wait(20)
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "kiosk.toml"
            config.write_text(SETTINGS)  # its ratings.db beside it
            systemd = FakeSystemd(Path(folder))
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "hymio", "kiosk", "--config", str(config), "--simulate"],
                env={**env, **systemd.env()}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                systemd.wait_for("READY=1", 120)
                kiosk.append(time.perf_counter() - started)
            finally:
                proc.terminate()
                proc.wait(20)
                systemd.close()
    return kiosk, bare


def main() -> dict[str, float]:
    print(f"Kiosk app: idle CPU over {IDLE:g} s, memory over 2 × {PRESSES} presses, frames")
    kiosk_start, bare_start = startup()
    spread = "min {:.2f} · max {:.2f} s"
    row("start → question screen (hymio kiosk), median", f"{median(kiosk_start):.2f} s",
        spread.format(min(kiosk_start), max(kiosk_start)))  # fmt: skip
    row("start → first frame, bare Kivy app", f"{median(bare_start):.2f} s",
        spread.format(min(bare_start), max(bare_start)))  # fmt: skip
    row("ratio", f"{median(kiosk_start) / median(bare_start):.2f}×")
    bare, idle = run("bare"), run("idle")
    row("idle CPU, kiosk on its question screen", f"{idle['cpu'] * 100:.2f} %", "budget ≤ 1 %")
    row("idle CPU, bare Kivy app (one Label)", f"{bare['cpu'] * 100:.2f} %")
    memory = run("memory")
    row("resident memory after start", f"{memory['rss_start']:.0f} MB", "budget ≤ 150 MB")
    row("… of the bare Kivy app in the same window", f"{bare['rss']:.0f} MB")
    for name, presses in (("rss_half", PRESSES), ("rss_end", 2 * PRESSES)):
        row(f"… after {presses} presses, calm / right after the last",
            f"{memory[name]:.0f} / {memory[name + '_busy']:.0f} MB")  # fmt: skip
    growth = memory["rss_end"] / memory["rss_start"] - 1
    row("growth, start → calm after the last press", f"{growth * 100:+.1f} %", "goal ≤ 10 %")
    threads = str(os.cpu_count() or 1)  # Mesa's own default: a rasteriser thread a core
    mesa = run("memory", LP_NUM_THREADS=threads)
    row(f"the same with llvmpipe's {threads} rasteriser threads: start",
        f"{mesa['rss_start']:.0f} MB")  # fmt: skip
    row(f"… after {PRESSES} / {2 * PRESSES} presses, calm",
        f"{mesa['rss_half']:.0f} / {mesa['rss_end']:.0f} MB")  # fmt: skip
    frames = run("frames")["frames"]
    row("commit → thank-you frame, median / max", f"{median(frames):.0f} / {max(frames)}",
        f"frames (p99 {percentile(frames, 99)}); budget ≤ 2")  # fmt: skip
    return {"idle_cpu": idle["cpu"], "bare_cpu": bare["cpu"], **memory}


if __name__ == "__main__":
    if len(sys.argv) == 3:
        child(sys.argv[1], sys.argv[2])
    else:
        main()
