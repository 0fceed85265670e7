"""What a rating looks like on the wire to HQ (SPEC §2, §5), and how ratings are batched.

HQ refuses a batch of more than 1000 ratings or 1 MiB, so batches are cut at whichever
comes first, measured on the exact bytes that are sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from kiosk.rating import Rating

MAX_RATINGS = 1000
MAX_BYTES = 1024 * 1024
WIRE_FIELDS = (
    "id", "device_id", "store_id", "database_id", "seq", "survey_id", "question_id",
    "config_version", "scale", "score", "source", "reason", "recorded_at", "clock_synced",
    "boot_id", "mono_ns", "flag",
)  # fmt: skip
_ENVELOPE = len(b'{"ratings":[]}')


def to_wire(rating: Rating) -> dict[str, Any]:
    """The rating as HQ takes it: every SPEC §2 field but the device's own bookkeeping."""
    return {name: getattr(rating, name) for name in WIRE_FIELDS}


def encode(rating: Rating) -> bytes:
    """One rating as compact JSON."""
    return json.dumps(to_wire(rating), separators=(",", ":"), ensure_ascii=False).encode()


class Batch:
    """Ratings to post together, and the request body that carries them."""

    def __init__(self, ratings: Sequence[Rating], parts: Sequence[bytes]):
        self.ratings = list(ratings)
        self.parts = list(parts)

    def __len__(self) -> int:
        return len(self.ratings)

    @property
    def body(self) -> bytes:
        """``{"ratings":[...]}`` as sent."""
        return b'{"ratings":[' + b",".join(self.parts) + b"]}"

    def without(self, index: int) -> Batch:
        """The batch less the rating at *index* (one HQ refused by name)."""
        return Batch(
            self.ratings[:index] + self.ratings[index + 1 :],
            self.parts[:index] + self.parts[index + 1 :],
        )

    def halves(self) -> tuple[Batch, Batch]:
        """The first and the second half (a proxy in between may take less than HQ)."""
        mid = len(self.ratings) // 2
        return (
            Batch(self.ratings[:mid], self.parts[:mid]),
            Batch(self.ratings[mid:], self.parts[mid:]),
        )


def batches(
    ratings: Sequence[Rating], max_ratings: int = MAX_RATINGS, max_bytes: int = MAX_BYTES
) -> Iterator[Batch]:
    """Cut *ratings* (oldest first) into batches within HQ's limits, keeping the order."""
    chosen: list[Rating] = []
    parts: list[bytes] = []
    size = _ENVELOPE
    for rating in ratings:
        part = encode(rating)
        extra = len(part) + (1 if parts else 0)
        if chosen and (len(chosen) >= max_ratings or size + extra > max_bytes):
            yield Batch(chosen, parts)
            chosen, parts, size = [], [], _ENVELOPE
            extra = len(part)
        chosen.append(rating)
        parts.append(part)
        size += extra
    if chosen:
        yield Batch(chosen, parts)
