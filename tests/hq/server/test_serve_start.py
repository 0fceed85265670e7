"""What ``hymio hq serve`` says at start (issue 27: nothing, not even its address, and
Babel's warnings about the English catalogue): one line with its address and its database
(never the password), then nothing while pages in every language are served."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest
import requests
from babel.messages.pofile import read_po

from hq.cli.commands import serving_line
from hq.core.language import LANGUAGES, locale_folder
from tests.hq.served import served


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_reads_without_a_complaint(language):
    path = locale_folder() / language / "LC_MESSAGES" / "hq.po"
    said = io.StringIO()
    with path.open("rb") as po, redirect_stdout(said), redirect_stderr(said):
        catalogue = read_po(po, locale=language, abort_invalid=True)
    assert said.getvalue() == ""
    assert len(catalogue) > 100


def test_the_line_names_the_address_and_the_database_without_its_password():
    url = "postgresql+psycopg://hymio:s3cret@db.example.com/hymio"
    line = serving_line("::1", 8080, url, 4)
    assert line == (
        "hymio hq serve: HQ at http://[::1]:8080/ on postgresql+psycopg://hymio:***"
        "@db.example.com/hymio, 4 worker processes; Ctrl+C stops"
    )
    assert "s3cret" not in line


def test_hymio_hq_serve_says_where_it_is_in_one_line_and_logs_nothing_else(database_url, tmp_path):
    if database_url.startswith("postgresql"):  # a password PostgreSQL's trust ignores
        database_url = database_url.replace("postgres@", "postgres:s3cret@")
    log = tmp_path / "hq.log"
    with served(database_url, log) as base:
        for language in LANGUAGES:
            page = requests.get(f"{base}/login", headers={"Accept-Language": language}, timeout=10)
            assert page.status_code == 200
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
    lines = log.read_text().splitlines()
    port = base.rsplit(":", 1)[1]
    shown = database_url.replace(":s3cret@", ":***@")
    kept, bursts = (10, 40) if database_url.startswith("sqlite") else (15, 25)
    budget = (
        f"at most {kept + bursts + 2} database connections ({kept} kept, {bursts} in bursts,"
        f" 2 for exports; kiosks 4, dashboard and API {kept + bursts - 4})"
    )
    assert lines == [
        f"hymio hq serve: HQ at http://127.0.0.1:{port}/ on {shown}; {budget}; Ctrl+C stops"
    ]


def test_a_worker_keeps_what_it_built_at_start_out_of_the_collectors_sight(tmp_path):
    """The app a worker imports (``hq.server.main``) is frozen for the garbage collector:
    a full collection walks what requests make, not the 10⁵ objects of the app."""
    script = (
        "import gc, hq.server.main;"
        "print(gc.get_freeze_count(), len(gc.get_objects()), gc.isenabled())"
    )
    env = {**os.environ, "HYMIO_HQ_DATABASE": f"sqlite:///{tmp_path / 'hq.db'}"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    frozen, seen, enabled = done.stdout.split()
    assert int(frozen) > 100_000
    assert int(seen) < int(frozen) // 10  # what the collector still walks
    assert enabled == "True"  # it still collects what requests leave behind
