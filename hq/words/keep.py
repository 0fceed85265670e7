"""Keeping a shopper's words with their web answer, and an analyst's edit of their topics.

:func:`keep_comment` is what the web survey calls with the rating it is about to commit:
the words are stripped, their personal data removed (:mod:`hq.words.redact`), cut to
:data:`MAX_LENGTH`, tagged with the store's reasons (:mod:`hq.words.topics`) and added to
the caller's transaction; the original text is never stored, logged or returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hq.core.errors import DuplicateError, InputError
from hq.people import audit
from hq.tables.surveys import Comment
from hq.words.redact import PLACEHOLDER, redact
from hq.words.topics import LANGUAGES, tag
from kiosk.settings.survey import REASON_PATTERN
from kiosk.timekeeping.localtime import to_utc_text

MAX_LENGTH = 1000  # characters kept; the web survey's text box says so (maxlength)
# Characters read at all. Redaction runs before the cut to MAX_LENGTH, so an e-mail address
# across the cut is removed whole, not kept in part. A longer post is cut here first: each
# placeholder stands for at least twice its own length less one, so the first MAX_LENGTH
# characters kept come from well inside MAX_INPUT and never from a part cut in two here.
MAX_INPUT = 4 * MAX_LENGTH
CUT = "…"


class CommentExistsError(DuplicateError):
    """That rating already has its comment; a rating has one at most, kept once."""


class TopicsError(InputError):
    """The topics given for a comment are not reasons of its store's survey."""


@dataclass(frozen=True)
class Kept:
    """A comment as it was stored: its text after redaction (cut to :data:`MAX_LENGTH`,
    ``cut`` saying so), its topics and the words that matched each, and how many of each
    kind of personal data were removed (``removed``: kind → count)."""

    rating_id: str
    text: str
    topics: list[str]
    matched: dict[str, list[str]]
    removed: dict[str, int]
    cut: bool


def _cut(text: str) -> tuple[str, bool]:
    """*text* shortened to :data:`MAX_LENGTH` characters with :data:`CUT` after it, at a
    space if one is near and never inside a placeholder."""
    if len(text) <= MAX_LENGTH:
        return text, False
    head = text[: MAX_LENGTH - len(CUT)]
    opened = head.rfind("[")
    if (
        opened != -1
        and "]" not in head[opened:]
        and head[opened:] in {p[: len(head) - opened] for p in PLACEHOLDER.values()}
    ):
        head = head[:opened]
    space = head.rfind(" ")
    if space > len(head) - 40:
        head = head[:space]
    return head.rstrip() + CUT, True


def keep_comment(
    session: Session,
    *,
    rating_id: str,
    store_id: str,
    device_id: str,
    language: str,
    text: str | None,
    now: datetime,
    reasons: Mapping[str, str],
) -> Kept | None:
    """Keep the words of web answer *rating_id*, personal data removed, in *session*'s
    transaction (the caller commits them with the rating); ``None`` when there are no
    words. *reasons* is the store's survey's reason keys, in its order, each with its
    label in *language* (as the page showed them); the topics are found among them.

    A second comment for one rating raises :class:`CommentExistsError`; a *language*
    other than fi, sv or en an :class:`~hq.core.errors.InputError`.
    """
    if language not in LANGUAGES:
        raise InputError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    words = (text or "").strip()
    if not words:
        return None
    if session.get(Comment, rating_id) is not None:
        raise CommentExistsError(f"rating {rating_id} already has its comment")
    found = redact(words[:MAX_INPUT])
    kept, cut = _cut(found.text.strip())
    topics = tag(kept, language, reasons)
    row = Comment(
        rating_id=rating_id,
        store_id=store_id,
        device_id=device_id,
        language=language,
        text=kept,
        created_at=to_utc_text(now),
        topics=topics.keys,
        matched=topics.matched,
    )
    session.add(row)
    session.flush()
    return Kept(rating_id, kept, topics.keys, topics.matched, dict(found.removed), cut)


def set_topics(
    session: Session,
    *,
    rating_id: str,
    topics: Iterable[str],
    allowed: Iterable[str],
    actor: str,
    now: datetime,
) -> Comment:
    """Set comment *rating_id*'s topics by hand to *topics* (reason keys of *allowed*,
    its store's survey's), noting who and when and writing the audit log, in *session*'s
    transaction; :class:`KeyError` when there is no such comment, :class:`TopicsError`
    naming a topic that cannot be used."""
    row = session.get(Comment, rating_id)
    if row is None:
        raise KeyError(rating_id)
    allowed = list(allowed)
    chosen: list[str] = []
    for key in topics:
        if not isinstance(key, str) or not re.fullmatch(REASON_PATTERN, key):
            raise TopicsError(f"topic {key!r} is not a reason key")
        if key not in allowed:
            raise TopicsError(f"topic {key!r} is not one of {', '.join(allowed)}")
        if key not in chosen:
            chosen.append(key)
    chosen.sort(key=allowed.index)
    before = list(row.topics or [])
    row.topics = chosen
    row.topics_edited_by, row.topics_edited_at = actor[:80], to_utc_text(now)
    audit.record(
        session, actor, "topics", "comment", rating_id, {"from": before, "to": chosen}, at=now
    )
    return row
