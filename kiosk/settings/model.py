"""The kiosk settings (SPEC §4) as frozen, strict pydantic models, one per TOML table.

Every field has a default that works, except ``hq.url`` and ``hq.token`` (needed only for
sync). Strict: ``"17"`` is not a pin and ``true`` is not a number; an unknown key is an
error. Reading the file and turning validation errors into one clear
:class:`~kiosk.errors.SettingsError` is :mod:`kiosk.settings.load`'s job.
"""

from __future__ import annotations

import functools
import json
import re
import socket
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)

from kiosk import pin as staff_pin
from kiosk.settings.base import Table
from kiosk.settings.buttons import Buttons
from kiosk.settings.survey import (
    ID_PATTERN,
    Identifier,
    Survey,
)
from kiosk.timekeeping.hours import WEEKDAYS, Ranges, is_within, parse_ranges

TOKEN_PATTERN = r"^\S+$"  # noqa: S105 (a pattern, not a password)


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_zone(name: str) -> str:
    if name not in _zones():
        raise ValueError(
            f"{name!r} is not an IANA time zone; use a name like 'Europe/Helsinki' or"
            " 'Europe/Stockholm'"
        )
    return name


def _default_device_id() -> str:
    name = socket.gethostname()
    return name if re.match(ID_PATTERN, name) else "kiosk"


class Device(Table):
    """``[device]``: who this kiosk is and where it stands."""

    id: Identifier = Field(default_factory=_default_device_id, description="this kiosk's id")
    store_id: Identifier = Field("store", description="the store's id at HQ")
    timezone: Annotated[str, AfterValidator(_check_zone)] = Field(
        "Europe/Helsinki", description="IANA zone: the store's days and hours"
    )
    rotation: Literal[0, 90, 180, 270] = Field(0, description="screen rotation, degrees")
    display: Annotated[str, Field(pattern=r"^(auto|card\d{1,2}|[A-Za-z0-9]+(-[A-Za-z0-9]+)*)$")] = (
        Field(
            "auto",
            description="the screen to draw on: auto (the first DRM card with a connected "
            "screen), a card (card1) or a connector (DSI-2, HDMI-A-1)",
        )
    )

    @property
    def tz(self) -> ZoneInfo:
        """The store's time zone."""
        return ZoneInfo(self.timezone)


