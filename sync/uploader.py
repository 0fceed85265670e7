"""The uploader: unsynced ratings to HQ, oldest first, each marked synced only once HQ
has acknowledged it (SPEC §6: nothing lost, nothing twice).

A batch is all-or-nothing at HQ, so it is marked synced as a whole, and only after a 2xx
whose ``accepted + duplicates`` is the whole batch. A batch HQ refuses as bad input (400,
409, 413, 422) is split in halves until the refused ratings are alone; those are
quarantined (kept, never sent again) and the rest flows on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from kiosk.ledger import Ledger
from kiosk.localtime import to_utc_text
from kiosk.store import Store
from sync.backoff import Backoff
from sync.client import Answer, HQClient
from sync.wire import MAX_BYTES, MAX_RATINGS, Batch, batches

log = logging.getLogger(__name__)

BAD_INPUT = frozenset({400, 409, 413, 422})
REFUSED = frozenset({401, 403})
REFUSAL_HELP = (
    "HQ refused the device token ({code}: {message}); check [hq] token in the settings "
    "against the token `hymio hq add-device` printed for device {device!r}"
)


@dataclass
class Outcome:
    """What one upload round did. ``kind``: ok, unreachable, refused (the token), busy
    (429), server (5xx or a wrong count) or stopped (SIGTERM)."""

    kind: str = "ok"
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    requests: int = 0
    error: str | None = None
    retry_after: float | None = None
    waits: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


class _Stop(Exception):
    """An upload round ended early; ``outcome`` says why."""

    def __init__(self, kind: str, error: str, retry_after: float | None = None):
        super().__init__(error)
        self.kind, self.error, self.retry_after = kind, error, retry_after


class Uploader:
    """Uploads one device's ratings from its store to HQ."""

    def __init__(
        self,
        store: Store,
        client: HQClient,
        *,
        backoff: Backoff | None = None,
        max_ratings: int = MAX_RATINGS,
        max_bytes: int = MAX_BYTES,
        stop: threading.Event | None = None,
    ):
        self.store = store
        self.ledger = Ledger(store)
        self.client = client
        self.backoff = backoff or Backoff()
        self.max_ratings, self.max_bytes = max_ratings, max_bytes
        self.stop = stop or threading.Event()

    def run_once(self) -> Outcome:
        """Repair the clock, then send everything final until done or HQ fails."""
        outcome = Outcome()
        repaired = self.ledger.repair_clock()
        if repaired:
            log.info("repaired the time of %d rating(s) recorded before NTP", repaired)
        self.ledger.note(last_attempt=self._now())
        try:
            while not self.stop.is_set():
                ratings = self.store.oldest_unsynced(self.max_ratings)
                if not ratings:
                    break
                for batch in batches(ratings, self.max_ratings, self.max_bytes):
                    if self.stop.is_set():
                        raise _Stop("stopped", "stopped before the upload was finished")
                    self._send(batch, outcome)
        except _Stop as stop:
            outcome.kind, outcome.error = stop.kind, stop.error
            outcome.retry_after = stop.retry_after
            if stop.kind != "stopped":
                self.ledger.note(last_error=stop.error)
            return outcome
        self.ledger.note(last_success=self._now(), last_error=None)
        return outcome

    def drain(self, attempts: int, sleep: Callable[[float], bool] | None = None) -> Outcome:
        """``run_once`` up to *attempts* times, backing off between failures.

        *sleep(seconds)* returns True when told to stop (default: wait on ``stop``).
        Refusals (a wrong token) are not retried: retrying cannot fix them.
        """
        sleep = sleep or self.stop.wait
        waits: list[float] = []
        for attempt in range(attempts):
            outcome = self.run_once()
            if outcome.ok:
                self.backoff.reset()
            if outcome.kind in ("ok", "refused", "stopped") or attempt == attempts - 1:
                break
            wait = self.backoff.fail(at_least=outcome.retry_after or 0.0)
            waits.append(wait)
            log.warning("upload failed (%s); trying again in %.1f s", outcome.error, wait)
            if sleep(wait):
                break
        outcome.waits = waits
        return outcome

    # --- one batch ------------------------------------------------------------------

    def _send(self, batch: Batch, outcome: Outcome) -> None:
        outcome.requests += 1
        try:
            answer = self.client.post_ratings(batch.body)
        except requests.RequestException as exc:
            raise _Stop("unreachable", f"HQ could not be reached: {_reason(exc)}") from None
        if answer.ok:
            self._acknowledged(batch, answer, outcome)
        elif answer.status in BAD_INPUT:
            self._refused(batch, answer, outcome)
        elif answer.status in REFUSED:
            raise _Stop("refused", self._wrong_token(answer))
        elif answer.status == 429:
            raise _Stop("busy", "HQ asked to slow down (429)", answer.retry_after)
        else:
            raise _Stop("server", f"HQ failed ({answer.status}: {answer.error_message})")

    def _acknowledged(self, batch: Batch, answer: Answer, outcome: Outcome) -> None:
        accepted, duplicates = answer.body.get("accepted"), answer.body.get("duplicates")
        if not (isinstance(accepted, int) and isinstance(duplicates, int)) or (
            accepted + duplicates != len(batch)
        ):
            raise _Stop(
                "server",
                f"HQ acknowledged {accepted!r} + {duplicates!r} of {len(batch)} ratings; "
                "nothing marked, the batch is sent again",
            )
        self.store.mark_synced([r.id for r in batch.ratings], self._now())
        outcome.sent += len(batch)
        outcome.accepted += accepted
        outcome.duplicates += duplicates

    def _refused(self, batch: Batch, answer: Answer, outcome: Outcome) -> None:
        if len(batch) > 1:
            for half in batch.halves():
                self._send(half, outcome)
            return
        rating = batch.ratings[0]
        log.error(
            "HQ refused rating seq %d (%s): %s; it is kept in quarantine",
            rating.seq, answer.error_code, answer.error_message,
        )  # fmt: skip
        self.ledger.quarantine(rating.seq, answer.error_code, answer.error_message)
        outcome.quarantined += 1

    def _wrong_token(self, answer: Answer) -> str:
        return REFUSAL_HELP.format(
            code=answer.error_code,
            message=answer.error_message,
            device=self.store.context.device_id,
        )

    def _now(self) -> str:
        return to_utc_text(self.store.clock.now())


def _reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed or was cut"
    return type(exc).__name__
