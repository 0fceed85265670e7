"""``hymio sync --once`` on a full disk: one line that says so (which file, how much is
free), exit code 1 (this machine failed), and nothing HQ acknowledged is lost or sent twice
once there is space again. The disks are real ones that fill up: small tmpfs mounts (CI
runs as root, like the kiosk's installer)."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from kiosk.store.store import Store
from tests.conftest import fill, tmpfs
from tests.sync.conftest import kiosk_context, press, sync_once, write_settings

# Room for sync's own notes (a few WAL frames), not for marking a batch of 1000 ratings.
ROOM = 64 * 1024


@pytest.fixture
def disk(tmp_path):
    """A 16 MiB tmpfs: room for a backlog and its WAL, then filled up."""
    with tmpfs(tmp_path / "disk", "16m") as mount:
        yield mount


def one_line(run: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stdout + run.stderr
    return lines[0]


def test_a_full_disk_under_a_running_kiosk(hq_process, disk, kiosk_clock):
    # The kiosk holds the store open (its -wal and -shm exist), so sync opens it, sends,
    # and fails when it writes down what HQ acknowledged: SQLite's COMMIT cannot grow
    # the WAL (this was a raw sqlite3.OperationalError traceback).
    db = disk / "ratings.db"
    settings = write_settings(disk.parent, hq_process.url, hq_process.token, db)
    with Store(db, kiosk_context(), clock=kiosk_clock) as kiosk:
        made = []
        for _ in range(3000):
            kiosk_clock.advance(7)
            made.append(kiosk.record(3, "button").id)
        kiosk.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # any write grows the WAL
        filler = fill(disk)
        os.truncate(filler, filler.stat().st_size - ROOM)
        run = sync_once(settings)
        line = one_line(run)
        assert run.returncode == 1, line
        assert line.startswith("hymio: could not mark ratings as synced: "), line
        assert f"the disk holding {db} is full; free some space" in line, line
        assert re.search(r"; [\d.]+ (bytes|KiB) free$", line), line
        report = json.loads(sync_once(settings, "--json").stdout)
        assert report["ok"] is False and "is full" in report["error"]
        assert kiosk.pending_count() == len(made)  # what HQ took is sent again, not lost
        filler.unlink()
        again = sync_once(settings)
        assert again.returncode == 0, again.stdout + again.stderr
        assert kiosk.pending_count() == 0
    assert set(hq_process.ids()) == set(made)  # each once: HQ dropped what came again


def test_a_full_disk_with_no_kiosk_running(hq_process, disk, kiosk_clock):
    # No -shm to share: SQLite cannot make one and says "disk I/O error"; the line
    # says the disk is full instead of blaming the SD card.
    db = disk / "ratings.db"
    settings = write_settings(disk.parent, hq_process.url, hq_process.token, db)
    with Store(db, kiosk_context(), clock=kiosk_clock) as kiosk:
        press(kiosk, 50)
    fill(disk)
    run = sync_once(settings, "--json")
    line = one_line(run)
    assert run.returncode == 1
    assert f"could not open the database: the disk holding {db} is full; " in line, line
    assert re.search(r"; [\d.]+ (bytes|KiB) free$", line), line
    assert json.loads(run.stdout)["outcome"] == "store_failed"
