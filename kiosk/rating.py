"""A rating: one press or tap, as stored on the device and sent to HQ (SPEC §2)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

SOURCES = ("button", "touch")


@dataclass(frozen=True)
class Rating:
    """One stored press. ``flag`` is None when it counts in the metrics."""

    seq: int
    id: str
    device_id: str
    store_id: str
    survey_id: str
    question_id: str
    config_version: int
    scale: str
    score: int
    source: str
    reason: str | None
    recorded_at: str
    clock_synced: bool
    boot_id: str
    mono_ns: int
    flag: str | None
    followup_until_ns: int | None
    synced_at: str | None

    @classmethod
    def from_row(cls, row: tuple) -> Rating:
        """A rating from a row selected with :data:`COLUMNS`."""
        rating = cls(*row)
        return rating if isinstance(rating.clock_synced, bool) else _with_bool(rating)

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready."""
        return asdict(self)


def _with_bool(rating: Rating) -> Rating:
    return Rating(**{**asdict(rating), "clock_synced": bool(rating.clock_synced)})


COLUMNS = ", ".join(f.name for f in fields(Rating))
