"""Hostile settings files: each is one line that names the file and the fix, and exit code 2
(the one systemd does not restart on), never a traceback; a file with a BOM just loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.errors import SettingsError, StoreWriteError
from kiosk.settings.load import MAX_DEPTH, load_settings
from kiosk.store.store import Store
from tests.conftest import make_context

GOOD = '[device]\nid = "k1"\nstore_id = "s1"\n[storage]\npath = "r.db"\n'


def hymio(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hymio", *args], capture_output=True, text=True, timeout=60
    )


def one_line_exit_2(path: Path, command: str = "tally") -> str:
    run = hymio(command, "--config", str(path))
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"hymio: settings file {path}"), lines[0]
    return lines[0]


DEEP = {
    "arrays": "a = " + "[" * 20000 + "]" * 20000 + "\n",
    "inline tables": "a = " + "{b = " * 20000 + "1" + "}" * 20000 + "\n",
    "table headers": "[" + ".".join(["a"] * 20000) + "]\nx = 1\n",
    "dotted keys": ".".join(["a"] * 5000) + " = 1\n",  # tomllib: quadratic in the parts
    "arrays Python can read": "a = " + "[" * 400 + "]" * 400 + "\n",
    "in a real table": GOOD + "[survey]\nquestion = " + "[" * 5000 + "]" * 5000 + "\n",
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_a_file_nested_thousands_deep_is_a_settings_error(tmp_path, text):
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=f"more than {MAX_DEPTH} levels deep"):
        load_settings(path)


@pytest.mark.parametrize("command", ["kiosk", "sync", "tally", "doctor"])
def test_every_command_exits_2_on_a_deep_file(tmp_path, command):
    path = tmp_path / "kiosk.toml"
    path.write_text(DEEP["arrays"])
    assert "nests lists or tables" in one_line_exit_2(path, command)


def test_a_settings_file_saved_with_a_bom_loads(tmp_path):
    plain, bom = tmp_path / "plain.toml", tmp_path / "bom.toml"
    plain.write_text(GOOD, encoding="utf-8")
    bom.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_settings(bom).model_dump() == load_settings(plain).model_dump()
    bom.write_text("\ufeff" + GOOD, encoding="utf-16")  # not UTF-8 at all: still named
    with pytest.raises(SettingsError, match="is not UTF-8 text"):
        load_settings(bom)


def test_a_bom_in_the_middle_is_still_an_error(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_bytes(GOOD.encode() + b"\xef\xbb\xbf[hq]\n")
    with pytest.raises(SettingsError, match="is not valid TOML"):
        load_settings(path)


def test_a_storage_path_that_is_a_folder_says_so_and_what_to_set(tmp_path):
    (tmp_path / "data").mkdir()
    path = tmp_path / "kiosk.toml"
    for written in ("data", "data/", str(tmp_path / "data"), "missing/"):
        path.write_text(f'[storage]\npath = "{written}"\n')
        line = one_line_exit_2(path, "kiosk")
        assert f'storage.path: "{written}" is a folder' in line
        assert f'e.g. path = "{written.rstrip("/")}/ratings.db"' in line


def test_a_nul_character_is_named_by_its_key(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text(GOOD.replace('"r.db"', '"r\\u0000.db"'))
    assert "storage.path: contains a NUL character" in one_line_exit_2(path, "kiosk")
    path.write_text(GOOD + '[survey.question]\n"f\\u0000i" = "Hei"\n')
    with pytest.raises(SettingsError, match="survey.question: the key .* contains a NUL"):
        load_settings(path)


def test_a_database_path_that_became_a_folder_is_named_by_the_store(tmp_path):
    # The settings were right when read; then someone made a folder of that name.
    (tmp_path / "ratings.db").mkdir()
    with pytest.raises(StoreWriteError, match=r"ratings.db is a folder, not a database file"):
        Store(tmp_path / "ratings.db", make_context())
