"""A chain's HQ as it is scaled out, on 127.0.0.1: ``hymio hq serve`` processes, Debian's
nginx in front of them as the load balancer, Debian's PgBouncer in transaction mode in front
of the local PostgreSQL, and kiosks that upload in the wire format and retry until HQ has
acknowledged every batch (as sync does). nginx and PgBouncer run as this test's own
processes with their own configuration in a temporary folder, never as system services."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests

from hq.people.admin import add_api_token, add_device, add_store, add_user
from hq.tables.database import open_database
from tests.hq.conftest import PASSWORD, _pg, csrf_of, free_port
from tests.hq.served import rating

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
UNPRIVILEGED = "nobody"  # PgBouncer refuses to run as root; nginx's workers run as this


@contextmanager
def fresh_database(template: str) -> Iterator[tuple[str, str]]:
    """A new PostgreSQL database copied from the migrated *template*: its name and URL."""
    name = f"hymio_t_{uuid.uuid4().hex[:12]}"
    _pg(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Kiosk:
    """One kiosk: its ratings numbered 1…n in one database, and which HQ has acknowledged."""

    device: str
    store: str
    token: str
    database: str = field(default_factory=lambda: f"db-{uuid.uuid4().hex[:8]}")
    acked: list[dict] = field(default_factory=list)
    answers: dict[int, int] = field(default_factory=dict)

    def ratings(self, first: int, count: int) -> list[dict]:
        made = [rating(self.device, self.store, seq) for seq in range(first, first + count)]
        return [{**r, "database_id": self.database} for r in made]

    def upload(self, base: str, batch: list[dict], deadline: float) -> None:
        """POST *batch* until HQ acknowledges it whole; a refused connection, a 502 from the
        load balancer or a 503 means: try again (the same ids, so nothing is counted twice)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        while True:
            try:
                answer = requests.post(
                    f"{base}/api/v1/ratings", json={"ratings": batch}, headers=headers, timeout=10
                )
                status = answer.status_code
            except requests.RequestException:
                status = 0
            self.answers[status] = self.answers.get(status, 0) + 1
            if status == 200:
                body = answer.json()
                assert body["accepted"] + body["duplicates"] == len(batch), body
                self.acked.extend(batch)
                return
            assert status in (0, 502, 503, 504), (status, answer.text)
            assert time.monotonic() < deadline, f"{self.device}: HQ never took the batch"
            time.sleep(0.2)

    def report(self, base: str) -> int:
        """The heartbeat sync sends: the last number, nothing pending, nothing held."""
        last = max(r["seq"] for r in self.acked)
        status = {"database_id": self.database, "last_seq": last, "pending": 0, "held": 0}
        answer = requests.post(
            f"{base}/api/v1/heartbeat",
            json={"pending": 0, "databases": [status]},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        return answer.status_code


def seed_chain(url: str, stores: int, kiosks: int) -> tuple[list[Kiosk], str]:
    """*stores* stores of *kiosks* kiosks each, an analyst token and the user ``admin``."""
    engine, sessions = open_database(url)
    now = datetime.now(UTC)
    fleet = []
    with sessions() as s:
        for n in range(stores):
            add_store(s, f"s{n}", f"Store {n}", "Europe/Helsinki", now)
            for k in range(kiosks):
                device = f"k{n}-{k}"
                fleet.append(Kiosk(device, f"s{n}", add_device(s, f"s{n}", device, now)))
        reader = add_api_token(s, "analyst", now)
        add_user(s, "admin", PASSWORD, now)
    engine.dispose()
    return fleet, reader


def logged_in(base: str) -> requests.Session:
    """A browser's session, logged in as ``admin`` through the login form at *base*."""
    browser = requests.Session()
    csrf = csrf_of(browser.get(f"{base}/login", timeout=10).text)
    data = {"username": "admin", "password": PASSWORD, "csrf": csrf}
    answer = browser.post(f"{base}/login", data=data, allow_redirects=False, timeout=10)
    assert answer.status_code == 303, answer.text
    return browser


class Process:
    """A child process with its log; stopped (TERM, then KILL) when the rig ends."""

    def __init__(self, command: list[str], log: Path, env: dict | None = None):
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=out, env=env)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def kill(self) -> None:
        """SIGKILL: the process dies mid-request, nothing is flushed or closed."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


def wait_for_port(port: int, proc: Process, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while True:
        assert proc.proc.poll() is None, proc.log.read_text()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            assert time.monotonic() < deadline, f"nothing on port {port}: {proc.log.read_text()}"
            time.sleep(0.1)


def wait_for_health(base: str, proc: Process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert proc.proc.poll() is None, proc.log.read_text()
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, f"HQ at {base} not up: {proc.log.read_text()}"
        time.sleep(0.2)


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A folder the unprivileged user may read and write (pytest's own is root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="hymio-rig-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def pgbouncer(folder: Path, pool: int) -> Iterator[int]:
    """PgBouncer in transaction mode in front of the local PostgreSQL, at most *pool*
    server connections per database; yields its port."""
    port = free_port()
    users = folder / "users.txt"
    users.write_text('"postgres" ""\n')
    config = folder / "pgbouncer.ini"
    config.write_text(
        "[databases]\n* = host=127.0.0.1 port=5432\n[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {users}\npool_mode = transaction\n"
        f"default_pool_size = {pool}\nmax_db_connections = {pool}\nmax_client_conn = 1000\n"
        "admin_users = postgres\nignore_startup_parameters = extra_float_digits\n"
        "server_reset_query =\n"
    )
    for path in (users, config):
        path.chmod(0o644)
    # PgBouncer refuses to run as root: -u drops to an unprivileged user after start
    as_user = ["-u", UNPRIVILEGED] if os.geteuid() == 0 else []
    bouncer = Process([PGBOUNCER, *as_user, str(config)], folder / "pgbouncer.log")
    try:
        wait_for_port(port, bouncer)
        yield port
    finally:
        bouncer.stop()


@contextmanager
def nginx(folder: Path, upstreams: list[int]) -> Iterator[int]:
    """nginx balancing over the HQ processes at *upstreams*; yields its port."""
    port = free_port()
    root = folder / "nginx"
    root.mkdir()
    root.chmod(0o777)
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n" for p in upstreams)
    temps = "".join(
        f"  {kind}_temp_path {root / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = ""
    if os.geteuid() == 0:  # the workers drop to the unprivileged user and its own group
        group = grp.getgrgid(pwd.getpwnam(UNPRIVILEGED).pw_gid).gr_name
        user = f"user {UNPRIVILEGED} {group};\n"
    (root / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {root / 'nginx.pid'};\n"
        f"error_log {root / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n  access_log off;\n{temps}"
        f"  upstream hq {{\n{servers}    keepalive 16;\n  }}\n"
        f"  server {{\n    listen 127.0.0.1:{port};\n    client_max_body_size 2m;\n"
        "    location / {\n      proxy_pass http://hq;\n      proxy_http_version 1.1;\n"
        '      proxy_set_header Connection "";\n      proxy_set_header Host $host;\n'
        "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "      proxy_connect_timeout 1s;\n      proxy_read_timeout 30s;\n"
        "      proxy_next_upstream error timeout;\n    }\n  }\n}\n"
    )
    balancer = Process(
        [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        folder / "nginx.log",
    )
    try:
        wait_for_port(port, balancer)
        yield port
    finally:
        balancer.stop()


def hq_process(url: str, folder: Path, name: str, *options: str) -> tuple[Process, int]:
    """``hymio hq serve`` on *url*, behind the balancer on 127.0.0.1 (not waited for)."""
    port = free_port()
    command = [sys.executable, "-m", "hymio", "hq", "serve", "--database", url,
               "--port", str(port), "--forwarded-allow-ips", "127.0.0.1", *options]  # fmt: skip
    return Process(command, folder / f"{name}.log"), port


def in_postgres(database: str, sql: str, *params) -> list[tuple]:
    """Rows of *sql* read straight from PostgreSQL (not through PgBouncer)."""
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as conn:
        return conn.execute(sql, params).fetchall()
