"""Fixtures for every seam: a fake clock, stores on disk, the store's time zone."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk.counting.flags import FlagRules
from kiosk.counting.scales import get_scale
from kiosk.store.context import RatingContext
from kiosk.store.store import Store
from kiosk.timekeeping.clock import ManualClock

HELSINKI = ZoneInfo("Europe/Helsinki")

pytest_plugins = ["tests.hardware_fixtures"]


def always_open(_local: datetime) -> bool:
    return True


def make_context(
    scale: str = "smiley4",
    *,
    device_id: str = "kiosk-1",
    tz: ZoneInfo = HELSINKI,
    repeat_window: float = 6.0,
    thank_you: float = 3.0,
    stuck_after: float = 10.0,
    is_open=always_open,
    reasons: tuple[str, ...] = ("queue", "staff", "prices", "availability", "cleanliness", "other"),
) -> RatingContext:
    return RatingContext(
        device_id=device_id,
        store_id="store-1",
        survey_id="default",
        question_id="overall",
        config_version=1,
        scale=get_scale(scale),
        tz=tz,
        rules=FlagRules(repeat_window, thank_you, stuck_after, is_open),
        reasons=reasons,
    )


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test says so (Monday 2026-01-05 11:00 Helsinki)."""
    return ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "ratings.db"


@pytest.fixture
def store(db_path: Path, clock: ManualClock):
    """A store on disk with the default context and the manual clock."""
    with Store(db_path, make_context(), clock=clock) as s:
        yield s


@contextmanager
def tmpfs(mount: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of *size* (e.g. ``1m``) mounted at *mount* (made), unmounted after."""
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 1 MiB tmpfs: a disk that fills up for real."""
    with tmpfs(tmp_path / "disk", "1m") as mount:
        yield mount


def fill(folder: Path) -> Path:
    """Fill the disk with a file until no byte more fits; returns the file."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        for chunk in (65536, 4096, 512):
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError:
                pass
    return filler


@pytest.fixture(scope="session")
def clean_clone(tmp_path_factory) -> Path:
    """A clone of the repository's committed state: what installs and builds read, so
    that nothing they write (``hymio.egg-info``) lands in the checkout the tests run from."""
    repo = Path(__file__).resolve().parents[1]
    clone = tmp_path_factory.mktemp("clone") / "hymio"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(repo), str(clone)], check=True)
    return clone
