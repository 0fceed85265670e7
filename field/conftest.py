"""The rig for the checks in field/: built, booted and installed once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from field.rig import Rig
from field.rig import rig as start_rig


@pytest.fixture(scope="session")
def rig() -> Iterator[Rig]:
    assert os.geteuid() == 0, "the field rig runs as root (debootstrap, chroot): sudo make field"
    with start_rig() as up:
        yield up
