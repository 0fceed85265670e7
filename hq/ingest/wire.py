"""The wire format of the HQ API (SPEC §2, §5), validated strictly with pydantic.

Strict means: no coercion (``"3"`` is not a score, ``1`` is not ``true``), no unknown
keys, every field present. What a kiosk sends is what HQ stores, so a re-sent rating can
be compared field by field.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hq.ingest.json_depth import too_deep
from kiosk.counting.flags import FLAGS
from kiosk.counting.scales import SCALES
from kiosk.rating import LEGACY_DATABASE
from kiosk.settings.survey import ID_PATTERN, REASON_PATTERN
from kiosk.timekeeping.localtime import parse_utc_text, to_utc_text

CANONICAL_LENGTH = len("2026-11-22T15:16:24.123456+00:00")
MAX_BATCH = 1000
MAX_BODY = 1024 * 1024
MAX_COUNT = 2**31 - 1  # ratings a device holds or has to send (an integer column)
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
ISO_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"


def _utc_text(value: str) -> str:
    """*value* (already matching ISO_PATTERN) in the one stored form, UTC with microseconds."""
    # What kiosks send is already the stored form: it needs only to be a real time, and
    # rewriting it would cost a third of the validation of a batch.
    if len(value) == CANONICAL_LENGTH and value[19] == "." and value.endswith("+00:00"):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            pass  # not a real time: said below, as for any other form
        else:
            return value
    try:
        instant = parse_utc_text(value)
    except ValueError:
        raise ValueError(
            "must be a real ISO 8601 time with a UTC offset, e.g. 2026-11-22T15:16:24+00:00"
        ) from None
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00 is in the year 0 in UTC
        raise ValueError("must be between the years 1 and 9999 in UTC") from None
    return to_utc_text(instant)


def _plain(value: object, where: str = "") -> None:
    """Refuse what a JSON body can carry but no database column can: a NUL byte or a lone
    surrogate in a string or a key, or a number JSON has no word for (Infinity, NaN)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{where or 'a string'} must not contain a NUL byte")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                f"{where or 'a string'} is not valid Unicode (a lone surrogate)"
            ) from None
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where or 'a number'} must be a finite number, not {value}")
    elif isinstance(value, dict):
        for key, item in value.items():
            _plain(key, "a key")
            _plain(item, key if isinstance(key, str) and key.isprintable() else where)
    elif isinstance(value, list):
        for item in value:
            _plain(item, where)


def _plain_text(value: str) -> str:
    _plain(value)
    return value


