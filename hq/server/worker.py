"""``hymio hq worker``: HQ's scheduled work, beside the API processes on the same database.

Every minute it evaluates the alert rules (:mod:`hq.alerts.episodes`), queues the daily
digests once the UTC day is over (from :data:`DIGEST_HOUR`), and sends the scheduled
reports whose period has ended (:mod:`hq.insight.scheduled`); every 15 seconds it
tries the deliveries that are due (:mod:`hq.alerts.delivery`). Several workers may run:
each evaluation, delivery and report is claimed in the database first, so each happens
once. APScheduler 3 runs the jobs (one instance of each at a time; a late one is merged).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from hq.alerts.delivery import deliver_due, queue_digests
from hq.alerts.episodes import evaluate, forget_runs
from hq.alerts.subscriptions import queue_people_digests
from hq.alerts.targets import WebhookPolicy
from hq.core.mail import MailSettings
from hq.tables.database import open_database, writer_lock

log = logging.getLogger("hymio.hq.worker")
DIGEST_HOUR = 6  # UTC: the day before is over everywhere in Europe by then
EVALUATE_EVERY = 60.0
DELIVER_EVERY = 15.0


@dataclass
class Worker:
    """The jobs over one database; :meth:`run_once` is one round of all of them."""

    sessions: sessionmaker[Session]
    mail: MailSettings | None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    lock: object = None
    http: requests.Session = field(default_factory=requests.Session)
    # where webhooks may go (HYMIO_WEBHOOK_ALLOW_NETWORKS); read once, at start
    webhooks: WebhookPolicy = field(default_factory=WebhookPolicy.from_env)
    # more jobs of the minute: (sessions, now, mail) → a count (the scheduled reports)
    extra: list[Callable] = field(default_factory=list)

    def evaluate(self) -> int:
        now = self.clock()
        opened = evaluate(self.sessions, now, self.lock)
        with self.lock or nullcontext(), self.sessions() as session:
            if now.hour >= DIGEST_HOUR:
                queue_digests(session, now)
                queue_people_digests(session, now)
            if now.minute == 0:
                forget_runs(session, now)
        for job in self.extra:
            job(self.sessions, now, self.mail)
        return opened

    def deliver(self) -> int:
        return deliver_due(
            self.sessions, self.clock(), self.mail, self.http, self.lock, self.webhooks
        )

    def run_once(self) -> tuple[int, int]:
        """Evaluate, then deliver: (alerts opened, messages delivered)."""
        return self.evaluate(), self.deliver()


def _safe(job: Callable[[], object], name: str) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except Exception:  # one bad round must not stop the worker; the log says why
            log.exception("the %s job failed; it runs again at its next time", name)

    return run


def serve(url: str, mail: MailSettings | None) -> int:
    """Run the worker until SIGTERM or SIGINT."""
    engine, sessions = open_database(url)
    worker = Worker(sessions, mail, lock=writer_lock(engine))
    worker.extra.extend(extra_jobs())
    if mail is None:
        log.warning("no HYMIO_SMTP_HOST: e-mail alerts and reports wait until one is set")
    scheduler = BackgroundScheduler(timezone=UTC)
    start = datetime.now(UTC) + timedelta(seconds=1)

    def evaluate_then_deliver() -> None:  # a new alert goes out at once, not in 15 s
        if worker.evaluate():
            worker.deliver()

    for name, job, every in (("evaluate", evaluate_then_deliver, EVALUATE_EVERY),
                             ("deliver", worker.deliver, DELIVER_EVERY)):  # fmt: skip
        scheduler.add_job(
            _safe(job, name), "interval", seconds=every, id=name, coalesce=True,
            max_instances=1, next_run_time=start, misfire_grace_time=int(every),
        )  # fmt: skip
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    scheduler.start()
    print(f"hymio hq worker on {engine.url.render_as_string(hide_password=True)}", flush=True)
    stop.wait()
    scheduler.shutdown(wait=True)
    engine.dispose()
    return 0


def extra_jobs() -> list[Callable]:
    """The other jobs of the minute: the scheduled reports (:mod:`hq.insight.scheduled`), which
    wait while there is no SMTP server."""
    from hq.insight.scheduled.sending import send_due_reports

    def reports(sessions, now: datetime, mail: MailSettings | None) -> int:
        return send_due_reports(sessions, now, mail) if mail is not None else 0

    return [reports]
