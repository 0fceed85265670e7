"""The sync daemon: upload, heartbeat and settings pull as APScheduler 3.x jobs.

Each job: ``coalesce=True`` (runs missed while the Pi slept or the clock jumped collapse
into one), ``max_instances=1`` (a slow upload is never overlapped by the next), and a
misfire grace time of one interval (a run more than an interval late is skipped; the next
comes one interval later). After a failed upload the next one waits for the backoff
instead of the interval.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from kiosk.notify import READY, WATCHDOG, notify, watchdog_period
from kiosk.releases.state import state_path
from kiosk.settings.model import Settings
from kiosk.store.ledger import Ledger
from kiosk.store.store import Store
from sync.backoff import Backoff
from sync.client import HQClient
from sync.config_pull import pull_config
from sync.heartbeat import send_heartbeat
from sync.scheduler import ClockJumpWatch, SteadyInterval, replan
from sync.uploader import Outcome, Uploader

log = logging.getLogger(__name__)

CONFIG_INTERVAL = 600.0
UPDATE_WATCH = 5.0  # seconds between looks at update.json: a new outcome is reported at once
FIRST_RUN = {"upload": 1.0, "config": 1.5, "heartbeat": 2.0}  # seconds after the start
JITTER = 0.1  # share of each interval taken off at random, so kiosks drift apart


class SyncService:
    """The three jobs for one device, on one scheduler."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        client: HQClient,
        *,
        backoff: Backoff | None = None,
        upload_interval: float | None = None,
        heartbeat_interval: float | None = None,
        config_interval: float = CONFIG_INTERVAL,
        watch: ClockJumpWatch | None = None,
    ):
        self.settings, self.store, self.client = settings, store, client
        self.stop = threading.Event()
        self.backoff = backoff or Backoff(cap=settings.hq.backoff_cap)
        self.uploader = Uploader(store, client, backoff=self.backoff, stop=self.stop)
        self.ledger = Ledger(store)
        self.idle = threading.Event()
        self.idle.set()
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(3)}, timezone=UTC
        )
        self.watch = watch or ClockJumpWatch(self.on_clock_jump)
        period = watchdog_period()
        if period:
            self.scheduler.add_job(
                self.ping, SteadyInterval(period), id="watchdog", coalesce=True, max_instances=1
            )
        intervals = {
            "upload": upload_interval or settings.hq.interval,
            "heartbeat": heartbeat_interval or settings.hq.heartbeat_interval,
            "config": config_interval,
        }
        self.update_record = state_path(store.path)
        self._update_seen = _mtime(self.update_record)
        self.scheduler.add_job(
            self.watch_update, SteadyInterval(UPDATE_WATCH), id="update", coalesce=True,
            max_instances=1,
        )  # fmt: skip
        jobs = {"upload": self.upload, "heartbeat": self.heartbeat, "config": self.pull}
        for name, func in jobs.items():
            every = intervals[name]
            self.scheduler.add_job(
                func,
                SteadyInterval(every, every * JITTER),
                id=name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=max(1, int(every)),
                next_run_time=datetime.now(UTC) + timedelta(seconds=FIRST_RUN[name]),
            )

    def start(self) -> None:
        self.scheduler.start()
        self.watch.start()
        notify(READY)

    def ping(self) -> None:
        """systemd's watchdog: sent by a scheduler worker, so a stuck scheduler stops it."""
        notify(WATCHDOG)

    def shutdown(self, grace: float = 0.8) -> bool:
        """Stop the jobs; True when none was left running after *grace* seconds."""
        self.stop.set()
        self.watch.stop()
        self.scheduler.shutdown(wait=False)
        self.client.close()
        done = self.idle.wait(grace)
        if done:
            self.uploader.close()
        return done

    def on_clock_jump(self, seconds: float) -> None:
        replan(self.scheduler, datetime.now(UTC))

    # --- the jobs ---------------------------------------------------------------------

    def upload(self) -> None:
        self.idle.clear()
        try:
            outcome = self.uploader.run_once()
        except Exception as exc:  # the store failed: note it, the next round tries again
            log.exception("upload round failed")
            outcome = Outcome(kind="server", error=f"upload failed: {exc}")
        finally:
            self.idle.set()
        if outcome.ok:
            self.backoff.reset()
            if outcome.sent or outcome.held:
                log.info(
                    "uploaded %d rating(s) in %d request(s) (%d already at HQ, %d held)",
                    outcome.sent, outcome.requests, outcome.duplicates, outcome.held,
                )  # fmt: skip
            return
        if outcome.kind == "stopped":
            return
        if outcome.kind == "refused":
            wait = self.backoff.cap  # a wrong token does not fix itself: ask rarely
        else:
            wait = self.backoff.fail(at_least=min(outcome.retry_after or 0.0, 3600.0))
        log.warning("upload failed: %s; next try in %.0f s", outcome.error, wait)
        if not self.stop.is_set():
            self.scheduler.modify_job(
                "upload", next_run_time=datetime.now(UTC) + timedelta(seconds=wait)
            )

    def heartbeat(self) -> None:
        send_heartbeat(self.ledger, self.client, self.uploader.databases)

    def pull(self) -> None:
        pull_config(self.settings, self.ledger, self.client)

    def watch_update(self) -> None:
        """A heartbeat as soon as ``hymio update`` records something (an outcome, the
        release HQ wants), so HQ hears of an update within seconds."""
        seen = _mtime(self.update_record)
        if seen != self._update_seen:
            self._update_seen = seen
            self.heartbeat()


def _mtime(path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None