def _check_url(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not a web address; write it like 'https://hq.example.com'")
    return url.rstrip("/")


RELEASE_KEY_PATTERN = r"^ed25519:[A-Za-z0-9+/]{43}=$"


class HQ(Table):
    """``[hq]``: where sync uploads to. Without url and token the ratings stay local."""

    url: Annotated[str | None, AfterValidator(_check_url)] = Field(None, description="HQ base URL")
    token: str | None = Field(
        None,
        repr=False,
        min_length=1,
        max_length=256,
        pattern=TOKEN_PATTERN,
        description="this device's token, printed once by `hymio hq add-device`",
    )
    interval: float = Field(60.0, ge=5, le=86400, description="seconds between uploads")
    heartbeat_interval: float = Field(300.0, ge=30, le=86400, description="seconds between reports")
    backoff_cap: float = Field(
        600.0, ge=10, le=86400, description="longest wait after failed uploads (seconds)"
    )
    release_key: str | None = Field(
        None,
        pattern=RELEASE_KEY_PATTERN,
        description="the public release key (`hymio release keygen`): `hymio update` installs"
        " only releases signed with it",
    )


def _db_path(value: Any, info: ValidationInfo) -> Path:
    if isinstance(value, Path):
        return _a_file(value, value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a file path in quotes, not {value!r}")
    path = Path(value).expanduser()
    base = (info.context or {}).get("base")
    path = path if path.is_absolute() or base is None else Path(base) / path
    return _a_file(path, value)


def _a_file(path: Path, written: Any) -> Path:
    # SQLite calls a folder a "disk I/O error"; say what it is (the folder may be meant).
    written = str(written)
    if path.is_dir() or written.endswith("/"):
        where = "" if str(path) == written.rstrip("/") else f" ({path})"
        example = json.dumps(written.rstrip("/") + "/ratings.db", ensure_ascii=False)
        raise ValueError(
            f"{json.dumps(written, ensure_ascii=False)} is a folder{where}, not a database "
            f"file; name the file in it, e.g. path = {example}"
        )
    return path


class Storage(Table):
    """``[storage]``: the SQLite file; a relative path is relative to the settings file."""

    path: Annotated[Path, BeforeValidator(_db_path)] = Field(
        Path("/var/lib/hymio/ratings.db"), description="the ratings database"
    )


class Behaviour(Table):
    """``[behaviour]``: which presses count, and how long screens stay (seconds)."""

    repeat_window: float = Field(6.0, ge=0, le=3600, description="a press this soon is a repeat")
    thank_you: float = Field(3.0, ge=0.5, le=30, description="thank-you screen; presses lock out")
    stuck_after: float = Field(10.0, ge=1, le=600, description="a button held this long is stuck")
    idle_timeout: float = Field(30.0, ge=5, le=3600, description="back to the faces after this")
    dim_after: float = Field(
        300.0,
        ge=0,
        le=86400,
        description="idle seconds to attract mode (open) or a dark screen (closed)",
    )


Day = Annotated[Ranges, BeforeValidator(parse_ranges)]


def _check_days(value: dict[str, Ranges]) -> dict[str, Ranges]:
    for day in value:
        try:
            ok = date.fromisoformat(day).isoformat() == day
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{day!r} is not a day; write it as YYYY-MM-DD, e.g. 2026-12-24")
    return value


class Hours(Table):
    """``[hours]``: opening hours per weekday, "08:00-21:00", a list of ranges, or "closed"."""

    mon: Day = Field("00:00-24:00", description="opening hours on Mondays")
    tue: Day = Field("00:00-24:00", description="opening hours on Tuesdays")
    wed: Day = Field("00:00-24:00", description="opening hours on Wednesdays")
    thu: Day = Field("00:00-24:00", description="opening hours on Thursdays")
    fri: Day = Field("00:00-24:00", description="opening hours on Fridays")
    sat: Day = Field("00:00-24:00", description="opening hours on Saturdays")
    sun: Day = Field("00:00-24:00", description="opening hours on Sundays")
    exceptions: Annotated[dict[str, Day], AfterValidator(_check_days)] = Field(
        default_factory=dict,
        description='days with other hours than their weekday\'s: "YYYY-MM-DD" = hours'
        ' (a holiday: "closed"); HQ sets them from the store\'s page',
    )

    def is_open(self, local: datetime) -> bool:
        """Whether the store is open at the wall-clock time *local* (store's zone): that
        day's exception if it has one, else its weekday's hours."""
        ranges = self.exceptions.get(local.date().isoformat())
        if ranges is None:
            ranges = getattr(self, WEEKDAYS[local.weekday()])
        return is_within(ranges, local)


def _check_hash(value: str | None) -> str | None:
    if value is not None and not staff_pin.is_valid_hash(value):
        raise ValueError("is not a PIN hash; make one with `python -m kiosk.pin`")
    return value


class Staff(Table):
    """``[staff]``: the staff PIN (hashed) and how staff mode opens."""

    pin_hash: Annotated[str | None, AfterValidator(_check_hash)] = Field(
        None, repr=False, description="the staff PIN's hash; set it with `hymio set-pin`"
    )
    corner: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = "top-right"
    long_press: float = Field(3.0, ge=1, le=10, description="seconds to hold the corner")
    wrong_pin_limit: int = Field(5, ge=1, le=20, description="wrong PINs before the lockout")
    wrong_pin_lockout: float = Field(60.0, ge=1, le=3600, description="seconds the pad is locked")


class Settings(Table):
    """A whole settings file. ``source`` is the file it was read from."""

    device: Device = Field(default_factory=Device)
    hq: HQ = Field(default_factory=HQ)
    storage: Storage = Field(default_factory=Storage)
    survey: Survey = Field(default_factory=Survey)
    buttons: Buttons = Field(default_factory=Buttons)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    hours: Hours = Field(default_factory=Hours)
    staff: Staff = Field(default_factory=Staff)
    _source: Path = PrivateAttr(Path("kiosk.toml"))

    @model_validator(mode="after")
    def _remember_source(self, info: ValidationInfo) -> Settings:
        self._source = Path((info.context or {}).get("source", "kiosk.toml"))
        return self

    @property
    def source(self) -> Path:
        """The settings file these came from."""
        return self._source


TABLES = tuple(Settings.model_fields)
