"""The uploader: unsynced ratings to HQ, oldest first, each marked synced only once HQ
has acknowledged it (SPEC §6: nothing lost, nothing twice, nothing held back silently).

A batch is all-or-nothing at HQ, so it is marked synced as a whole, and only after a 2xx
whose ``accepted + duplicates`` is the whole batch. A rating is *held* (kept, not sent
again until released) only on HQ's own word: its JSON error shape, a code that says the
rating breaks the wire contract, and the id of that rating of the batch; the rest of the
batch is sent again at once. HQ's ``seq_taken`` says instead that this file was rolled
back: its unsent ratings go on as a new database (:meth:`kiosk.store.store.Store.fork`).
Every other answer — an HTML page from a proxy, an unknown code, a 5xx, 408, 425, 429, a
timeout — is transient: nothing is held, the round stops, and the next one comes after
the backoff.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from kiosk.store.ledger import Ledger
from kiosk.store.store import Store
from kiosk.timekeeping.localtime import to_utc_text
from sync.backoff import Backoff
from sync.client import Answer, HQClient
from sync.databases import Databases
from sync.wire import MAX_BYTES, MAX_RATINGS, Batch, cut, unsent

log = logging.getLogger(__name__)

# HQ's codes for a rating a correct kiosk never makes (hq.ingest.batches, hq.web.errors_http).
HOLD = {409: frozenset({"id_conflict", "seq_taken"}), 422: frozenset({"invalid"})}
REFUSED = frozenset({401, 403})
MAX_FORKS = 3  # per round: a fork that HQ still finds taken is held, not forked forever
REFUSAL_HELP = (
    "HQ refused the device token ({code}: {message}); check [hq] token in the settings "
    "against the token `hymio hq add-device` printed for device {device!r}"
)


@dataclass
class Outcome:
    """What one upload round did. ``kind``: ok, unreachable, refused (the token), busy
    (429), server (5xx or a wrong count), unexpected (an answer that is not HQ's, such as
    a proxy's HTML page) or stopped (SIGTERM)."""

    kind: str = "ok"
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    repaired: int = 0
    held: int = 0
    forks: int = 0
    requests: int = 0
    error: str | None = None
    retry_after: float | None = None
    waits: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


class _Refetch(Exception):
    """The store's ratings changed (a fork): read the next batch from the store again."""


class _Stop(Exception):
    """An upload round ended early; ``outcome`` says why."""

    def __init__(self, kind: str, error: str, retry_after: float | None = None):
        super().__init__(error)
        self.kind, self.error, self.retry_after = kind, error, retry_after


class Uploader:
    """Uploads one device's ratings from its store (and salvaged stores) to HQ."""

    def __init__(
        self,
        store: Store,
        client: HQClient,
        *,
        backoff: Backoff | None = None,
        max_ratings: int = MAX_RATINGS,
        max_bytes: int = MAX_BYTES,
        stop: threading.Event | None = None,
        databases: Databases | None = None,
    ):
        self.store = store
        self.ledger = Ledger(store)
        self.databases = databases or Databases(store)
        self.client = client
        self.backoff = backoff or Backoff()
        self.max_ratings, self.max_bytes = max_ratings, max_bytes
        self.stop = stop or threading.Event()
        self._forks = 0

    def run_once(self) -> Outcome:
        """Repair the clock, then send everything final until done or HQ fails.

        A round with nothing to send writes nothing (SPEC §8: an idle kiosk writes under
        1 MB a day): ``last_attempt`` and ``last_success`` say when ratings were sent.
        """
        outcome = Outcome()
        self._forks = 0
        repaired = self.ledger.repair_clock()
        if repaired:
            log.info("repaired the time of %d rating(s) recorded before NTP", repaired)
        stores = self.databases.all()
        if not any(store.oldest_unsynced(1) for store in stores):
            self.ledger.note(last_error=None)  # written only if there was one
            return outcome
        self.ledger.note(last_attempt=self._now())
        try:
            for store in stores:
                self._drain(store, outcome)
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

    def close(self) -> None:
        """Close the salvaged stores this uploader opened."""
        self.databases.close()

    def _drain(self, store: Store, outcome: Outcome) -> None:
        """Send *store*'s ratings, one batch after the other, each in a thread of its own:
        while HQ takes one batch, the previous one is marked synced and the next is read
        (after the last ``seq`` of the one in flight), so the kiosk's own work does not
        add to the time HQ takes. Only an acknowledged batch is marked; anything but a
        whole acknowledgement goes the careful way (:meth:`_handle`), from a fresh read."""
        acknowledged: list[str] = []  # the ratings of the last batch HQ took, to mark
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="hymio-upload") as poster:
                batch = self._next(store)
                while batch is not None and not self.stop.is_set():
                    outcome.requests += 1
                    posting = poster.submit(self.client.post_ratings, batch.body)
                    acknowledged = self._mark(store, acknowledged)
                    ahead = self._next(store, after=batch.ratings[-1].seq)
                    answer = _answer(posting)
                    if answer.ok:
                        self._count(batch, answer, outcome)
                        acknowledged = [r.id for r in batch.ratings]
                        batch = ahead
                        continue
                    with contextlib.suppress(_Refetch):  # a fork: read again, below
                        self._handle(store, batch, answer, outcome)
                    batch = self._next(store)
        finally:
            self._mark(store, acknowledged)
        if self.stop.is_set():
            raise _Stop("stopped", "stopped before the upload was finished")

    def _next(self, store: Store, after: int = 0) -> Batch | None:
        """The first batch of what *store* has to send, from ``seq`` *after* on."""
        found = unsent(store, self.max_ratings, after)
        return next(cut(found, self.max_ratings, self.max_bytes), None)

    def _mark(self, store: Store, ids: list[str]) -> list[str]:
        if ids:
            store.mark_synced(ids, self._now())
        return []

    # --- one batch, the careful way ------------------------------------------------

    def _send(self, store: Store, batch: Batch, outcome: Outcome) -> None:
        outcome.requests += 1
        try:
            answer = self.client.post_ratings(batch.body)
        except requests.RequestException as exc:
            raise _Stop("unreachable", f"HQ could not be reached: {_reason(exc)}") from None
        self._handle(store, batch, answer, outcome)

    def _handle(self, store: Store, batch: Batch, answer: Answer, outcome: Outcome) -> None:
        if answer.ok:
            self._count(batch, answer, outcome)
            store.mark_synced([r.id for r in batch.ratings], self._now())
            return
        named = self._named(batch, answer)
        if named is not None:
            self._hold(store, batch, named, answer, outcome)
        elif answer.status == 413 and len(batch) > 1:
            for half in batch.halves():  # a proxy in between may take less than HQ
                self._send(store, half, outcome)
        elif answer.status in REFUSED and answer.is_hq_error:
            raise _Stop("refused", self._wrong_token(answer))
        elif answer.status == 429:
            raise _Stop("busy", "HQ asked to slow down (429)", answer.retry_after)
        elif answer.is_hq_error:
            raise _Stop("server", f"HQ failed ({answer.status} {answer.error_code}: "
                        f"{answer.error_message}); nothing held, sent again later")  # fmt: skip
        else:
            raise _Stop("unexpected", _not_hq(answer))

    @staticmethod
    def _named(batch: Batch, answer: Answer) -> int | None:
        """The index in *batch* of the rating HQ refuses by name, if it does."""
        if not answer.is_hq_error or answer.error_code not in HOLD.get(answer.status, ()):
            return None
        ids = [r.id for r in batch.ratings]
        rating_id = answer.rating_id
        return ids.index(rating_id) if rating_id in ids else None

    @staticmethod
    def _count(batch: Batch, answer: Answer, outcome: Outcome) -> None:
        """Count HQ's 2xx for *batch*; a :class:`_Stop` unless it is the whole batch."""
        accepted, duplicates = answer.body.get("accepted"), answer.body.get("duplicates")
        if not (isinstance(accepted, int) and isinstance(duplicates, int)) or (
            accepted + duplicates != len(batch)
        ):
            raise _Stop(
                "server",
                f"HQ acknowledged {accepted!r} + {duplicates!r} of {len(batch)} ratings; "
                "nothing marked, the batch is sent again",
            )
        outcome.sent += len(batch)
        outcome.accepted += accepted
        outcome.duplicates += duplicates
        repaired = answer.body.get("repaired")
        outcome.repaired += repaired if isinstance(repaired, int) else 0

    def _hold(self, store: Store, batch: Batch, index: int, answer: Answer, outcome: Outcome):
        rating = batch.ratings[index]
        if answer.error_code == "seq_taken" and self._forks < MAX_FORKS:
            # HQ has this seq of this database under another id: the file was rolled
            # back. Its unsent ratings go on as a new database, which HQ has never seen.
            self._forks += 1
            fork = store.fork(rating.database_id, rating.seq)
            log.warning(
                "HQ already had seq %d of database %s: this file was rolled back (a "
                "read-only overlay, a restored copy); its ratings go on as database %s",
                rating.seq, rating.database_id, fork,
            )  # fmt: skip
            outcome.forks += 1
            raise _Refetch
        log.error(
            "HQ refused rating %s (seq %d of database %s): %s %s; it is held on the device "
            "until `hymio sync --retry-held`",
            rating.id, rating.seq, rating.database_id, answer.error_code, answer.error_message,
        )  # fmt: skip
        Ledger(store).hold(rating.seq, answer.error_code, answer.error_message)
        outcome.held += 1
        rest = batch.without(index)
        if len(rest):
            self._send(store, rest, outcome)

    def _wrong_token(self, answer: Answer) -> str:
        return REFUSAL_HELP.format(
            code=answer.error_code,
            message=answer.error_message,
            device=self.store.context.device_id,
        )

    def _now(self) -> str:
        return to_utc_text(self.store.clock.now())


def _answer(posting: Future[Answer]) -> Answer:
    try:
        return posting.result()
    except requests.RequestException as exc:
        raise _Stop("unreachable", f"HQ could not be reached: {_reason(exc)}") from None


def _not_hq(answer: Answer) -> str:
    kind = answer.content_type or "no content type"
    return (
        f"HQ's address answered {answer.status} ({kind}), which is not HQ's own error: a "
        "proxy, firewall or captive portal in between? Nothing held; sent again later"
    )


def _reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "no answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed or was cut"
    return type(exc).__name__
