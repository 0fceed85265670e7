"""Keeping a web answer: a rating in the same table and pipeline as a kiosk's (SPEC §2,
§5), with ``source`` ``web`` and the link as its device, taken in by the kiosks' own
:func:`hq.ingest.batches.ingest` — all or nothing, the received figures
(:mod:`hq.ingest.received`) and the day and hour counts (:mod:`hq.tables.rollups`) kept
in the same transaction — so the store page, the ranking, the weekly figures and the
exports see it at once.

What HQ makes for it: the id (a UUIDv7), ``recorded_at`` (HQ's clock, so
``clock_synced``), ``boot_id`` ``web`` and ``mono_ns`` 0 (no kiosk clock to repair), and
its place in the link's one database ``web``: ``seq`` 1, 2, 3 … given from the link's
received figures, one answer of a link at a time (its ``devices`` row locked until the
commit; should two still take one number, the second tries again with the next).
Completeness is the kiosks' alone: the fleet's pages and figures never list a web link
as missing anything.

The flag (the first that applies, as the kiosk decides its own): ``closed`` outside the
store's opening hours, ``burst`` from an address over :data:`hq.answer.guard.BURST` a
minute, ``repeat`` from a browser that answered the store within
:data:`hq.answer.guard.REPEAT_WINDOW`. Flagged answers are kept and left out of the
metrics, like a kiosk's.

The second step (:func:`follow_up`) adds the reason and the words to that same rating,
once: ``web_followups`` takes one row per rating, and a second sending finds it there.
The reason's count moves from "no reason" to its reason in the same transaction
(:func:`hq.tables.rollups.move`), as a kiosk's answered follow-up is counted.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from uuid6 import uuid7

from hq.answer.guard import BURST, BURST_WINDOW, LIMIT, REPEAT_WINDOW, note, recent
from hq.answer.survey import WebSurvey
from hq.core.errors import ApiError
from hq.fleet.receipts.links import consume_receipt
from hq.ingest.batches import ingest
from hq.ingest.device_calls import Caller
from hq.tables.models import Device, DeviceReceived, Rating, WebFollowup
from hq.tables.rollups import move
from hq.words.keep import keep_comment
from kiosk.timekeeping.localtime import to_utc_text

DATABASE = "web"  # the one database of every web link
BOOT = "web"
ATTEMPTS = 5  # numbers tried when concurrent answers of one link take the same seq


@dataclass(frozen=True)
class Answer:
    """A web answer as it was kept: its id, its flag, and whether the address is over
    the hard limit (the page then says so instead of asking more)."""

    rating_id: str
    flag: str | None
    limited: bool


def _seq(session: Session, device_id: str) -> int:
    last = session.scalar(
        select(DeviceReceived.last_seq).where(
            DeviceReceived.device_id == device_id, DeviceReceived.database_id == DATABASE
        )
    )
    return (last or 0) + 1


def keep_answer(
    session: Session,
    web: WebSurvey,
    score: int,
    now: datetime,
    address: str,
    browser: str,
    lock: AbstractContextManager | None = None,
    receipt: str = "",
) -> Answer:
    """Keep the answer *score* to *web* at *now* from the client *address* and browser
    *browser* (their keyed names, :mod:`hq.answer.guard`); commits. *score* must be on
    the survey's scale (the caller checked it). With a *receipt* token its use is kept in
    the same transaction (:func:`consume_receipt`): a token already used, expired or not
    HQ's is a :class:`~hq.fleet.receipts.tokens.ReceiptError` and nothing is kept."""
    device = web.device
    caller = Caller(device.id, device.store_id, device.token_hash, True, web.timezone)
    survey_id, question_id, version, _scale = web.stamp
    for attempt in range(1, ATTEMPTS + 1):
        with lock or nullcontext():
            # One answer of a link at a time from here to the commit: its row of devices
            # (which ingest touches anyway) is locked first, so the next seq is read
            # after the previous answer's commit (PostgreSQL; SQLite has one writer).
            session.execute(select(Device.id).where(Device.id == device.id).with_for_update())
            from_address = recent(session, address, now, BURST_WINDOW) + 1
            repeat = recent(session, browser, now, REPEAT_WINDOW) > 0
            flag = None
            if web.closed(now):
                flag = "closed"
            elif from_address > BURST:
                flag = "burst"
            elif repeat:
                flag = "repeat"
            note(session, [address, browser], now)
            row = {
                "id": str(uuid7()), "device_id": device.id, "store_id": device.store_id,
                "database_id": DATABASE, "seq": _seq(session, device.id),
                "survey_id": survey_id, "question_id": question_id, "config_version": version,
                "scale": web.scale.name, "score": score, "source": "web", "reason": None,
                "recorded_at": to_utc_text(now), "clock_synced": True, "boot_id": BOOT,
                "mono_ns": 0, "flag": flag,
            }  # fmt: skip
            if receipt:  # rolls back and raises if the token cannot answer (issue 32)
                consume_receipt(session, receipt, device.code, row["id"], now)
            try:
                ingest(session, caller, [row], now)  # commits, or rolls back and raises
            except ApiError as e:
                if e.code != "seq_taken" or attempt == ATTEMPTS:
                    raise
                continue  # another answer of this link took the number first
            return Answer(row["id"], flag, from_address > LIMIT)
    raise AssertionError("unreachable")


class FollowupError(ValueError):
    """The second step cannot be taken: ``why`` says which (``answered``, ``gone``)."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def follow_up(
    session: Session,
    web: WebSurvey,
    rating_id: str,
    reason: str | None,
    words: str,
    language: str,
    now: datetime,
    lock: AbstractContextManager | None = None,
) -> None:
    """Add *reason* (a key of the survey's, checked by the caller) and *words* (kept by
    :func:`hq.words.keep.keep_comment`, personal data removed; never stored here) to the
    web answer *rating_id*, once; commits. A :class:`FollowupError` if it was taken
    already or the rating is not this link's."""
    with lock or nullcontext():
        try:
            rating = session.get(Rating, rating_id)
            if rating is None or rating.device_id != web.device.id:
                raise FollowupError("gone")
            session.add(WebFollowup(rating_id=rating_id, answered_at=to_utc_text(now)))
            session.flush()  # a second sending stops here, on the primary key
            if reason:
                before = _counted(rating)
                rating.reason = reason
                move(session, rating.store_id, [(before, _counted(rating))], web.timezone)
            keep_comment(
                session, rating_id=rating_id, store_id=rating.store_id,
                device_id=rating.device_id, language=language, text=words, now=now,
                reasons=web.reasons(language),
            )  # fmt: skip
            session.commit()
        except IntegrityError:
            session.rollback()
            raise FollowupError("answered") from None
        except BaseException:
            session.rollback()
            raise


def _counted(rating: Rating) -> dict:
    """The columns the counts key a rating by (:class:`hq.tables.rollups.Counts`)."""
    names = ("store_id", "device_id", "recorded_at", "survey_id", "question_id",
             "config_version", "scale", "score", "flag", "reason", "time_suspect")  # fmt: skip
    return {n: getattr(rating, n) for n in names}
