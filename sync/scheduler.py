"""APScheduler 3.x, made to survive the wall-clock jumps of a Pi without a real-time clock.

APScheduler 3.x plans runs on the wall clock. When NTP moves a Pi's clock forward by
months, its ``IntervalTrigger`` steps through every missed run one interval at a time
before it can go on (agronholm/apscheduler#35, #526); when the clock moves back, it sleeps
until the old wall time comes round again (#1066, #339). Two small pieces fix both:

* :class:`SteadyInterval` plans the next run from *now*, never from the previous run, so
  after any forward jump there is at most one missed run (skipped by the misfire grace
  time) and the next is one interval away;
* :class:`ClockJumpWatch` compares the wall clock with CLOCK_MONOTONIC every second, and
  after a jump either way re-plans every job to run once, soon, on the new clock (the
  clock has just been set: a good moment to repair times, upload and report).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger

log = logging.getLogger(__name__)

JUMP = 5.0  # seconds the wall clock may drift against the monotonic clock per check


class SteadyInterval(BaseTrigger):
    """Every *interval* seconds, less up to *jitter* seconds, counted from now."""

    def __init__(self, interval: float, jitter: float = 0.0, rng: random.Random | None = None):
        if not 0 <= jitter < interval:
            raise ValueError(f"need 0 <= jitter < interval, got {jitter!r} and {interval!r}")
        self.interval, self.jitter = interval, jitter
        self._rng = rng or random.Random()

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        return now + timedelta(seconds=self.interval - self._rng.uniform(0, self.jitter))

    def __str__(self) -> str:
        return f"steady interval[{self.interval:g} s, jitter {self.jitter:g} s]"


class ClockJumpWatch(threading.Thread):
    """Calls *on_jump(seconds)* when the wall clock jumps against the monotonic clock."""

    def __init__(
        self,
        on_jump: Callable[[float], None],
        *,
        every: float = 1.0,
        threshold: float = JUMP,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        super().__init__(name="clock-jump-watch", daemon=True)
        self.on_jump, self.every, self.threshold = on_jump, every, threshold
        self._wall, self._monotonic = wall, monotonic
        self.stopped = threading.Event()

    def offset(self) -> float:
        return self._wall() - self._monotonic()

    def run(self) -> None:
        last = self.offset()
        while not self.stopped.wait(self.every):
            now = self.offset()
            if abs(now - last) > self.threshold:
                log.warning("the wall clock jumped by %+.0f s; re-planning the jobs", now - last)
                try:
                    self.on_jump(now - last)
                except Exception:
                    log.exception("could not re-plan the jobs after a clock jump")
            last = now

    def stop(self) -> None:
        self.stopped.set()


def replan(scheduler: BaseScheduler, now: datetime, soon: float = 1.0) -> None:
    """Every job's next run *soon* seconds from *now* (after a clock jump), at most its interval."""
    for job in scheduler.get_jobs():
        trigger = job.trigger
        if isinstance(trigger, SteadyInterval):
            job.modify(next_run_time=now + timedelta(seconds=min(soon, trigger.interval)))
