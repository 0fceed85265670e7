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
from kiosk.store import salvage
from kiosk.store.store import Store
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


def all_rows(path: Path) -> dict[int, tuple]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(f"SELECT {', '.join(salvage.COLUMNS)} FROM ratings").fetchall()
    finally:
        conn.close()
    return {
        r[0]: tuple(
            None if c == "followup_until_ns" else v for c, v in zip(salvage.COLUMNS, r, strict=True)
        )
        for r in rows
    }


def test_a_damaged_database_is_moved_aside_salvaged_and_a_new_one_started(db_path, clock):
    record_many(db_path, clock, score=2)
    original = all_rows(db_path)
    with Store(db_path, make_context(), clock=clock) as s:
        old_id = s.database_id
    damage(db_path)
    damaged = db_path.read_bytes()
    with Store(db_path, make_context(), clock=clock) as s:
        assert len(s.reports) == 1
        assert "was damaged" in s.reports[0] and "salvaged" in s.reports[0]
        [event] = s.events()
        assert event["kind"] == "database_replaced"
        assert event["message"] == s.reports[0]
        assert s.count() == 0
        # A new database: its own id, seq from 1 (HQ keeps seq per database).
        assert s.database_id != old_id
        new = s.record(4, "touch")
        assert new.seq == 1 and new.database_id == s.database_id
    aside = corrupt_files(db_path.parent)
    assert [p.read_bytes() for p in aside if not p.name.endswith(("-wal", "-shm"))] == [damaged]
    [archive] = salvage.archives(db_path)
    assert archive.name == f"ratings.db.salvaged-{old_id}"
    rescued = all_rows(archive)
    # Every rescued row is the row as it was; only the one damaged leaf page is lost,
    # a run of consecutive seqs no longer than a page holds.
    assert all(rescued[seq] == original[seq] for seq in rescued)
    lost = sorted(set(original) - set(rescued))
    assert 0 < len(lost) < 60 and lost == list(range(lost[0], lost[-1] + 1))
    with Store(archive, make_context(), clock=clock, recover=False) as a:
        assert a.database_id == old_id and a.pending_count() == len(rescued)


def test_a_damaged_header_loses_nothing_even_what_was_only_in_the_wal(db_path, clock):
    # The kiosk died (power cut) with the newest rows only in the -wal file; then the
    # card damaged the first block of both files: SQLite cannot open the database, and
    # would ignore the WAL.
    record_many(db_path, clock, score=3, n=500)
    copy = db_path.with_name("copy.db")
    with Store(db_path, make_context(), clock=clock) as s:
        for _ in range(40):
            clock.advance(60)
            s.record(1, "button")
        s.mark_synced([r[0] for r in s.read("SELECT id FROM ratings WHERE seq <= 300")], "x")
        for suffix in ("", "-wal"):  # as the power cut left them
            Path(f"{copy}{suffix}").write_bytes(Path(f"{db_path}{suffix}").read_bytes())
        expected = {r[0]: r for r in s.read(f"SELECT {', '.join(salvage.COLUMNS)} FROM ratings")}
        old_id = s.database_id
    assert Path(f"{copy}-wal").stat().st_size > 0
    damage_header(copy)
    with open(f"{copy}-wal", "r+b") as f:
        f.write(os.urandom(32))
    with Store(copy, make_context(), clock=clock) as s:
        assert "540 rating(s) were salvaged" in s.reports[0]
    [archive] = salvage.archives(copy)
    rescued = all_rows(archive)
    assert set(rescued) == set(expected) == set(range(1, 541))
    assert all(
        rescued[q]
        == tuple(
            None if c == "followup_until_ns" else v
            for c, v in zip(salvage.COLUMNS, expected[q], strict=True)
        )
        for q in rescued
    )
    assert sum(1 for r in rescued.values() if r[salvage.COLUMNS.index("synced_at")]) == 300
    assert {r[-1] for r in rescued.values()} == {old_id}


def test_a_new_database_keeps_its_id_across_restarts(db_path, clock):
    record_many(db_path, clock, score=3, n=50)
    damage_header(db_path)
    with Store(db_path, make_context(), clock=clock) as s:
        first_id = s.database_id
    with Store(db_path, make_context(), clock=clock) as s:
        assert s.reports == [] and s.database_id == first_id
        clock.advance(60)
        assert s.record(3, "touch").seq == 1


def damage_header(path: Path) -> None:
    with open(path, "r+b") as f:
        f.write(os.urandom(100))


def test_a_file_that_is_not_a_database_is_kept_and_replaced(db_path, clock):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not sqlite" * 100)
    with Store(db_path, make_context(), clock=clock) as s:
        assert "not a database" in s.reports[0]
        assert s.record(3, "touch").seq == 1
    [aside] = corrupt_files(db_path.parent)
    assert aside.read_bytes() == b"this is not sqlite" * 100


def test_without_recovery_a_damaged_file_is_an_error_and_stays_put(db_path, clock):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(uuid.uuid4().bytes * 512)
    for readonly in (False, True):
        with pytest.raises(StoreCorruptError, match="damaged"):
            Store(db_path, make_context(), clock=clock, recover=False, readonly=readonly)
    assert corrupt_files(db_path.parent) == []
