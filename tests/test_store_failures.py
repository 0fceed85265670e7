"""When the disk is full, read-only or the file is damaged: a clear error, nothing lost.

The full and read-only disks are real: a small tmpfs mounted for the test (CI runs as
root, like the kiosk's installer). The injected SQLITE_FULL uses SQLite's own
``max_page_count`` limit, so it runs anywhere.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest

from kiosk.errors import StoreCorruptError, StoreWriteError
from kiosk.store import Store
from tests.conftest import fill, make_context


def test_a_full_disk_refuses_the_press_with_a_clear_error(tiny_disk, clock):
    store = Store(tiny_disk / "ratings.db", make_context(), clock=clock)
    kept = []
    for _ in range(5):
        clock.advance(60)
        kept.append(store.record(3, "button").id)
    filler = fill(tiny_disk)
    refused = 0
    with pytest.raises(StoreWriteError, match="the disk holding .*ratings.db is full; free"):
        for _ in range(500):  # the WAL may still have room for a few pages
            clock.advance(60)
            kept.append(store.record(3, "button").id)
    refused += 1
    # Space comes back: recording goes on, with no gap in seq and every kept id there.
    filler.unlink()
    clock.advance(60)
    kept.append(store.record(4, "button").id)
    seqs = [r[0] for r in store.read("SELECT seq FROM ratings ORDER BY seq")]
    assert seqs == list(range(1, len(kept) + 1))
    assert [r[0] for r in store.read("SELECT id FROM ratings ORDER BY seq")] == kept
    assert refused == 1
    store.close()


def test_a_read_only_file_system_is_a_clear_error_at_start(tiny_disk, clock):
    # Linux refuses to remount a file system read-only while a file on it is open for
    # writing, so the kiosk meets a read-only disk when it starts (an SD card that the
    # kernel remounted read-only after errors, then a reboot).
    with Store(tiny_disk / "ratings.db", make_context(), clock=clock) as store:
        first = store.record(3, "button")
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    try:
        with pytest.raises(StoreWriteError, match=r"read-only"):
            Store(tiny_disk / "ratings.db", make_context(), clock=clock)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=True)
    with Store(tiny_disk / "ratings.db", make_context(), clock=clock) as store:
        assert [r.id for r in store.oldest_unsynced(10)] == [first.id]


def test_an_injected_sqlite_full_is_a_clear_error_and_changes_nothing(store, clock):
    store.record(3, "button")
    pages = store.read("PRAGMA page_count")[0][0]
    store.db.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreWriteError, match="is full; free some space") as caught:
        for _ in range(2000):
            clock.advance(60)
            store.record(3, "button")
    assert isinstance(caught.value, OSError)  # callers may catch it as an OSError too
    count = store.count()
    store.db.conn.execute("PRAGMA max_page_count = 1073741823")
    assert store.record(1, "touch").seq == count + 1


def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path, clock):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StoreWriteError, match="cannot create the folder of"):
        Store(blocker / "ratings.db", make_context(), clock=clock)


def damage(path: Path) -> None:
    """Overwrite one leaf page in the middle of the ratings table with garbage, as a
    failing SD card would: ``quick_check`` fails, the last rows stay readable."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    leaves = [
        r[0]
        for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'ratings' AND pagetype = 'leaf' ORDER BY pageno"
        )
    ]
    conn.close()
    assert len(leaves) > 10, "the test needs a table of many pages"
    with open(path, "r+b") as f:
        f.seek((leaves[len(leaves) // 2] - 1) * page_size)
        f.write(os.urandom(page_size))


def corrupt_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if ".corrupt-" in p.name)


def record_many(db_path: Path, clock, score: int, n: int = 3000) -> None:
    """A store file of *n* ratings, checkpointed so that every row is in the main file."""
    with Store(db_path, make_context(), clock=clock) as s:
        for _ in range(n):
            clock.advance(60)
            s.record(score, "touch")
        s.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_a_damaged_database_is_moved_aside_and_a_new_one_started(db_path, clock):
    record_many(db_path, clock, score=2)
    original = db_path.read_bytes()
    damage(db_path)
    damaged = db_path.read_bytes()
    assert damaged != original
    with Store(db_path, make_context(), clock=clock) as s:
        assert len(s.reports) == 1
        assert "was damaged" in s.reports[0] and "sqlite3" in s.reports[0]
        [event] = s.events()
        assert event["kind"] == "database_replaced"
        assert event["message"] == s.reports[0]
        assert s.count() == 0
        new = s.record(4, "touch")
    aside = corrupt_files(db_path.parent)
    assert [p.read_bytes() for p in aside if not p.name.endswith(("-wal", "-shm"))] == [damaged]
    # The new file numbers on after the old one's last seq: HQ will see the lost
    # ratings as a gap, not two ratings with the same seq.
    assert "last seq was 3000" in s.reports[0]
    assert new.seq == 3001


def test_a_file_that_is_not_a_database_is_kept_and_replaced(db_path, clock):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not sqlite" * 100)
    with Store(db_path, make_context(), clock=clock) as s:
        assert "not a database" in s.reports[0]
        assert s.record(3, "touch").seq == 1
    [aside] = corrupt_files(db_path.parent)
    assert aside.read_bytes() == b"this is not sqlite" * 100


def test_the_seq_floor_survives_a_restart(db_path, clock):
    record_many(db_path, clock, score=3)
    damage(db_path)
    Store(db_path, make_context(), clock=clock).close()  # replaced, nothing recorded yet
    with Store(db_path, make_context(), clock=clock) as s:
        assert s.reports == []
        assert s.last_seq() == 3000
        clock.advance(60)
        assert s.record(3, "touch").seq == 3001


def test_without_recovery_a_damaged_file_is_an_error_and_stays_put(db_path, clock):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(uuid.uuid4().bytes * 512)
    for readonly in (False, True):
        with pytest.raises(StoreCorruptError, match="damaged"):
            Store(db_path, make_context(), clock=clock, recover=False, readonly=readonly)
    assert corrupt_files(db_path.parent) == []
