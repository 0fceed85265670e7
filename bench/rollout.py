"""A rollout and an enrolment against a real ``hymio hq serve`` (SQLite) on 127.0.0.1.

**Rollout**: 50 simulated kiosks (threads) ask ``GET /api/v1/release`` every 2 s, as
``hymio update`` does every half hour; at t0 the release is rolled out to all of them
(``hq.fleet.releases.roll_out``). Each kiosk that sees it fetches it with the kiosk's own code
(:class:`hymio.update.fetch.ReleaseSource`: the manifest, its Ed25519 signature, every
file streamed and hashed) and sends a heartbeat that reports it. Measured: t0 until HQ's
database shows all 50 devices on it, with HQ serving the files. The install itself (a
virtual environment per kiosk) is each kiosk's own work and is not part of it. The release
is of a real one's size (``HYMIO_BENCH_RELEASE_MB``, default 40, in 30 files of random
bytes); the 2 s poll is part of the figure (at most 2 s). Baseline: the same bytes fetched
by 50 threads as plain ``requests`` downloads from a bare ``python -m http.server``.

**Enrolment**: 200 kiosks enrol from one code for 200 (``POST /api/v1/enrol``) from 16
threads; seconds until all have their token.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import func, select

from bench.common import row
from hq.fleet.enrolment import make_code
from hq.fleet.releases import add_release, roll_out
from hq.people.admin import add_device, add_store
from hq.tables.database import open_database
from hq.tables.models import Device
from hymio.update.fetch import ReleaseSource
from kiosk.releases.manifest import Manifest, describe, new_key, sign

KIOSKS = 50
ENROL = 200
POLL = 2.0
MEGABYTES = float(os.environ.get("HYMIO_BENCH_RELEASE_MB", "40"))
FILES = 30


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(command: list[str], url: str, env: dict | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url, timeout=1)
            return proc
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"{command[2:4]} did not start") from None
            time.sleep(0.1)


def _bundle(folder: Path) -> tuple[Path, str, Path]:
    """A signed bundle of the size of a real release; its path, public key and files."""
    import tarfile

    from cryptography.hazmat.primitives import serialization

    pem, public = new_key()
    key = serialization.load_pem_private_key(pem, password=None)
    files = folder / "files"
    files.mkdir()
    each = int(MEGABYTES * 1e6 / FILES)
    for i in range(FILES - 1):
        (files / f"dep{i:02d}-1.0-py3-none-any.whl").write_bytes(os.urandom(each))
    (files / "requirements.txt").write_text("# pinned with hashes\n")
    manifest = Manifest(
        version="1.0.0", python="3.11", built_at="2026-12-01T00:00:00+00:00",
        files=[describe(p) for p in sorted(files.iterdir())],
    )  # fmt: skip
    data = manifest.encode()
    bundle = folder / "release.tar"
    with tarfile.open(bundle, "w") as tar:
        for name, content in (("manifest.json", data), ("manifest.sig", sign(key, data).encode())):
            (folder / name).write_bytes(content)
            tar.add(folder / name, arcname=name)
        for p in sorted(files.iterdir()):
            tar.add(p, arcname=f"files/{p.name}")
    return bundle, public, files


def _kiosk(base: str, token: str, device: str, public: str, folder: Path, done: list) -> None:
    source = ReleaseSource(base, token)
    try:
        while True:
            wanted = source.wanted()
            if wanted:
                source.fetch(wanted, folder / device, public)
                beat = {"version": wanted, "release": wanted, "wanted_release": wanted,
                        "last_update": {"outcome": "updated", "version": wanted}}  # fmt: skip
                answer = source.http.post(f"{source.base}/heartbeat", json=beat, timeout=30)
                answer.raise_for_status()
                shutil.rmtree(folder / device)
                done.append(device)
                return
            time.sleep(POLL)
    finally:
        source.close()


def rollout(tmp: Path) -> tuple[float, float]:
    """Seconds from the rollout to all kiosks reporting it; and the bare downloads'."""
    url = f"sqlite:///{tmp / 'hq.db'}"
    engine, sessions = open_database(url)
    now = datetime.now(UTC)
    bundle, public, files = _bundle(tmp)
    with sessions() as s:
        add_store(s, "s1", "Bench", "Europe/Helsinki", now)
        tokens = {f"k{i:02d}": add_device(s, "s1", f"k{i:02d}", now) for i in range(KIOSKS)}
        add_release(s, tmp / "releases", bundle, now)
    port = _port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HYMIO_HQ_RELEASES": str(tmp / "releases")}
    hq = _serve([sys.executable, "-m", "hymio", "hq", "serve", "--database", url, "--port",
                 str(port), "--rate-limit", "1000"], f"{base}/healthz", env)  # fmt: skip
    done: list[str] = []
    try:
        threads = [threading.Thread(target=_kiosk, args=(base, t, d, public, tmp / "k", done))
                   for d, t in tokens.items()]  # fmt: skip
        for t in threads:
            t.start()
        time.sleep(POLL + 1)  # every kiosk has asked once and heard "nothing new"
        with sessions() as s:
            start = time.perf_counter()
            roll_out(s, "1.0.0", "all", "", datetime.now(UTC))
        while True:
            with sessions() as s:
                on = s.scalar(select(func.count()).where(Device.version == "1.0.0"))
            if on == KIOSKS:
                took = time.perf_counter() - start
                break
            time.sleep(0.05)
        for t in threads:
            t.join(60)
        assert len(done) == KIOSKS
    finally:
        hq.terminate()
        hq.wait(20)
        engine.dispose()
    return took, _bare(files)


