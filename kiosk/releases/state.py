"""The kiosk's record of its updates, ``update.json`` beside its database: the release HQ
last wanted, the last update's outcome, a switch not yet confirmed, releases that were
rolled back (not tried again unless asked), and the version of the release metadata last
accepted (:mod:`kiosk.releases.metadata`). ``hymio update`` writes it; the heartbeat
and doctor's update check read it."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.doctor import Context, Finding

FILE_NAME = "update.json"
OUTCOMES = ("updated", "rolled_back", "refused", "failed")


@dataclass
class UpdateState:
    """What ``update.json`` holds."""

    wanted: str | None = None
    last_update: dict | None = None  # outcome, version, at, detail
    trial: dict | None = None  # a switch whose new release has not yet come up
    rolled_back: list[str] = field(default_factory=list)
    # the release metadata last accepted (kiosk.releases.metadata.Trusted): version,
    # sha256, expires; an older one is never accepted again
    metadata: dict | None = None

    def report(self) -> dict:
        """The heartbeat's part: ``wanted_release`` and ``last_update``."""
        out: dict = {}
        if self.wanted:
            out["wanted_release"] = self.wanted
        if self.last_update:
            out["last_update"] = dict(self.last_update)
        return out


def state_path(database: Path) -> Path:
    """Where the update record of the kiosk whose database is at *database* lives."""
    return database.parent / FILE_NAME


def read_state(path: Path) -> UpdateState:
    """The record at *path*; an empty one if it is missing or unreadable."""
    try:
        data = json.loads(path.read_text())
        known = {k: data[k] for k in UpdateState.__dataclass_fields__ if k in data}
        return UpdateState(**known)
    except (OSError, ValueError, TypeError):
        return UpdateState()


def write_state(path: Path, state: UpdateState) -> None:
    """Write *state* to *path* atomically, readable by sync (mode 0644)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = path.with_name(path.name + ".new")
    with new.open("w") as f:
        json.dump(asdict(state), f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    new.chmod(0o644)
    os.replace(new, path)


def check_update(ctx: Context) -> list[Finding]:
    """Doctor's update check: the last update's outcome (a warning unless it went well),
    a switch not yet confirmed, and whether updates are on at all."""
    from kiosk.doctor import OK, WARN, Finding

    if not ctx.settings.hq.release_key:
        fix = "set [hq] release_key to the public key hymio release keygen printed"
        return [Finding("update", WARN, "updates are off: no [hq] release_key", fix)]
    state = read_state(state_path(ctx.settings.storage.path))
    last = state.last_update or {}
    if state.trial:
        v = state.trial.get("version")
        fix = "the next hymio update run judges it (the timer runs it 3 minutes after boot)"
        return [Finding("update", WARN, f"the switch to {v} is not confirmed yet", fix)]
    if not last:
        return [Finding("update", OK, f"no update yet; HQ wants {state.wanted or 'none'}")]
    said = f"{last.get('outcome')} {last.get('version')} at {last.get('at')}"
    if last.get("outcome") == "updated":
        return [Finding("update", OK, said)]
    fix = "see the detail; hymio update --now tries again once the cause is fixed"
    return [Finding("update", WARN, f"{said}: {last.get('detail', '')}", fix)]
