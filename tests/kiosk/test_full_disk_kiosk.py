"""``hymio kiosk`` on a full disk (a real one: a small tmpfs): it refuses to start with one
line that says which disk is full and how much is free, exit code 1 (systemd tries again
every few seconds, and the kiosk starts once there is space), and nothing is lost."""

from __future__ import annotations

import os
import subprocess
import sys

from kiosk.store.store import Store
from tests.conftest import fill, make_context


def test_hymio_kiosk_on_a_full_disk_says_so_and_keeps_every_rating(tiny_disk, clock):
    db = tiny_disk / "ratings.db"
    kept = []
    with Store(db, make_context(device_id="k1"), clock=clock) as store:
        for _ in range(20):
            clock.advance(60)
            kept.append(store.record(3, "button").id)
    config = tiny_disk.parent / "kiosk.toml"
    config.write_text(f'[device]\nid = "k1"\nstore_id = "store-1"\n[storage]\npath = "{db}"\n')
    filler = fill(tiny_disk)
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen"}
    run = subprocess.run(
        [sys.executable, "-m", "hymio", "kiosk", "--config", str(config), "--simulate"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith(f"hymio: could not open the database: the disk holding {db} is full")
    assert last.endswith(" free"), last
    filler.unlink()
    with Store(db, make_context(device_id="k1"), clock=clock) as store:
        assert [r[0] for r in store.read("SELECT id FROM ratings ORDER BY seq")] == kept