def _bare(files: Path) -> float:
    """50 threads fetching the same files from ``python -m http.server``."""
    port = _port()
    bare = _serve([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                   "--directory", str(files)], f"http://127.0.0.1:{port}/")  # fmt: skip
    names = [p.name for p in sorted(files.iterdir())]

    def fetch(_n: int) -> None:
        with requests.Session() as http:
            for name in names:
                with http.get(f"http://127.0.0.1:{port}/{name}", stream=True, timeout=60) as r:
                    for _chunk in r.iter_content(1 << 16):
                        pass

    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(KIOSKS) as pool:
            list(pool.map(fetch, range(KIOSKS)))
        return time.perf_counter() - start
    finally:
        bare.terminate()
        bare.wait(20)


def enrolment(tmp: Path) -> float:
    """Seconds for ENROL kiosks to enrol from one code, 16 at a time."""
    url = f"sqlite:///{tmp / 'enrol.db'}"
    engine, sessions = open_database(url)
    with sessions() as s:
        add_store(s, "s1", "Bench", "Europe/Helsinki", datetime.now(UTC))
        code = make_code(s, "s1", ENROL, 1, datetime.now(UTC))
    port = _port()
    base = f"http://127.0.0.1:{port}"
    hq = _serve([sys.executable, "-m", "hymio", "hq", "serve", "--database", url, "--port",
                 str(port)], f"{base}/healthz")  # fmt: skip

    def enrol(n: int) -> int:
        body = {"code": code, "device_id": f"pi-{n:03d}"}
        return requests.post(f"{base}/api/v1/enrol", json=body, timeout=60).status_code

    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(enrol, range(ENROL)))
        took = time.perf_counter() - start
        assert statuses.count(201) == ENROL, statuses
    finally:
        hq.terminate()
        hq.wait(20)
        engine.dispose()
    return took


def main() -> None:
    print(f"rollout: {KIOSKS} kiosks, a {MEGABYTES:g} MB release in {FILES} files, SQLite HQ")
    with tempfile.TemporaryDirectory(prefix="hymio-bench-rollout-") as tmp:
        took, bare = rollout(Path(tmp))
    row("release wanted → all report it", f"{took:.1f} s", f"(poll every {POLL:g} s)")
    row("bare: the same files, plain HTTP server", f"{bare:.1f} s",
        f"{KIOSKS * MEGABYTES / bare:.0f} MB/s")  # fmt: skip
    row("HQ's rate while rolling out", f"{KIOSKS * MEGABYTES / took:.0f} MB/s")
    with tempfile.TemporaryDirectory(prefix="hymio-bench-enrol-") as tmp:
        seconds = enrolment(Path(tmp))
    row(f"enrolment of {ENROL} kiosks, 16 at a time", f"{seconds:.1f} s")


if __name__ == "__main__":
    main()
