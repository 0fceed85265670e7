"""A rating: one press or tap, as stored on the device and sent to HQ (SPEC §2)."""

from __future__ import annotations

from typing import Any, NamedTuple

SOURCES = ("button", "touch")
# The database of ratings numbered before each kiosk database had an id of its own: a
# file made by Hymiö 0.1 keeps this id, and HQ puts the ratings it already had there.
LEGACY_DATABASE = "legacy"


class Rating(NamedTuple):
    """One stored press. ``flag`` is None when it counts in the metrics.

    A tuple: one is made for every press, after its commit and before the shopper is
    thanked, where a frozen dataclass's ``__init__`` (a ``setattr`` per field) took more
    than twice as long on the cold CPU a press wakes on.
    """

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
    database_id: str = LEGACY_DATABASE

    @classmethod
    def from_row(cls, row: tuple) -> Rating:
        """A rating from a row selected with :data:`COLUMNS`."""
        # SQLite keeps clock_synced as 0/1.
        return cls(*row[:_SYNCED], bool(row[_SYNCED]), *row[_SYNCED + 1 :])

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready."""
        return self._asdict()


COLUMNS = ", ".join(Rating._fields)
_SYNCED = Rating._fields.index("clock_synced")
