"""The buttons as a process (SIGTERM), the keyboard simulator, doctor's pin check, a soak."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from itertools import cycle

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.pincheck import check_pins
from hardware.simulator import KeyboardSimulator
from kiosk.doctor import FAIL, OK, WARN, Context
from kiosk.settings.load import parse_settings
from kiosk.store.store import Store
from tests.conftest import make_context
from tests.hardware_fixtures import BUTTONS, LEDS, make_panel, press


def test_sigterm_releases_the_pins_and_exits_within_a_second(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('[storage]\npath = "ratings.db"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "hymio", "buttons", "--config", str(config), "--simulate"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().startswith("buttons ready on MockFactory")
        proc.stdin.write("3\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "pressed face 3"
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0
        took = time.monotonic() - started
    finally:
        proc.kill()
    assert took < 1.0, f"took {took:.2f} s to stop"
    assert proc.stdout.read().strip() == "buttons stopped"
    with Store(
        tmp_path / "ratings.db",
        make_context(device_id=os.uname().nodename.split(".")[0]),
        readonly=True,
    ) as store:
        assert store.read("SELECT score, source FROM ratings") == [(3, "button")]


def test_keys_1_to_4_press_the_face_buttons_through_the_same_path(store, clock, factory):
    panel = make_panel(store, factory)
    keys = KeyboardSimulator(factory, BUTTONS)
    for key in "1234":
        clock.advance(60)
        time.sleep(0.035)
        assert keys.tap(key)
    assert not keys.tap("9")
    assert store.read("SELECT score, source FROM ratings ORDER BY seq") == [
        (1, "button"),
        (2, "button"),
        (3, "button"),
        (4, "button"),
    ]
    assert keys.key_down("2") and factory.pin(BUTTONS[1]).state == 0
    assert keys.key_up("2") and factory.pin(BUTTONS[1]).state == 1
    panel.close()


def test_the_simulator_refuses_real_pins():
    with pytest.raises(TypeError, match="--simulate"):
        KeyboardSimulator(object(), BUTTONS)


def _ctx(text: str = "") -> Context:
    return Context(
        parse_settings({}) if not text else parse_settings(__import__("tomllib").loads(text))
    )


def test_doctor_reports_each_pin_and_a_held_button(factory):
    found = check_pins(_ctx(), factory)
    assert [f.level for f in found] == [OK] * 8
    assert "GPIO5" in found[0].detail and "released" in found[0].detail


def test_doctor_says_which_pin_is_held_or_cannot_be_claimed():
    from tests.hardware.test_hardware_panel import ShortedPin

    factory = MockFactory()
    try:
        factory.pin(6, pin_class=ShortedPin)
        from gpiozero import LED

        busy = LED(22, pin_factory=factory)  # the kiosk holds GPIO22
        found = check_pins(_ctx(), factory)
        warned = [f for f in found if f.level == WARN]
        failed = [f for f in found if f.level == FAIL]
        assert [f.detail for f in warned] == [
            "button of face 2 (GPIO6) reads pressed: held or shorted"
        ]
        assert len(failed) == 1
        assert failed[0].detail.startswith("LED face_leds[2] (GPIO22) cannot be claimed")
        assert failed[0].fix.startswith("stop the kiosk")
        busy.close()
    finally:
        factory.reset()
        factory.close()


def test_doctor_takes_a_busy_pin_for_the_running_kiosks_own():
    # `sudo hymio doctor` right after install-pi.sh (which starts the kiosk): the kiosk
    # holds every pin, and that is how it should be (found by the field rig)
    from gpiozero import LED

    factory = MockFactory()
    try:
        busy = LED(22, pin_factory=factory)  # the kiosk holds GPIO22
        found = check_pins(_ctx(), factory, kiosk_runs=True)
        assert [f.level for f in found] == [OK] * 8
        assert "LED face_leds[2] (GPIO22): in use by the running kiosk" in found[6].detail
        busy.close()
    finally:
        factory.reset()
        factory.close()


@pytest.mark.parametrize(
    ("state", "running"),
    [("active", True), ("activating", True), ("inactive", False), ("failed", False)],
)
def test_doctor_asks_systemd_whether_the_kiosk_runs(tmp_path, monkeypatch, state, running):
    from hardware import pincheck

    systemctl = tmp_path / "systemctl"
    systemctl.write_text(f'#!/bin/sh\n[ "$2" = hymio-kiosk.service ] && echo {state}\nexit 3\n')
    systemctl.chmod(0o755)
    monkeypatch.setattr(pincheck, "SYSTEMCTL", str(systemctl))
    assert pincheck.kiosk_running() is running
    monkeypatch.setattr(pincheck, "SYSTEMCTL", str(tmp_path / "none"))  # no systemd here
    assert pincheck.kiosk_running() is False


def test_soak_10000_presses_rows_flags_and_leds_exactly_as_expected(db_path, clock, factory):
    store = Store(db_path, make_context(thank_you=3.0, repeat_window=6.0), clock=clock)
    panel = make_panel(store, factory, debounce_ms=0)  # presses come faster than any finger
    # Each step: how far the clock moves before the press, and the flag that follows.
    steps = [(60, None), (1, "lockout"), (4, "repeat"), (60, None)]
    expected = []
    faces = cycle((1, 2, 3, 4))
    for _, (advance, flag) in zip(range(10_000), cycle(steps), strict=False):
        clock.advance(advance)
        face = next(faces)
        press(factory, face)
        expected.append((face, flag))
    rows = store.read("SELECT score, flag FROM ratings ORDER BY seq")
    assert rows == expected
    thanked = [face for face, flag in expected if flag in (None, "repeat")]
    assert sum(sum(1 for s in factory.pin(p).states if s.state) for p in LEDS) == len(thanked)
    last = thanked[-1]
    assert [bool(factory.pin(p).state) for p in LEDS] == [f == last for f in (1, 2, 3, 4)]
    panel.close()
    store.close()


def test_doctor_reports_a_button_the_store_recorded_as_stuck(tmp_path, clock):
    from datetime import UTC, datetime

    from hardware.pincheck import check_stuck

    config = {"storage": {"path": str(tmp_path / "ratings.db")}, "device": {"id": "kiosk-1"}}
    settings = parse_settings(config, tmp_path / "kiosk.toml")
    store = Store.from_settings(settings, clock=clock)
    ctx = Context(settings, clock=clock)
    assert [f.level for f in check_stuck(ctx)] == [OK]
    store.record(3, "button", held=30.0)  # what the panel records when face 3 is stuck
    store.close()
    [finding] = check_stuck(ctx)
    assert finding.level == WARN
    assert finding.detail.startswith("face 3's button was stuck 1 time(s), last at 2026-01-05")
    clock.wall = datetime(2026, 1, 7, 9, 0, tzinfo=UTC)  # two days later it is history
    assert [f.level for f in check_stuck(ctx)] == [OK]
