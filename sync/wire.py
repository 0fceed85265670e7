"""What a rating looks like on the wire to HQ (SPEC §2, §5), and how ratings are batched.

HQ refuses a batch of more than 1000 ratings or 1 MiB, so batches are cut at whichever
comes first, measured on the exact bytes that are sent (before gzip: HQ's limit holds
for the unpacked body).

The uploader has SQLite write each rating's JSON (:func:`unsent`, ``json_object`` in C)
instead of building a :class:`Rating` and encoding it in Python: a fifth of the time for
the same JSON, which is most of what sync itself spends on a backlog.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.rating import Rating
from kiosk.store.store import Store

MAX_RATINGS = 1000
MAX_BYTES = 1024 * 1024
WIRE_FIELDS = (
    "id", "device_id", "store_id", "database_id", "seq", "survey_id", "question_id",
    "config_version", "scale", "score", "source", "reason", "recorded_at", "clock_synced",
    "boot_id", "mono_ns", "flag",
)  # fmt: skip
_ENVELOPE = len(b'{"ratings":[]}')


_BOOLEAN = {"clock_synced"}  # stored as 0/1
WIRE_JSON = (
    "id, seq, database_id, json_object("
    + ", ".join(
        f"'{name}', json(CASE WHEN {name} THEN 'true' ELSE 'false' END)"
        if name in _BOOLEAN
        else f"'{name}', {name}"
        for name in WIRE_FIELDS
    )
    + ")"
)


class Numbered(Protocol):
    """What the uploader needs of a rating it sends: which it is, to mark or hold it."""

    id: str
    seq: int
    database_id: str


@dataclass(frozen=True)
class Unsent:
    """A rating read for sending (:func:`unsent`)."""

    id: str
    seq: int
    database_id: str


def unsent(store: Store, limit: int, after: int = 0) -> list[tuple[Unsent, bytes]]:
    """The ratings of :meth:`Store.oldest_unsynced` (numbered after *after*), each with
    its wire JSON."""
    return [
        (Unsent(rid, seq, database), part.encode())
        for rid, seq, database, part in store.unsynced(WIRE_JSON, limit, after)
    ]


def to_wire(rating: Rating) -> dict[str, Any]:
    """The rating as HQ takes it: every SPEC §2 field but the device's own bookkeeping."""
    return {name: getattr(rating, name) for name in WIRE_FIELDS}


def encode(rating: Rating) -> bytes:
    """One rating as compact JSON."""
    return json.dumps(to_wire(rating), separators=(",", ":"), ensure_ascii=False).encode()


class Batch:
    """Ratings to post together, and the request body that carries them."""

    def __init__(self, ratings: Sequence[Numbered], parts: Sequence[bytes]):
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
    return cut([(r, encode(r)) for r in ratings], max_ratings, max_bytes)


def cut(
    encoded: Sequence[tuple[Numbered, bytes]],
    max_ratings: int = MAX_RATINGS,
    max_bytes: int = MAX_BYTES,
) -> Iterator[Batch]:
    """Cut already encoded ratings (oldest first) into batches within HQ's limits."""
    chosen: list[Numbered] = []
    parts: list[bytes] = []
    size = _ENVELOPE
    for rating, part in encoded:
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
