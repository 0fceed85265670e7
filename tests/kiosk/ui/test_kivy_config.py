"""Our Kivy config.ini is complete for the Kivy installed (issue 27): Kivy starts without
"upgrading" it (two warnings at every start, whose upgrade steps overwrote our settings:
maxfps 60, fullscreen 0, a second touch provider), and what Kivy then uses is ours."""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys

from kiosk.ui.setup import TEMPLATE

READ = """
import json, logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
from kiosk.ui import setup
setup.prepare(offscreen={offscreen}, windowed=False, home=__import__("pathlib").Path({home!r}))
from kivy.config import Config, KIVY_CONFIG_VERSION
print(json.dumps({{"version": KIVY_CONFIG_VERSION,
                  "config": {{s: dict(Config.items(s)) for s in Config.sections()}}}}))
"""


def kivy_reads(tmp_path, offscreen: bool) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    code = READ.format(offscreen=offscreen, home=str(tmp_path / "kivy"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), done.stderr


def test_kivy_starts_on_our_settings_without_upgrading_them(tmp_path):
    got, log = kivy_reads(tmp_path, offscreen=False)
    assert "configuration version" not in log.lower() and "Upgrading" not in log, log
    graphics, kivy = got["config"]["graphics"], got["config"]["kivy"]
    assert graphics["maxfps"] == "30" and graphics["fullscreen"] == "auto"
    assert graphics["show_cursor"] == "0" and graphics["borderless"] == "1"
    assert kivy["exit_on_escape"] == "0" and kivy["log_enable"] == "0"
    # one provider for the touchscreen, and the window's mouse: nothing Kivy added
    assert got["config"]["input"] == {
        "mouse": "mouse",
        "touchscreen": "probesysfs,provider=hidinput",
    }
    offscreen, _ = kivy_reads(tmp_path / "off", offscreen=True)
    assert offscreen["config"]["graphics"]["fullscreen"] == "0"


def test_our_config_has_every_key_of_kivys_own(tmp_path):
    # Kivy writes its own default file into an empty KIVY_HOME.
    home = tmp_path / "default"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY_", "SDL_"))}
    env.update(KIVY_HOME=str(home), KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1")
    done = subprocess.run([sys.executable, "-c", "import kivy.config"], capture_output=True,
                          text=True, timeout=60, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    kivys, ours = (configparser.ConfigParser(interpolation=None) for _ in range(2))
    kivys.read(home / "config.ini")
    ours.read(TEMPLATE)
    assert ours["kivy"]["config_version"] == kivys["kivy"]["config_version"], (
        "a new Kivy: add the keys of its newer config version to kiosk/assets/kivy/config.ini"
    )
    for section in kivys.sections():
        if section == "input":  # ours chooses its own providers
            continue
        missing = set(kivys[section]) - set(ours[section])
        assert not missing, f"[{section}] lacks {sorted(missing)}"
