"""A backup carries HQ's release files (issue 30): they live in the release folder, not
in the database, so a restored HQ named releases it could not serve. ``hymio hq backup``
writes them to ``FILE.releases.tar`` beside the database's backup and ``hymio hq
restore`` puts them back into the release folder of the database restored into, each
file's SHA-256 checked against its name. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import uuid

import pytest

from hq.fleet.backup import BackupError, restore_releases
from hq.fleet.release_metadata import HELD
from hq.fleet.releases import stored_file
from hq.tables.database import open_database
from tests.hq.conftest import _pg, _url
from tests.hq.served import hymio


def files_of(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}  # fmt: skip


def test_a_backup_restores_the_release_files_too(database_url, tmp_path):
    open_database(database_url)[0].dispose()
    folder = tmp_path / "releases"
    for content in (b"a wheel", b"the kiosk's code", b"x" * 100_000):
        path = stored_file(folder, hashlib.sha256(content).hexdigest())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (folder / HELD).write_text('{"signed": "{}", "signature": "sig"}')
    saved = tmp_path / "hq.backup"
    made = hymio("hq", "backup", "--database", database_url, "--to", str(saved),
                 env={**os.environ, "HYMIO_HQ_RELEASES": str(folder)})  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "4 release files" in made.stdout
    beside = tmp_path / "hq.backup.releases.tar"
    assert beside.stat().st_mode & 0o777 == 0o600

    if database_url.startswith("sqlite"):
        target = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        target = _url(f"hymio_r_{uuid.uuid4().hex[:12]}")
    again = tmp_path / "restored-releases"
    try:
        done = hymio("hq", "restore", "--from", str(saved), "--database", target,
                     env={**os.environ, "HYMIO_HQ_RELEASES": str(again)})  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "4 release files" in done.stdout
    finally:
        if not target.startswith("sqlite"):
            _pg(f"DROP DATABASE IF EXISTS {target.rsplit('/', 1)[1]} WITH (FORCE)")
    assert files_of(again) == files_of(folder) and len(files_of(again)) == 4


def test_a_damaged_or_strange_release_file_is_refused(tmp_path):
    for name, data, why in (
        ("ab/" + "0" * 64, b"not that hash", "is damaged"),
        ("../outside", b"x", "not a release file"),
    ):
        tar_path = tmp_path / "bad.tar"
        with tarfile.open(tar_path, "w") as tar:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        with pytest.raises(BackupError, match=why):
            restore_releases(tar_path, tmp_path / "folder")
        assert not (tmp_path / "folder").exists() and not (tmp_path / "outside").exists()
