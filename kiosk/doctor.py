"""``hymio doctor``: checks a kiosk and says, for each problem, how to fix it.

Each check is a small function from the :class:`Context` to a list of :class:`Finding`;
later parts (pins, HQ) add theirs to :data:`CHECKS`. Doctor changes nothing: the
database is opened read-only.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.errors import StoreError
from kiosk.settings.model import Settings
from kiosk.store.store import Store
from kiosk.timekeeping.clock import Clock, SystemClock

OK, WARN, FAIL = "ok", "warn", "fail"
DISK_FAIL_BYTES = 50 * 1024 * 1024
DISK_WARN_BYTES = 500 * 1024 * 1024


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was checked, how it is, and the fix when not ok."""

    check: str
    level: str
    detail: str
    fix: str = ""


@dataclass
class Context:
    """What the checks look at."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    pin_factory: object | None = None  # a gpiozero Factory; None: lgpio on a Pi
    root: Path = Path("/")  # where /sys and /dev are (tests build their own)


Check = Callable[[Context], list[Finding]]


def check_settings(ctx: Context) -> list[Finding]:
    """The settings loaded; the parts that are optional but expected are there."""
    s = ctx.settings
    found = [
        Finding(
            "settings",
            OK,
            f"{s.source}: device {s.device.id} of store {s.device.store_id}, "
            f"{s.device.timezone}, scale {s.survey.scale}",
        )
    ]
    if not s.hq.url or not s.hq.token:
        missing = " and ".join(k for k in ("url", "token") if not getattr(s.hq, k))
        found.append(
            Finding(
                "hq",
                WARN,
                f"hq.{missing.replace(' and ', ' and hq.')} not set: ratings stay on this kiosk",
                f"set [hq] url and token in {s.source} (HQ's `hymio hq add-device` prints a token)",
            )
        )
    if not s.staff.pin_hash:
        found.append(
            Finding(
                "staff",
                WARN,
                "no staff PIN is set: staff mode cannot be opened",
                f"run `hymio set-pin --config {s.source}`",
            )
        )
    return found


def check_database(ctx: Context) -> list[Finding]:
    """The database opens, passes ``quick_check``, belongs to this device."""
    s = ctx.settings
    path = s.storage.path
    if not path.exists():
        return [
            Finding(
                "database",
                WARN,
                f"{path} does not exist yet",
                "start the kiosk once (it creates the database), or fix [storage] path",
            )
        ]
    try:
        store = open_store(ctx)
    except StoreError as exc:
        return [Finding("database", FAIL, str(exc), _database_fix(exc))]
    with store:
        size = sum(p.stat().st_size for p in _files_of(path))
        found = [
            Finding(
                "database",
                OK,
                f"{path}: {store.count()} ratings, {size / 1e6:.1f} MB, integrity ok, "
                f"{store.pending_count()} not yet acknowledged by HQ",
            )
        ]
        for event in store.events(limit=5):
            if event["kind"] == "database_replaced":
                found.append(
                    Finding(
                        "database",
                        WARN,
                        f"{event['at']}: {event['message']}",
                        "rescue the old file as the message says, then delete it",
                    )
                )
    return found


def open_store(ctx: Context) -> Store:
    """The kiosk's store, read-only (doctor changes nothing); StoreError if it won't open."""
    return Store.from_settings(ctx.settings, clock=ctx.clock, readonly=True)


def check_disk(ctx: Context) -> list[Finding]:
    """Free space where the database lives."""
    folder = _existing_parent(ctx.settings.storage.path)
    free = shutil.disk_usage(folder).free
    text = f"{free / 1e6:,.0f} MB free on {folder}"
    if free < DISK_FAIL_BYTES:
        return [Finding("disk", FAIL, text, "free space now: presses are refused when full")]
    if free < DISK_WARN_BYTES:
        return [Finding("disk", WARN, text, "free some space soon (old logs, old files)")]
    return [Finding("disk", OK, text)]


def check_clock(ctx: Context) -> list[Finding]:
    """The wall clock is NTP-synchronised (a Pi has no real-time clock)."""
    if ctx.clock.synchronized():
        return [Finding("clock", OK, "synchronised by NTP")]
    return [
        Finding(
            "clock",
            WARN,
            "not synchronised: times of new ratings are repaired once it is",
            "connect the network and run `sudo timedatectl set-ntp true`",
        )
    ]


CHECKS: list[Check] = [check_settings, check_database, check_disk, check_clock]


def run(ctx: Context, checks: list[Check] | None = None) -> list[Finding]:
    """Every check's findings, in order; a crashing check is itself a finding."""
    found: list[Finding] = []
    for check in checks or CHECKS:
        try:
            found += check(ctx)
        except Exception as exc:  # doctor must report, not crash
            found.append(Finding(check.__name__.removeprefix("check_"), FAIL, repr(exc)))
    return found


def _database_fix(exc: StoreError) -> str:
    text = str(exc)
    if "damaged" in text:
        return "stop the kiosk and start it again: it moves the damaged file aside"
    if "belongs to device" in text or "newer Hymiö" in text or "older Hymiö" in text:
        return "see the message above"
    return "check the file's permissions and the disk"


def _files_of(path: Path) -> list[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


def _existing_parent(path: Path) -> Path:
    for folder in (path, *path.parents):
        if folder.exists():
            return folder
    return Path("/")
