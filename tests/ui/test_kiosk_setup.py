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
    assert list(config["input"]) == ["touchscreen"]  # exactly one provider (kivy#3801)
    assert config["input"]["touchscreen"].startswith("probesysfs,provider=hidinput")
    assert config["kivy"]["exit_on_escape"] == "0" and config["kivy"]["log_enable"] == "0"
    assert config["graphics"]["show_cursor"] == "0" and config["graphics"]["fullscreen"] == "auto"
    assert int(config["graphics"]["maxfps"]) <= 30 and config["graphics"]["rotation"] == "90"
    assert config["graphics"]["allow_screensaver"] == "0"
    windowed = kivy_config(windowed=True)
    assert windowed["graphics"]["fullscreen"] == "0" and windowed["graphics"]["show_cursor"] == "1"


def test_the_screen_dims_and_the_first_touch_only_wakes_it(kiosk_ui):
    k = kiosk_ui(behaviour="dim_after = 1")
    k.until(lambda: k.app.dimmer.opacity == 1, timeout=3)
    k.touch(k.face(4))
    assert k.app.dimmer.opacity == 0 and k.rows() == []  # woken, nothing recorded
    k.touch(k.face(4))
    assert k.rows() == [(4, "touch", None, None)]


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
