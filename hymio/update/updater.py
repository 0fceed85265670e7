"""``hymio update``'s one run: ask HQ which release to run; fetch and check it; install it
beside the running one; check it with its own doctor; switch ``current``; restart the
units and wait for the kiosk's READY; roll back by itself if it does not come up.

Before anything is fetched, the release key's metadata (:mod:`kiosk.releases.metadata`)
must be newer than or the same as the one accepted last, and not expired, and must list
the release: a release older than the running one is refused unless it allows rolling
back to it. The automatic rollback after a release that does not come up is local, and
needs none of it. Every step before the switch leaves the running release untouched. The
switch is recorded (``trial`` in ``update.json``) before the units restart, so a run cut
off by a power cut is finished by the next run: a release that is not up by then is rolled
back. A release that was rolled back is not tried again unless asked (``--now``) or until
HQ names another.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hymio.update import UpdateError
from hymio.update.fetch import ReleaseSource
from hymio.update.install import check_doctor, install
from hymio.update.slots import Slots
from hymio.update.units import Units
from kiosk.releases.manifest import ReleaseError
from kiosk.releases.metadata import ReleaseMetadata, Trusted, check_metadata, check_release
from kiosk.releases.state import read_state, state_path, write_state
from kiosk.settings.model import Settings
from kiosk.timekeeping.localtime import to_utc_text

log = logging.getLogger(__name__)
NIGHT = (3, 5)  # local hours a store that never closes is updated in


@dataclass
class Updater:
    """Updates the kiosk of *settings* under *root* from *source*, restarting *units*."""

    settings: Settings
    root: Path
    source: ReleaseSource
    units: Units = field(default_factory=Units)
    ready_within: float = 180.0
    settle: float = 20.0
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def __post_init__(self) -> None:
        self.slots = Slots(self.root)
        self.path = state_path(self.settings.storage.path)
        self.state = read_state(self.path)

    # --- what a run does -----------------------------------------------------------------

    def run(self, at_once: bool = False) -> str:
        """One run; what it did, in a line. UpdateError when an update failed."""
        if self.state.trial:
            self._finish_trial()
        if not at_once and not self.closed():
            return "the store is open: updates wait for its closed hours (or use --now)"
        wanted = self.source.wanted()
        if wanted != self.state.wanted:
            self.state.wanted = wanted
            self._save()
        running = self.slots.version()
        if wanted is None or wanted == running:
            return f"release {running or '(none)'} is the one HQ wants; nothing to do"
        if wanted in self.state.rolled_back and not at_once:
            return f"release {wanted} was rolled back here before; try it again with --now"
        return self._update(wanted, running)

    def closed(self) -> bool:
        """Whether the store is closed now; a store that never closes, in the night."""
        tz = self.settings.device.tz
        local = self.now().astimezone(tz)
        hours = self.settings.hours
        if not hours.is_open(local):
            return True
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        steps = (day + timedelta(minutes=m) for m in range(0, 24 * 60, 15))
        never_closes = all(hours.is_open(t) for t in steps)
        return never_closes and NIGHT[0] <= local.hour < NIGHT[1]

    def _update(self, version: str, running: str | None) -> str:
        files = self.slots.downloads / version
        key = self.settings.hq.release_key or ""
        try:
            metadata = self._metadata(key)
            manifest = self.source.fetch(
                version, files, key, allow=lambda m: check_release(metadata, version, m, running)
            )
        except ReleaseError as e:
            self._outcome("refused", version, str(e))
            raise UpdateError(f"release {version} refused: {e}") from None
        except UpdateError as e:
            self._outcome("failed", version, str(e))
            raise
        digest = hashlib.sha256(manifest.encode()).hexdigest()
        try:
            folder = install(self.slots, manifest, files, digest)
            check_doctor(folder, self.slots.target(), self.settings.source)
        except UpdateError as e:
            self._outcome("failed", version, str(e))
            raise
        self.slots.switch_to(version)
        self.state.trial = {"version": version, "previous": running, "at": self._at()}
        self._save()
        before = self.units.restart()
        problem = self.units.wait_ready(before, self.ready_within, self.settle)
        return self._judge(version, running, problem)

    def _metadata(self, key: str) -> ReleaseMetadata:
        """HQ's copy of the release key's metadata, checked against the one accepted last
        (never an older one, never expired), and kept as the one accepted now."""
        data, signature = self.source.metadata()
        trusted = Trusted.from_dict(self.state.metadata)
        metadata = check_metadata(key, data, signature, self.now(), trusted)
        if trusted is None or trusted.version != metadata.version:
            self.state.metadata = asdict(Trusted.of(data, metadata))
            self._save()
        return metadata

    def _finish_trial(self) -> None:
        """A switch the last run did not see through: judge it now."""
        trial = self.state.trial or {}
        version = trial.get("version")
        if self.slots.version() != version:  # rolled back, or replaced, by hand
            self.state.trial = None
            self._save()
            return
        problem = self.units.wait_ready({}, self.ready_within, self.settle)
        try:
            self._judge(version, trial.get("previous"), problem)
        except UpdateError as e:
            log.warning("%s", e)

    def _judge(self, version: str, previous: str | None, problem: str) -> str:
        self.state.trial = None
        if not problem:
            self._outcome("updated", version, f"from {previous or '(none)'}")
            self.slots.prune()
            return f"updated to release {version} (from {previous or '(none)'})"
        back = self.slots.roll_back()
        if back is not None:
            before = self.units.restart()
            still = self.units.wait_ready(before, self.ready_within, self.settle)
            if still:
                problem += f"; after the rollback to {back}: {still}"
        if version not in self.state.rolled_back:
            self.state.rolled_back.append(version)
        self._outcome("rolled_back", version, f"{problem}; back on {back or '(nothing)'}")
        raise UpdateError(f"release {version} did not come up and was rolled back: {problem}")

    # --- the record ------------------------------------------------------------------------

    def _at(self) -> str:
        return to_utc_text(self.now())

    def _outcome(self, outcome: str, version: str, detail: str) -> None:
        self.state.last_update = {
            "outcome": outcome, "version": version, "at": self._at(), "detail": detail[:500],
        }  # fmt: skip
        self._save()
        level = logging.INFO if outcome == "updated" else logging.WARNING
        log.log(level, "update to %s: %s (%s)", version, outcome, detail)

    def _save(self) -> None:
        write_state(self.path, self.state)
