"""``hymio hq backup`` and ``hymio hq restore``: HQ's database to one file and back.

Safe while HQ runs. SQLite: the online backup API (``sqlite3.Connection.backup``) copies
the whole file in one read transaction, so the copy is the database as of one moment,
and HQ keeps writing meanwhile (WAL: readers do not block the writer). PostgreSQL:
``pg_dump --format=custom``, which reads in one snapshot. Either way a batch of ratings is
in the backup whole or not at all.

A restore goes into a new or empty database (a PostgreSQL one is created if missing) and
refuses one that has tables unless *force*; then it brings the schema up to date with
the migrations, so a backup of an older HQ restores into this one. A SQLite backup
restores into SQLite and a PostgreSQL one into PostgreSQL.

The release files (bundles' files and the held release metadata, in HQ's release folder:
:func:`hq.fleet.releases.release_folder`) are not in the database: a backup writes them
to a tar file beside it (``FILE.releases.tar``), and a restore puts them back into the
release folder of the database restored into, checking each file's SHA-256 against its
name (issue 30: a restored HQ could not serve the releases its database names).
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from hq.core.errors import HQError
from hq.fleet.releases import release_folder
from hq.tables.database import make_engine, open_database

SQLITE_MAGIC, PG_MAGIC = b"SQLite format 3\x00", b"PGDMP"


class BackupError(HQError, OSError):
    """A backup or a restore could not be made; the message says why and what to do."""


STORED = re.compile(r"[0-9a-f]{2}/([0-9a-f]{64})")  # a release file under its SHA-256


def releases_beside(path: Path) -> Path:
    """The tar file of release files beside the backup *path*."""
    return path.with_name(f"{path.name}.releases.tar")


def backup(url: str, to: Path, releases: Path | None = None) -> str:
    """Copy the database at *url* to the file *to* (mode 0600; an older file there is
    replaced only by a whole new one), and the release folder (*releases*, default
    HQ's for *url*) to :func:`releases_beside` it. Returns the kind: ``sqlite`` or
    ``postgresql``."""
    kind = _backup_database(url, to)
    _backup_releases(releases or release_folder(url), releases_beside(to))
    return kind


def _backup_database(url: str, to: Path) -> str:
    make_engine(url).dispose()  # a clear error for a URL HQ cannot use
    parsed = make_url(url)
    partial = to.with_name(f".{to.name}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
    except OSError as e:
        raise BackupError(f"cannot write the backup to {to}: {e.strerror}") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_path(parsed), partial)
        else:
            _run(tool("pg_dump"), ["--format=custom", f"--file={partial}"], parsed)
        os.replace(partial, to)
    finally:
        partial.unlink(missing_ok=True)
    return parsed.get_backend_name()


def _backup_releases(folder: Path, to: Path) -> int:
    """Every file of the release *folder* into the tar file *to* (mode 0600, replaced
    whole); how many files."""
    partial = to.with_name(f".{to.name}.partial")
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w") as tar:
            for path in files:
                if not path.name.endswith(".part"):  # one being written: not yet a file
                    tar.add(path, arcname=path.relative_to(folder).as_posix())
        os.replace(partial, to)
    except OSError as e:
        raise BackupError(f"cannot write the release files to {to}: {e.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
    return len(files)


def restore_releases(source: Path, folder: Path) -> int:
    """The release files of the tar *source* into the release *folder*; each stored file's
    SHA-256 is checked against its name first. How many files; 0 without *source*."""
    if not source.is_file():
        return 0
    try:
        with tarfile.open(source) as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            for m in members:
                stored = STORED.fullmatch(m.name)
                if stored is None and "/" in m.name:
                    raise BackupError(f"{source} holds {m.name!r}, not a release file")
                data = tar.extractfile(m).read()
                if stored and hashlib.sha256(data).hexdigest() != stored.group(1):
                    raise BackupError(f"{source}: {m.name} is damaged (its SHA-256 differs)")
            folder.mkdir(parents=True, exist_ok=True)
            tar.extractall(folder, members=members, filter="data")
    except (OSError, tarfile.TarError) as e:
        raise BackupError(f"cannot restore the release files of {source}: {e}") from None
    return len(members)


def restore(source: Path, url: str, *, force: bool = False, releases: Path | None = None) -> None:
    """Restore the backup file *source* into the database at *url*, and the release files
    beside it into *releases* (default HQ's release folder for *url*); a
    :class:`BackupError` if it holds tables already (unless *force*) or the backup is of
    the other kind."""
    kind = backup_kind(source)
    parsed = make_url(url)
    make_engine(url).dispose()
    shown = shown_url(url)
    if parsed.get_backend_name() != kind:
        raise BackupError(
            f"{source} is a {kind} backup; restore it into a {kind} database URL, not {shown}"
        )
    if kind == "postgresql":
        _create_if_missing(parsed)
    tables = _tables(url)
    if tables and not force:
        raise BackupError(
            f"the database {shown} is not empty (it has {tables} tables); restore into a new"
            " one, or give --force to replace what it holds"
        )
    if kind == "sqlite":
        _sqlite_backup(source, _sqlite_path(parsed), check=True)
    else:
        clean = ["--clean", "--if-exists"] if tables else []
        options = ["--no-owner", "--exit-on-error", "--single-transaction", *clean]
        _run(tool("pg_restore"), options, parsed, [str(source)])
    open_database(url)[0].dispose()  # migrate a backup of an older HQ to this one
    restore_releases(releases_beside(source), releases or release_folder(url))


def shown_url(url: str) -> str:
    """*url* as it may be printed: its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def backup_kind(path: Path) -> str:
    """``sqlite`` or ``postgresql``, from the first bytes of the backup file at *path*."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise BackupError(f"cannot read the backup {path}: {e.strerror}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a backup of hymio hq backup (neither SQLite nor pg_dump)")


def tool(name: str) -> str:
    """The newest PostgreSQL client program *name* installed (``pg_dump``, ``pg_restore``)."""
    found = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    path = found[-1] if found else shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed; install PostgreSQL's client programs"
            " (apt-get install postgresql-client) as new as the server"
        )
    return path


def _sqlite_path(parsed: URL) -> Path:
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError(f"the SQLite URL {parsed} names no file")
    return Path(parsed.database)


def _sqlite_backup(source: Path, target: Path, *, check: bool = False) -> None:
    """Copy the SQLite database *source* into *target* with the online backup API."""
    if not source.is_file():
        raise BackupError(f"there is no SQLite database at {source}")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        if check and src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"the backup {source} is damaged (PRAGMA quick_check fails)")
        src.backup(dst)  # all pages in one step: a copy of one moment, however busy HQ is
        dst.execute("PRAGMA journal_mode=DELETE" if not check else "PRAGMA journal_mode=WAL")
    except sqlite3.Error as e:
        raise BackupError(f"cannot copy {source} to {target}: {e}") from None
    finally:
        src.close()
        dst.close()


def _libpq(parsed: URL) -> tuple[str, dict[str, str]]:
    """The libpq URI of *parsed* (no password in it) and the environment with the password."""
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(program: str, options: list[str], parsed: URL, files: list[str] = ()) -> None:
    """Run the PostgreSQL client *program* on the database of *parsed*; a
    :class:`BackupError` with what it said if it fails."""
    uri, env = _libpq(parsed)
    done = subprocess.run(  # noqa: S603 -- a fixed program, the URL as one argument
        [program, *options, f"--dbname={uri}", *files], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{Path(program).name} failed: {said[-1] if said else done.returncode}")


def _create_if_missing(parsed: URL) -> None:
    """Create the PostgreSQL database of *parsed* if there is none of that name."""
    import psycopg

    uri, _ = _libpq(parsed.set(database="postgres"))
    try:
        with psycopg.connect(uri, password=parsed.password, autocommit=True) as conn:
            name = parsed.database
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return
            conn.execute(f'CREATE DATABASE "{name.replace(chr(34), chr(34) * 2)}"')
    except psycopg.Error as e:
        raise BackupError(f"cannot create the database {parsed.database!r}: {e}") from None


def _tables(url: str) -> int:
    """How many tables the database at *url* has (0 for a missing SQLite file)."""
    from sqlalchemy import inspect

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not _sqlite_path(parsed).exists():
        return 0
    engine = make_engine(url)
    try:
        return len(inspect(engine).get_table_names())
    finally:
        engine.dispose()
