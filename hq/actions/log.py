"""What a store did about its feedback, and what its kiosks tell shoppers ("you said, we
did", issue 19).

An *action* is recorded against a store and a local day ("third checkout opened at
16–18"); the store page marks it on the trend chart, so its effect can be seen. A
*message* is one short line per language that the store's kiosks show under the
thank-you, pulled with the survey settings (:func:`hq.fleet.surveys.survey_for`).

Every check is made before anything is written: a bad value raises
:class:`~hq.core.errors.ActionError` naming the field, and changes nothing.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import ActionError, UnknownStoreError
from hq.core.language import N_
from hq.core.names import on_one_line
from hq.ingest.wire import FIRST_DAY
from hq.insight.counts import today
from hq.tables.actions import ACTION_LENGTH, MESSAGE_LENGTH, StoreAction, StoreMessage
from hq.tables.models import Store
from kiosk.settings.survey import LANGUAGES
from kiosk.timekeeping.localtime import to_utc_text

AUTHOR_LENGTH = 64  # as users.username
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\Z", re.ASCII)


def record_action(
    session: Session, store_id: str, day: date | str, text: str, author: str, now: datetime
) -> StoreAction:
    """Keep that *author* did *text* at the store on its local *day* (not after its today)."""
    store = _store(session, store_id)
    day = _day(day, today(store, now))
    text = _action_text(text)
    _author(author)
    row = StoreAction(
        store_id=store.id, day=day.isoformat(), text=text, author=author,
        created_at=to_utc_text(now),
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row


def actions_between(session: Session, store_id: str, first: date, last: date) -> list[StoreAction]:
    """The store's actions on the local days *first* … *last*, oldest day first (then in
    the order they were recorded)."""
    return list(
        session.scalars(
            select(StoreAction)
            .where(
                StoreAction.store_id == store_id,
                StoreAction.day >= first.isoformat(),
                StoreAction.day <= last.isoformat(),
            )
            .order_by(StoreAction.day, StoreAction.id)
        )
    )


def set_message(
    session: Session, store_id: str, language: str, text: str, author: str, now: datetime
) -> str:
    """Publish *text* as the store's kiosk message in *language*; an empty (or blank)
    *text* clears it. The text as kept (trimmed), ``""`` when cleared."""
    store = _store(session, store_id)
    if language not in LANGUAGES:
        raise ActionError(
            "language",
            N_("language: {value} is not one of {choices}; nothing was changed."),
            value=repr(language),
            choices=", ".join(LANGUAGES),
        )
    text = _message_text(text)
    _author(author)
    row = session.get(StoreMessage, (store.id, language))
    if not text:
        if row is not None:
            session.delete(row)
            session.commit()
        return ""
    if row is None:
        row = StoreMessage(store_id=store.id, language=language)
        session.add(row)
    row.text, row.author, row.updated_at = text, author, to_utc_text(now)
    session.commit()
    return text


def messages_of(session: Session, store_id: str) -> dict[str, str]:
    """The store's kiosk messages by language, only the languages that have one (in the
    order fi, sv, en)."""
    rows = session.scalars(select(StoreMessage).where(StoreMessage.store_id == store_id))
    found = {r.language: r.text for r in rows}
    return {lang: found[lang] for lang in LANGUAGES if lang in found}


def _store(session: Session, store_id: str) -> Store:
    store = session.get(Store, store_id)
    if store is None:
        raise UnknownStoreError(f"no store {store_id!r}")
    return store


def _day(value: date | str, latest: date) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if _ISO_DAY.match(value) else None
        except ValueError:  # 2026-02-30
            value = None
        if value is None:
            raise ActionError("day", N_("day: give the date as YYYY-MM-DD; nothing was changed."))
    if not FIRST_DAY <= value <= latest:
        raise ActionError(
            "day",
            N_("day: {day} is not a day from {first} to today ({today}); nothing was changed."),
            day=value.isoformat(),
            first=FIRST_DAY.isoformat(),
            today=latest.isoformat(),
        )
    return value


def _action_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ActionError("text", N_("text: write what was done; nothing was changed."))
    if not on_one_line(text, allowed="\n\t"):
        raise ActionError("text", N_("text: contains a control character; nothing was changed."))
    if len(text) > ACTION_LENGTH:
        raise ActionError(
            "text",
            N_("text: {length} characters is too long; at most {most}. Nothing was changed."),
            length=len(text),
            most=ACTION_LENGTH,
        )
    return text


def _message_text(text: str) -> str:
    text = (text or "").strip()
    if not on_one_line(text):
        raise ActionError(
            "text",
            N_("text: the kiosk shows one line, so no line breaks or control characters;"
               " nothing was changed."),
        )  # fmt: skip
    if len(text) > MESSAGE_LENGTH:
        raise ActionError(
            "text",
            N_("text: {length} characters is too long; at most {most}. Nothing was changed."),
            length=len(text),
            most=MESSAGE_LENGTH,
        )
    return text


def _author(author: str) -> None:
    if not author or len(author) > AUTHOR_LENGTH:
        raise ActionError("author", N_("author: a user name of 1–64 characters is needed."))
