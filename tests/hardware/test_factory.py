"""What the pin factory says when lgpio cannot start: the right fix for the right cause."""

from __future__ import annotations

import subprocess

from hardware.factory import lgpio_help


def test_a_read_only_working_directory_is_named_as_the_cause(tiny_disk):
    # The unit's working directory under ProtectSystem=strict: a read-only mount.
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    try:
        text = lgpio_help(OSError("can not open notification pipe"), tiny_disk)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=True)
    assert "writable working directory" in text and "WorkingDirectory=" in text
    assert "apt install" not in text


def test_a_writable_folder_points_at_the_chip_and_the_group(tmp_path):
    text = lgpio_help(OSError("can not open gpiochip"), tmp_path)
    assert "gpio group" in text and "--simulate" in text
    assert "apt install" not in text
