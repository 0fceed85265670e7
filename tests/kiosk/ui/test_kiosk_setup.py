"""The kiosk's hardening and setup: our own Kivy config.ini, dimming, HQ's survey settings
picked up between shoppers, and ``hymio kiosk`` / ``hymio set-pin`` as commands."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from kiosk import pin
from kiosk.settings.load import load_settings
from kiosk.settings.overlay import overlay_path, write_overlay
from kiosk.ui.setup import kivy_config


def test_our_kivy_config_has_one_touch_provider_and_no_escape():
    config = kivy_config(rotation=90)
    # the window's mouse (a desktop's; a single-touch screen SDL reports as one), and
    # exactly one provider for the multitouch screen (kivy#3801): nothing added by Kivy
    # (tests/kiosk/ui/test_kivy_config.py)
    assert list(config["input"]) == ["mouse", "touchscreen"]
    assert config["input"]["touchscreen"].startswith("probesysfs,provider=hidinput")
    assert config["kivy"]["exit_on_escape"] == "0" and config["kivy"]["log_enable"] == "0"
    assert config["graphics"]["show_cursor"] == "0" and config["graphics"]["fullscreen"] == "auto"
    assert int(config["graphics"]["maxfps"]) <= 30 and config["graphics"]["rotation"] == "90"
    assert config["graphics"]["allow_screensaver"] == "0"
    windowed = kivy_config(windowed=True)
    assert windowed["graphics"]["fullscreen"] == "0" and windowed["graphics"]["show_cursor"] == "1"


def test_the_first_frame_at_a_size_is_drawn_again(kiosk_ui):
    # SDL's KMS/DRM back-end shows a never drawn buffer for the first swap at a new size
    # (it makes its surfaces anew there): the frame after it must be drawn too, even when
    # nothing on the screen changed, or a kiosk on a Pi's console stays black until a press.
    k = kiosk_ui()
    flips = []

    def flipped(*_args):
        flips.append(1)

    k.window.bind(on_flip=flipped)
    try:
        k.frames(3)
        assert flips == []  # an unchanged screen is not drawn again (idle CPU)
        k.app._on_resize(k.window, k.window.size)  # the window got its size (again)
        k.window.canvas.ask_update()
        k.frames(1)
        assert len(flips) == 1  # the frame that KMS/DRM loses
        k.frames(3)
        assert len(flips) == 2  # drawn once more: the one the screen shows
        k.frames(3)
        assert len(flips) == 2  # and no more
    finally:
        k.window.unbind(on_flip=flipped)


def test_an_idle_kiosk_in_opening_hours_stays_lit_and_draws_shoppers_in(kiosk_ui):
    from kiosk.ui.screens import ATTRACT_EVERY

    k = kiosk_ui(behaviour="dim_after = 1")
    k.until(lambda: k.app.conductor.attracting, timeout=3)
    k.wait(ATTRACT_EVERY + 0.8)  # a face is half-way through its move
    faces = [k.face(score) for score in (1, 2, 3, 4)]
    assert k.app.dimmer.opacity == 0 and any(f.opacity < 1 for f in faces)
    k.touch(k.face(4))  # the faces are there to be tapped: it counts at once
    assert k.rows() == [(4, "touch", None, None)]
    assert not k.app.conductor.attracting and all(f.opacity == 1 for f in faces)


def test_outside_opening_hours_the_veil_falls_where_there_is_no_backlight(kiosk_ui):
    k = kiosk_ui('\n[hours]\nwed = "closed"\n', behaviour="dim_after = 1")
    k.until(lambda: k.app.dimmer.opacity == 1, timeout=3)
    k.touch(k.app.screens["closed"])
    assert k.app.dimmer.opacity == 0 and k.rows() == []  # woken, nothing recorded


def test_outside_opening_hours_the_backlight_goes_off_and_a_touch_wakes_it(kiosk_ui, tmp_path):
    from hardware.backlight import Backlight

    panel = tmp_path / "sys/class/backlight/11-0045"  # the Touch Display 2's
    panel.mkdir(parents=True)
    (panel / "bl_power").write_text("0\n")
    k = kiosk_ui('\n[hours]\nwed = "closed"\n', behaviour="dim_after = 1")
    k.parts.backlight = Backlight(tmp_path)
    k.app.conductor.activity()
    k.until(lambda: (panel / "bl_power").read_text() == "4\n", timeout=3)
    assert k.app.dimmer.opacity == 0  # no veil over a dark panel
    k.touch(k.app.screens["closed"])
    assert (panel / "bl_power").read_text() == "0\n" and k.rows() == []


def test_a_backlight_without_bl_power_is_dimmed_and_restored_by_brightness(tmp_path):
    from hardware.backlight import Backlight

    panel = tmp_path / "sys/class/backlight/rpi_backlight"
    panel.mkdir(parents=True)
    (panel / "brightness").write_text("180\n")
    (panel / "max_brightness").write_text("255\n")
    light = Backlight(tmp_path)
    assert light.off() and (panel / "brightness").read_text() == "0\n"
    light.on()
    assert (panel / "brightness").read_text() == "180\n"
    assert not Backlight(tmp_path / "nothing").off()


def test_hq_survey_settings_are_picked_up_between_shoppers(kiosk_ui):
    k = kiosk_ui()
    settings = k.parts.settings
    question = {"fi": "Löysitkö kaiken?", "sv": "Hittade du allt?", "en": "Found it all?"}
    body = {"version": 7, "survey": {"question": question}, "hours": {}}
    write_overlay(overlay_path(settings), body)
    k.clock.advance(10)
    k.touch(k.face(4))
    k.until(lambda: k.screen == "question")
    assert k.app.screens["question"].question == "Löysitkö kaiken?"
    k.clock.advance(10)
    k.touch(k.face(3))
    versions = [r[0] for r in k.store.read("SELECT config_version FROM ratings ORDER BY seq")]
    assert versions == [1, 7]  # each rating says which settings it was given under


def test_hqs_staff_pin_is_picked_up_between_shoppers(kiosk_ui):
    k = kiosk_ui()
    assert k.parts.pins.check("2468").result != "ok"
    body = {"version": 0, "survey": {}, "hours": {}, "staff": {"pin_hash": pin.hash_pin("2468")}}
    write_overlay(overlay_path(k.parts.settings), body)
    k.clock.advance(10)
    k.touch(k.face(4))
    k.until(lambda: k.parts.pins.pin_hash == body["staff"]["pin_hash"])
    assert k.parts.pins.check("2468").result == "ok"


def test_hymio_kiosk_runs_offscreen_and_stops_on_sigterm(tmp_path):
    (tmp_path / "kiosk.toml").write_text('[device]\nid = "k1"\n[storage]\npath = "r.db"\n')
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hymio", "kiosk", "--config", str(tmp_path / "kiosk.toml"),
         "--simulate"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Start application main loop" in line:
                break
        assert any("Start application main loop" in x for x in lines), "".join(lines[-30:])
        assert (tmp_path / "r.db").exists()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode in (0, -signal.SIGTERM)


def test_set_pin_stores_only_a_hash_and_keeps_the_file_valid(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text(
        '# my kiosk\n[device]\nid = "k1"\n\n[staff]  # staff mode\ncorner = "top-left"\n'
    )
    command = [sys.executable, "-m", "hymio", "set-pin", "--config", str(path)]
    run = subprocess.run(command, env={**os.environ, "HYMIO_PIN": "135790"}, capture_output=True,
                         text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
    text = path.read_text()
    assert "135790" not in text and "# my kiosk" in text and 'corner = "top-left"' in text
    stored = load_settings(path).staff.pin_hash
    assert pin.check_pin("135790", stored) and not pin.check_pin("135791", stored)
    run = subprocess.run(command, env={**os.environ, "HYMIO_PIN": "12"}, capture_output=True,
                         text=True)  # fmt: skip
    assert run.returncode == 2 and "4 to 12 digits" in run.stderr
    assert load_settings(path).staff.pin_hash == stored  # unchanged
    json.dumps(text)  # the file is plain text
