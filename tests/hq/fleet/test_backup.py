"""``hymio hq backup`` and ``hymio hq restore`` (issue 17), on SQLite and PostgreSQL: a
backup taken while a real ``hymio hq serve`` receives batches of ratings restores into a
new database as one moment of HQ (whole batches, nothing HQ did not have, the same
devices and users); one taken at rest restores to every table's rows exactly; a
database that holds tables is refused unless --force."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import select

from hq.fleet.backup import BackupError, tool
from hq.people.admin import add_device, add_store, add_user
from hq.tables.base import Base
from hq.tables.database import open_database
from hq.tables.models import Device, Rating, Store
from hq.tables.people import User
from tests.hq.conftest import PASSWORD, _pg, _url
from tests.hq.served import hymio, rating, served

BATCH = 50


class Stream:
    """Batches of BATCH ratings of k1, one after another, until stopped."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.batches = 0
        self.failed: str | None = None
        self.stop = threading.Event()
        self.more = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with requests.Session() as http:
            while not self.stop.is_set():
                first = self.batches * BATCH + 1
                batch = [rating("k1", "s1", seq) for seq in range(first, first + BATCH)]
                answer = http.post(
                    f"{self.base}/api/v1/ratings",
                    json={"ratings": batch},
                    headers={"Authorization": f"Bearer {self.token}"},
                    timeout=30,
                )
                with self.more:
                    if answer.status_code != 200 or answer.json()["accepted"] != BATCH:
                        self.failed = f"{answer.status_code} {answer.text}"
                        self.more.notify_all()
                        return
                    self.batches += 1
                    self.more.notify_all()

    def wait_for(self, batches: int) -> None:
        with self.more:
            self.more.wait_for(lambda: self.failed or self.batches >= batches, timeout=60)
            assert self.failed is None and self.batches >= batches, self.failed


def rows(url: str) -> dict[str, list]:
    """Every row of every HQ table at *url*, in primary-key order."""
    engine, sessions = open_database(url)
    try:
        with sessions() as s:
            return {
                t.name: [tuple(r) for r in s.execute(select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def target(database_url, tmp_path):
    """A database URL to restore into, of the same kind, that does not exist yet."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"hymio_r_{uuid.uuid4().hex[:12]}"
    yield _url(name)
    _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_backup_while_ratings_stream_in_restores_to_one_moment_of_hq(
    database_url, target, tmp_path
):
    engine, sessions = open_database(database_url)
    now = datetime.now(UTC)
    with sessions() as s:
        add_store(s, "s1", "Kamppi", "Europe/Helsinki", now)
        token = add_device(s, "s1", "k1", now)
        add_device(s, "s1", "k2", now)
        add_user(s, "admin", PASSWORD, now)
    engine.dispose()
    during, after = tmp_path / "during.backup", tmp_path / "after.backup"
    with served(database_url, tmp_path / "hq.log", "--rate-limit", "10000") as base:
        stream = Stream(base, token)
        stream.thread.start()
        stream.wait_for(4)
        sent_before = stream.batches * BATCH
        made = hymio("hq", "backup", "--database", database_url, "--to", str(during))
        assert made.returncode == 0, made.stderr
        stream.wait_for(stream.batches + 3)  # HQ kept taking batches through the backup
        stream.stop.set()
        stream.thread.join(30)
        made = hymio("hq", "backup", "--database", database_url, "--to", str(after))
        assert made.returncode == 0, made.stderr
    assert during.stat().st_mode & 0o777 == 0o600
    done = hymio("hq", "restore", "--from", str(during), "--database", target)
    assert done.returncode == 0, done.stderr
    source, restored = rows(database_url), rows(target)
    for table in (Store, User):
        assert restored[table.__tablename__] == source[table.__tablename__]
    # The same devices with the same tokens (when each was last seen moves with the ratings).
    identity = [[d[:4] for d in found[Device.__tablename__]] for found in (restored, source)]
    assert identity[0] == identity[1] and len(identity[0]) == 2
    kept = restored[Rating.__tablename__]
    assert set(kept) <= set(source[Rating.__tablename__])  # nothing HQ did not have, unchanged
    seqs = sorted(r.seq for r in _ratings(target))
    assert len(seqs) % BATCH == 0 and seqs == list(range(1, len(seqs) + 1))  # whole batches
    assert sent_before <= len(seqs) < len(source[Rating.__tablename__])
    # A database that holds tables is not overwritten, unless --force.
    refused = hymio("hq", "restore", "--from", str(after), "--database", target)
    assert refused.returncode == 1 and "is not empty" in refused.stderr
    assert rows(target) == restored
    forced = hymio("hq", "restore", "--from", str(after), "--database", target, "--force")
    assert forced.returncode == 0, forced.stderr
    assert rows(target) == source  # at rest: every row of every table, the same


def _ratings(url: str) -> list:
    engine, sessions = open_database(url)
    with sessions() as s:
        out = s.scalars(select(Rating)).all()
    engine.dispose()
    return out


def test_a_restore_refuses_another_kind_of_backup_and_a_file_that_is_none(database_url, tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'small.db'}"
    open_database(sqlite_url)[0].dispose()
    backup = tmp_path / "small.backup"
    assert hymio("hq", "backup", "--database", sqlite_url, "--to", str(backup)).returncode == 0
    pg_url = _url(f"hymio_n_{uuid.uuid4().hex[:12]}").replace("postgres@", "postgres:s3cret@")
    wrong = hymio("hq", "restore", "--from", str(backup), "--database", pg_url)
    assert wrong.returncode == 1 and "is a sqlite backup" in wrong.stderr
    assert "s3cret" not in wrong.stderr and "postgres:***@" in wrong.stderr
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    refused = hymio("hq", "restore", "--from", str(junk), "--database", database_url)
    assert refused.returncode == 1 and "is not a backup of hymio hq backup" in refused.stderr
    missing = hymio("hq", "backup", "--database", f"sqlite:///{tmp_path / 'none.db'}",
                    "--to", str(tmp_path / "x.backup"))  # fmt: skip
    assert missing.returncode == 1 and "there is no SQLite database" in missing.stderr
    assert not (tmp_path / "x.backup").exists() and not (tmp_path / "none.db").exists()


def test_a_missing_postgresql_program_is_named_with_the_fix():
    assert tool("pg_dump").endswith("pg_dump") and tool("pg_restore").endswith("pg_restore")
    with pytest.raises(BackupError, match="pg_dumpx is not installed.*postgresql-client"):
        tool("pg_dumpx")
