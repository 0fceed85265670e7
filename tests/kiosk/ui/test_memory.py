"""The kiosk's memory between shoppers: free heap pages go back to the system when it calms
down, and Mesa's software rasteriser draws on the main thread (bench/kiosk.py measures the
resident set over 20 000 presses)."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

from kiosk.ui import memory, setup


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_release_gives_freed_heap_pages_back():
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    # 40 MB in small chunks, all touched, then all freed but the last: it pins the top of
    # the heap, so glibc keeps the free pages below it until someone trims.
    chunks = [libc.malloc(2048) for _ in range(20_000)]
    for chunk in chunks:
        libc.memset(chunk, 1, 2048)
    for chunk in chunks[:-1]:
        libc.free(chunk)
    held = rss_kb()
    assert memory.release() is True  # glibc has malloc_trim
    assert rss_kb() < held - 20_000, "the freed pages stayed resident"
    libc.free(chunks[-1])


def test_a_calm_kiosk_drops_its_frame_rate_and_releases_memory(kiosk_ui, monkeypatch):
    from kivy.clock import Clock

    from kiosk.ui.conductor import CALM_AFTER, CALM_FPS

    released = []
    monkeypatch.setattr(memory, "release", lambda: released.append(True) or True)
    k = kiosk_ui()
    # a start slower than CALM_AFTER (a busy machine) has calmed down already: what counts
    # is what the touch does
    released.clear()
    k.touch(k.face(3))
    calm = k.app.conductor.timers["calm"]  # set by the touch, CALM_AFTER s on
    assert calm.timeout == CALM_AFTER and Clock._max_fps > CALM_FPS and not released
    calm.get_callback()(CALM_AFTER)  # what the clock runs once nobody touched it for CALM_AFTER s
    assert Clock._max_fps == CALM_FPS and released == [True]


def test_a_kiosk_started_after_a_calm_one_runs_at_its_configured_rate(kiosk_ui):
    from kivy.clock import Clock
    from kivy.config import Config

    from kiosk.ui.conductor import CALM_FPS

    Clock._max_fps = float(CALM_FPS)  # what a calm window before it in the process left
    k = kiosk_ui()
    k.touch(k.face(3))
    assert Clock._max_fps == Config.getint("graphics", "maxfps") > CALM_FPS


def test_mesa_draws_on_the_main_thread_unless_told_otherwise(tmp_path, monkeypatch):
    for name in ("KIVY_HOME", "KIVY_NO_ARGS", "KIVY_NO_FILELOG", "SDL_NO_SIGNAL_HANDLERS",
                 "KIVY_LOG_MODE", "SDL_VIDEODRIVER", "LP_NUM_THREADS"):  # fmt: skip
        monkeypatch.setenv(name, os.environ.get(name, ""))  # restored after the test
    monkeypatch.delenv("LP_NUM_THREADS")
    setup.prepare(offscreen=True, home=tmp_path / "a")
    assert os.environ["LP_NUM_THREADS"] == "0"
    monkeypatch.setenv("LP_NUM_THREADS", "4")  # an operator's choice stays
    setup.prepare(offscreen=True, home=tmp_path / "b")
    assert os.environ["LP_NUM_THREADS"] == "4"