Text = Annotated[str, AfterValidator(_plain_text)]
SCORES = {name: (sc.low, sc.high) for name, sc in SCALES.items()}  # checked for every rating
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def _served_day(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be a day from {FIRST_DAY} to {LAST_DAY}")
    return value


# A day of a report or an export: its local bounds, a day either side, are real times.
Day = Annotated[date, AfterValidator(_served_day)]  # free text: no NUL, valid Unicode
Ident = Annotated[str, Field(pattern=ID_PATTERN)]
Timestamp = Annotated[
    str,
    Field(max_length=40, pattern=ISO_PATTERN, json_schema_extra={"format": "date-time"}),
    AfterValidator(_utc_text),
]


class Strict(BaseModel):
    """Strict, closed models: no coercion, no unknown keys."""

    model_config = ConfigDict(strict=True, extra="forbid")


class RatingIn(Strict):
    """One rating as a kiosk sends it (SPEC §2, without the device's sync bookkeeping)."""

    id: Annotated[str, Field(pattern=UUID, description="UUIDv7, lower-case")]
    device_id: Ident
    store_id: Ident
    database_id: Annotated[
        str,
        Field(
            pattern=ID_PATTERN,
            description="the kiosk database that numbered it; kiosks before 0.2 send none",
        ),
    ] = LEGACY_DATABASE
    seq: Annotated[int, Field(ge=1, le=2**62, description="gapless within database_id")]
    survey_id: Ident
    question_id: Ident
    config_version: Annotated[int, Field(ge=0, le=2**31 - 1)]
    scale: Literal[tuple(SCALES)]  # type: ignore[valid-type]
    score: Annotated[int, Field(ge=0, le=10)]
    source: Literal["button", "touch"]
    reason: Annotated[str, Field(pattern=REASON_PATTERN)] | None
    recorded_at: Timestamp
    clock_synced: bool
    boot_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
    mono_ns: Annotated[int, Field(ge=0, le=2**63 - 1)]
    flag: Literal[FLAGS] | None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _score_on_scale(self) -> RatingIn:
        if not SCORES[self.scale][0] <= self.score <= SCORES[self.scale][1]:
            sc = SCALES[self.scale]
            raise ValueError(
                f"score {self.score} is not on the {sc.name} scale ({sc.low}–{sc.high})"
            )
        return self


class Batch(Strict):
    """``POST /api/v1/ratings``: at most 1000 ratings and 1 MiB."""

    ratings: Annotated[list[RatingIn], Field(max_length=MAX_BATCH)]


class Accepted(BaseModel):
    """How many ratings of the batch were new, and how many HQ already had (of those, how
    many came again with their clock repaired, and were updated)."""

    accepted: int
    duplicates: int
    repaired: int = 0


class DatabaseStatus(Strict):
    """One of the device's databases as the device sees it: the last ``seq`` it numbered,
    what it has still to send, and what it holds because HQ refused it (with the reason)."""

    database_id: Ident
    first_seq: Annotated[int, Field(ge=1, le=2**62)] = 1
    last_seq: Annotated[int, Field(ge=0, le=2**62)]
    pending: Annotated[int, Field(ge=0, le=MAX_COUNT)] = 0
    oldest_pending_at: Timestamp | None = None
    held: Annotated[int, Field(ge=0, le=MAX_COUNT)] = 0
    held_reason: Annotated[Text, Field(max_length=500)] | None = None
    held_at: Annotated[list[Timestamp], Field(max_length=50)] = []


class LastUpdate(BaseModel):
    """The outcome of the kiosk's last update (``hymio update``): ``updated``,
    ``rolled_back``, ``refused`` or ``failed``, of which release, when, and why."""

    model_config = ConfigDict(strict=True, extra="ignore")
    outcome: Annotated[Text, Field(max_length=20)]
    version: Annotated[Text, Field(max_length=40)] | None = None
    at: Timestamp | None = None
    detail: Annotated[Text, Field(max_length=500)] | None = None


class Heartbeat(BaseModel):
    """``POST /api/v1/heartbeat``: what the device says about itself. All fields optional.

    The known fields are checked strictly; unknown ones are kept as sent, so a kiosk that
    is updated before HQ can still report (a status is information, not data).
    """

    model_config = ConfigDict(strict=True, extra="allow")
    version: Annotated[Text, Field(max_length=40)] | None = None
    pending: Annotated[int, Field(ge=0, le=MAX_COUNT)] | None = None
    oldest_pending_at: Timestamp | None = None
    last_seq: Annotated[int, Field(ge=0, le=2**62)] | None = None
    last_error: Annotated[Text, Field(max_length=500)] | None = None
    clock_synced: bool | None = None
    clock: Annotated[Text, Field(max_length=40)] | None = None
    uptime: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    disk_free: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None
    cpu_temperature: Annotated[float, Field(ge=-273.15, le=1000, allow_inf_nan=False)] | None = None
    stuck_buttons: Annotated[list[int], Field(max_length=10)] | None = None
    quarantined: Annotated[int, Field(ge=0, le=MAX_COUNT)] | None = (
        None  # held ratings (the old name)
    )
    database_id: Ident | None = None
    databases: Annotated[list[DatabaseStatus], Field(max_length=20)] | None = None
    release: Annotated[Text, Field(max_length=40)] | None = None  # the running release
    wanted_release: Annotated[Text, Field(max_length=40)] | None = None  # as HQ last said
    last_update: LastUpdate | None = None

    @model_validator(mode="after")
    def _plain_extras(self) -> Heartbeat:
        _plain(self.model_extra or {})
        return self


class HeartbeatAck(BaseModel):
    """HQ's answer to a heartbeat: its own clock, so the device can tell how far it is off."""

    ok: bool
    server_time: str


class ErrorDetail(BaseModel):
    """What went wrong: a stable code for programs, a sentence for people, and the rating
    it is about when one rating of a batch breaks the wire contract (the kiosk holds just
    that one, SPEC §6)."""

    code: str
    message: str
    rating_id: str | None = None


class ErrorBody(BaseModel):
    """SPEC §5's error shape."""

    error: ErrorDetail


def loose_json(body: bytes) -> object:
    """*body* parsed as JSON if it is (and not nested too deep to parse without deep
    recursion), else None: what an error message may quote from."""
    if too_deep(body):
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None
