"""Rescuing the ratings of a damaged store file (SPEC §6: nothing acknowledged is lost).

SQLite cannot open a file whose header is damaged, and stops at the first bad page of a
table, so the rows are read here from the pages themselves: every leaf page of a table
b-tree in the file and in its ``-wal`` (newer frames win), each cell's record decoded by
the file format (sqlite.org/fileformat2.html). Rows that look like this device's ratings
are kept; of several copies of one rating (old copies linger on freed pages) the most
advanced is taken (its follow-up answer, its repaired time, its sync mark).

The rescued ratings go into a new, healthy store file beside the original, one per kiosk
database, named ``<file>.salvaged-<database id>``; the sync process sends them from there
under their own database id, so HQ's per-database ``seq`` stays whole.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from kiosk.rating import LEGACY_DATABASE, SOURCES

MAGIC = b"SQLite format 3\x00"
PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)
LEAF_TABLE = 13
WAL_HEADER, WAL_FRAME_HEADER = 32, 24
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# The ratings table's columns in stored order (m001, then m004's database_id).
COLUMNS = (
    "seq", "id", "device_id", "store_id", "survey_id", "question_id", "config_version",
    "scale", "score", "source", "reason", "recorded_at", "clock_synced", "boot_id",
    "mono_ns", "flag", "followup_until_ns", "synced_at", "database_id",
)  # fmt: skip
SALVAGED = ".salvaged-"


def archives(path: Path) -> list[Path]:
    """The salvaged store files beside the store at *path*, oldest name first."""
    path = Path(path)
    found = path.parent.glob(f"{path.name}{SALVAGED}*")
    return sorted(p for p in found if not p.name.endswith(("-wal", "-shm", "-journal")))


def archive_path(store_path: Path, database_id: str) -> Path:
    """Where the salvaged ratings of *database_id* are kept, beside the store file."""
    return store_path.with_name(f"{store_path.name}{SALVAGED}{database_id}")


def by_database(rows: dict[str, dict]) -> dict[str, list[dict]]:
    """Rescued rows grouped by their database id, each group in ``seq`` order."""
    groups: dict[str, list[dict]] = {}
    for row in sorted(rows.values(), key=lambda r: r["seq"]):
        groups.setdefault(row["database_id"], []).append(row)
    return groups


def scan(damaged: Path, device_id: str) -> dict[str, dict]:
    """Every readable rating of *device_id* in *damaged* and its WAL, by rating id.

    The page size is the header's; when the header is damaged, each possible size is
    tried and the one that finds the most ratings wins.
    """
    return _scan(damaged, device_id)[0]


def first_seqs(damaged: Path, device_id: str) -> dict[str, int]:
    """Where each database of *damaged* starts (its ``databases`` table), where readable."""
    return _scan(damaged, device_id)[1]


def _scan(damaged: Path, device_id: str) -> tuple[dict[str, dict], dict[str, int]]:
    data, wal = _read(Path(damaged)), _read(Path(f"{damaged}-wal"))
    sizes = [_header_page_size(data)] if _header_page_size(data) else PAGE_SIZES
    found = [_scan_pages(_pages(data, wal, size), device_id) for size in sizes]
    return max(found, key=lambda f: len(f[0]))


def _scan_pages(pages, device_id: str) -> tuple[dict[str, dict], dict[str, int]]:
    best: dict[str, dict] = {}
    starts: dict[str, int] = {}
    for page, first in pages:
        for rowid, values in _leaf_records(page, first):
            row = _as_rating(rowid, values, device_id)
            if row is not None:
                best[row["id"]] = _merge(best.get(row["id"]), row)
            elif _is_database(values):  # a row of m005's databases table
                starts[values[0]] = values[1]
    return best, starts


def _is_database(values: list) -> bool:
    return (
        len(values) == 3
        and isinstance(values[0], str)
        and ID.fullmatch(values[0]) is not None
        and isinstance(values[1], int)
        and values[1] >= 1
        and isinstance(values[2], str | None)
    )


# --- pages -------------------------------------------------------------------------


def _pages(data: bytes, wal: bytes, size: int):
    """``(page bytes, is page 1)`` of the main file, then of the WAL (oldest frame first)."""
    for offset in range(0, len(data) - size + 1, size):
        yield data[offset : offset + size], offset == 0
    if len(wal) > WAL_HEADER:
        wal_size = struct.unpack(">I", wal[8:12])[0]
        if wal_size not in PAGE_SIZES:
            wal_size = size
        step = WAL_FRAME_HEADER + wal_size
        for offset in range(WAL_HEADER, len(wal) - step + 1, step):
            number = struct.unpack(">I", wal[offset : offset + 4])[0]
            yield wal[offset + WAL_FRAME_HEADER : offset + step], number == 1


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _header_page_size(data: bytes) -> int | None:
    """The page size the header gives, if the header is sane."""
    if data[:16] != MAGIC or len(data) < 100:
        return None
    size = struct.unpack(">H", data[16:18])[0]
    size = 65536 if size == 1 else size
    return size if size in PAGE_SIZES else None


def _leaf_records(page: bytes, first: bool):
    """``(rowid, values)`` of each cell of a table leaf page; damaged cells are skipped."""
    head = 100 if first else 0
    if len(page) < head + 8 or page[head] != LEAF_TABLE:
        return
    cells = struct.unpack(">H", page[head + 3 : head + 5])[0]
    usable = len(page)
    max_local = usable - 35
    for i in range(min(cells, (usable - head - 8) // 2)):
        at = head + 8 + 2 * i
        pointer = struct.unpack(">H", page[at : at + 2])[0]
        try:
            size, pos = _varint(page, pointer)
            rowid, pos = _varint(page, pos)
            if size > max_local or pos + size > usable:
                continue  # spills onto overflow pages: no rating is that long
            values = _record(page[pos : pos + size])
        except (IndexError, ValueError, struct.error, UnicodeDecodeError):
            continue
        yield rowid, values


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = buf[pos + i]
        if i == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    raise ValueError("varint too long")


INT_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}


def _record(payload: bytes) -> list:
    header_size, pos = _varint(payload, 0)
    if header_size > len(payload):
        raise ValueError("record header past the cell")
    types = []
    while pos < header_size:
        serial, pos = _varint(payload, pos)
        types.append(serial)
    values: list = []
    pos = header_size
    for serial in types:
        if serial == 0:
            values.append(None)
        elif serial in INT_SIZES:
            n = INT_SIZES[serial]
            values.append(int.from_bytes(payload[pos : pos + n], "big", signed=True))
            pos += n
        elif serial == 7:
            values.append(struct.unpack(">d", payload[pos : pos + 8])[0])
            pos += 8
        elif serial in (8, 9):
            values.append(serial - 8)
        elif serial >= 12:
            n = (serial - 12) // 2
            chunk = payload[pos : pos + n]
            values.append(chunk.decode() if serial % 2 else chunk)
            pos += n
        else:
            raise ValueError(f"reserved serial type {serial}")
        if pos > len(payload):
            raise ValueError("record past the cell")
    return values


# --- ratings -------------------------------------------------------------------------


def _as_rating(rowid: int, values: list, device_id: str) -> dict | None:
    """The rating a record holds, or None if it is not one of *device_id*'s ratings."""
    if len(values) == len(COLUMNS) - 1:
        values = [*values, LEGACY_DATABASE]  # written before m004 added database_id
    if len(values) != len(COLUMNS) or values[0] is not None or rowid < 1:
        return None
    row = dict(zip(COLUMNS, values, strict=True))
    row["seq"] = rowid
    texts = ("id", "store_id", "survey_id", "question_id", "scale", "recorded_at", "boot_id")
    ints = ("config_version", "score", "clock_synced", "mono_ns")
    if (
        row["device_id"] != device_id
        or not all(isinstance(row[k], str) for k in (*texts, "database_id"))
        or not all(isinstance(row[k], int) for k in ints)
        or not UUID.fullmatch(row["id"])
        or row["source"] not in SOURCES
        or row["clock_synced"] not in (0, 1)
        or not all(isinstance(row[k], str | None) for k in ("reason", "flag", "synced_at"))
    ):
        return None
    row["followup_until_ns"] = None  # the file was given up: its questions are closed
    return row


def _merge(have: dict | None, new: dict) -> dict:
    """The most advanced of two copies of one rating (newer pages come later)."""
    if have is None:
        return new
    merged = dict(new)
    merged["reason"] = new["reason"] or have["reason"]
    merged["synced_at"] = new["synced_at"] or have["synced_at"]
    if have["clock_synced"] and not new["clock_synced"]:
        merged["recorded_at"], merged["clock_synced"] = have["recorded_at"], 1
    return merged
