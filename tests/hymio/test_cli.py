"""The ``hymio`` command as a person runs it: a real process, its output, its exit code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk import __version__
from kiosk.sample import generate
from kiosk.settings.load import CONFIG_VAR, INSTALLED, default_settings_file, load_settings
from kiosk.settings.overlay import overlay_path, write_overlay
from kiosk.store.store import Store
from kiosk.tally import tally

ROOT = Path(__file__).resolve().parents[2]


def hymio(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hymio", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        **kwargs,
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """A sample store of 10 days, as `make demo` makes."""
    return generate(tmp_path_factory.mktemp("sample"), days=10, seed=3)


def test_version():
    out = hymio("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"hymio {__version__}"


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "hymio"
    assert script.exists() or shutil.which("hymio")
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert out.stdout.strip() == f"hymio {__version__}"


def test_tally_json_equals_the_store(sample):
    out = hymio("tally", "--config", str(sample), "--json", "--days", "3")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    settings = load_settings(sample)
    with Store.from_settings(settings, readonly=True) as store:
        expected = tally(store, None, 3).as_dict()
    assert data == expected
    assert data["today"]["count"] > 0 or data["days"][-2]["count"] > 0
    assert len(data["days"]) == 3


def test_tally_for_a_past_date_as_a_table(sample):
    day = datetime.now(UTC).date().fromordinal(datetime.now(UTC).date().toordinal() - 2)
    out = hymio("tally", "--config", str(sample), "--date", day.isoformat())
    assert out.returncode == 0, out.stderr
    assert f"{day:%A %Y-%m-%d} (Europe/Helsinki)" in out.stdout
    assert "CSAT" in out.stdout and "index" in out.stdout
    assert "very happy" in out.stdout and "Hours" in out.stdout
    assert "Last 7 days" in out.stdout


def test_tally_changes_nothing(sample):
    db = sample.parent / "ratings.db"
    before = db.read_bytes()
    hymio("tally", "--config", str(sample))
    assert db.read_bytes() == before


def test_doctor_on_a_healthy_sample(sample):
    out = hymio("doctor", "--config", str(sample))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok    database" in out.stdout and "integrity ok" in out.stdout
    assert "WARN  hq" in out.stdout and "hq.url and hq.token not set" in out.stdout
    assert "0 problem(s)" in out.stdout


def test_tally_and_doctor_name_the_store_hq_moved_the_kiosk_to(tmp_path):
    config = generate(tmp_path, days=3, seed=5)
    own = load_settings(config).device
    before = json.loads(hymio("tally", "--config", str(config), "--json").stdout)
    assert (before["store_id"], before["timezone"]) == (own.store_id, own.timezone)
    write_overlay(overlay_path(load_settings(config)), {
        "version": 0, "survey": {}, "hours": {}, "store_id": "moved-here",
        "timezone": "Europe/Stockholm"})  # fmt: skip
    after = json.loads(hymio("tally", "--config", str(config), "--json").stdout)
    assert (after["store_id"], after["timezone"]) == ("moved-here", "Europe/Stockholm")
    assert after["days"] != [] and after["scale"] == before["scale"]
    out = hymio("doctor", "--config", str(config))
    assert "of store moved-here, Europe/Stockholm" in out.stdout.splitlines()[0], out.stdout


def test_without_config_the_commands_read_the_installed_settings(sample, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != CONFIG_VAR}
    out = hymio("doctor", env={**env, CONFIG_VAR: str(sample)})
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ok    settings") and str(sample) in out.stdout.splitlines()[0]
    assert hymio("tally", "--json", env={**env, CONFIG_VAR: str(sample)}).returncode == 0
    # Without $HYMIO_CONFIG: the file the install script writes, where it writes it.
    assert default_settings_file({}, root=tmp_path) is None
    installed = tmp_path / "etc" / "hymio" / "kiosk.toml"
    installed.parent.mkdir(parents=True)
    installed.write_text("")
    assert default_settings_file({}, root=tmp_path) == installed
    assert f"CONFIG={INSTALLED}\n" in (ROOT / "deploy" / "install-pi.sh").read_text()
    for unit in ("hymio-kiosk", "hymio-sync", "hymio-update"):
        assert f"--config {INSTALLED}" in (ROOT / "systemd" / f"{unit}.service").read_text()
    if default_settings_file(env) is None:  # neither here: say what to give
        out = hymio("doctor", env=env)
        assert out.returncode == 2 and "give --config FILE" in out.stderr, out.stderr
        assert str(INSTALLED) in out.stderr and "Traceback" not in out.stderr


def test_set_pin_without_a_terminal_says_how_and_changes_nothing(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('[device]\nid = "k1"\n')
    env = {k: v for k, v in os.environ.items() if k != "HYMIO_PIN"}
    # its own session: no controlling terminal to open, and stdin at its end at once
    out = hymio("set-pin", "--config", str(path), env=env, stdin=subprocess.DEVNULL,
                start_new_session=True)  # fmt: skip
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and "no terminal" in out.stderr
    assert "HYMIO_PIN" in out.stderr and "nothing was changed" in out.stderr
    assert path.read_text() == '[device]\nid = "k1"\n'
    # a script's pipe: the PIN twice, one a line
    out = hymio("set-pin", "--config", str(path), env=env, input="2468\n2468\n",
                start_new_session=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "echoed" not in out.stderr and "2468" not in path.read_text()
    assert load_settings(path).staff.pin_hash


def test_doctor_finds_a_damaged_database_and_leaves_it_alone(tmp_path):
    config = generate(tmp_path, days=2, seed=1)  # yesterday's shoppers at any hour
    db = tmp_path / "ratings.db"
    db.write_bytes(b"garbage" * 1000)
    out = hymio("doctor", "--config", str(config))
    assert out.returncode == 1
    assert "FAIL  database" in out.stdout and "damaged" in out.stdout
    assert "→ stop the kiosk and start it again" in out.stdout
    assert db.read_bytes() == b"garbage" * 1000
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_tally_without_a_database_says_so(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('[storage]\npath = "nothing-here.db"\n')
    out = hymio("tally", "--config", str(config))
    assert out.returncode == 1
    assert "there is no database at" in out.stderr and "nothing-here.db" in out.stderr
    assert not (tmp_path / "nothing-here.db").exists()


BAD_SETTINGS = [
    ("[device]\ncolour = 'red'\n", "device.colour", "unknown key"),
    ("[buttons]\nface_buttons = [5, 6, '13', 19]\n", "buttons.face_buttons[2]", "whole number"),
    ("[buttons]\nface_buttons = [5, 6, 13, 19]\nstatus_led = 13\n", "used twice", "13"),
    ("[device]\ntimezone = 'Europe/Helsingfors'\n", "device.timezone", "IANA"),
    ("[survey]\nfaces = ['unhappy', 'neutral', 'happy']\n", "survey.faces", "4 faces"),
    ("[buttons]\nface_buttons = [5, 6, 13, 40]\n", "buttons.face_buttons", "40"),
    ("[device\n", "", "TOML"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "words"), BAD_SETTINGS)
def test_bad_settings_exit_2_naming_the_file_and_the_key(tmp_path, text, key, words):
    config = tmp_path / "kiosk.toml"
    config.write_text(text)
    for command in ("tally", "doctor", "buttons"):
        out = hymio(command, "--config", str(config))
        assert out.returncode == 2, out.stderr
        assert str(config) in out.stderr and key in out.stderr and words in out.stderr
        assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == [config]  # nothing was created


def test_a_missing_settings_file_exits_2(tmp_path):
    out = hymio("tally", "--config", str(tmp_path / "nope.toml"))
    assert out.returncode == 2 and "nope.toml" in out.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["tally"], "--config"),
        (["tally", "--config", "x", "--date", "22.11.2026"], "is not a date like"),
        (["tally", "--config", "x", "--days", "-1"], "number of days"),
        (["fly"], "invalid choice"),
    ],
)
def test_bad_usage_exits_2(args, words):
    out = hymio(*args)
    assert out.returncode == 2 and words in out.stderr


@pytest.mark.parametrize(
    ("missing", "extra"),
    [
        ("sqlalchemy", "hq"),  # a Pi's install (the pi extra) has no SQLAlchemy
        ("kivy", "ui"),  # an HQ's install (the hq extra) has no Kivy
    ],
)
def test_the_demo_on_one_sides_install_says_what_to_install(tmp_path, missing, extra):
    # the import fails as it would there
    code = (
        f"import sys; sys.modules[{missing!r}] = None; from hymio.cli import main; "
        f"sys.exit(main(['demo', '--headless', '--presses', '1', '--folder', {str(tmp_path)!r}]))"
    )
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, env=env)  # fmt: skip
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    assert f"pip install 'hymio[{extra}]'" in out.stderr and f"no {missing}" in out.stderr
