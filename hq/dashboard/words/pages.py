"""``GET /comments`` and ``POST /comments/{rating_id}/topics``.

Each comment is shown as escaped text: the words that matched a topic are marked by
splitting the text around them here (:func:`marked`), never by markup from the comment.
A filter that cannot be read is a 400 page naming the field; a store or touchpoint the
reader may not see is a 404 page, as for one that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi import Query as Q
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from hq.core.language import N_
from hq.core.paging import pages_of
from hq.dashboard.pages import EXPIRED, Reader, _check_csrf, _page, _to_login, logged_in, speaks
from hq.dashboard.survey.form import FACE_COLOURS, MOUTHS
from hq.fleet.survey.publish import standing_survey
from hq.fleet.touchpoints import STAGES
from hq.insight.exports.labels import ReasonLabels
from hq.people.access import Access
from hq.tables.models import Device, Store
from hq.tables.surveys import Comment
from hq.web.deps import DB, Now, WriteLock
from hq.words import read
from hq.words.keep import TopicsError, set_topics
from kiosk.settings.survey import BUILTIN_REASONS, DEFAULT_FACES

router = APIRouter(include_in_schema=False)
Param = Annotated[str, Q(max_length=80)]
EDITORS_ONLY = N_("Only an analyst or an admin sets a comment's topics.")


@dataclass(frozen=True)
class Face:
    """How a comment's face is drawn: a smiley's colour and mouth, or a number."""

    colour: str = ""
    corners: int = 0
    middle: int = 0
    number: str = ""
    label: str = ""


def face_of(scale: str, score: int) -> Face:
    """The face of *score* on *scale* (a number for nps and ces)."""
    faces = DEFAULT_FACES.get(scale)
    if faces and 1 <= score <= len(faces):
        kind = faces[score - 1]
        return Face(FACE_COLOURS[kind], *MOUTHS[kind], label=f"{score}/{len(faces)}")
    return Face(number=str(score), label=f"{score}")


def marked(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """*text* in pieces, each with whether it is one of *words* (to be marked); the
    template escapes every piece."""
    found = sorted({w for w in words if w}, key=len, reverse=True)
    if not found:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(w) for w in found))
    pieces, at = [], 0
    for m in pattern.finditer(text):
        if m.start() > at:
            pieces.append((text[at : m.start()], False))
        pieces.append((m.group(), True))
        at = m.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def _visible_stores(db, access: Access) -> list[Store]:
    stores = db.scalars(select(Store).where(Store.retired_at.is_(None)).order_by(Store.name))
    return access.visible(stores)


def _touchpoints(db, stores: list[Store]) -> list[Device]:
    ids = [s.id for s in stores]
    query = select(Device).where(Device.store_id.in_(ids), Device.kind == "web")
    return list(db.scalars(query.order_by(Device.store_id, Device.name, Device.id)))


def _labels(db, language: str, stores: list[Store], shown) -> dict[tuple[str, str], str]:
    labels = ReasonLabels(db, language, [s.id for s in stores])
    keys = {(c.store_id, k) for c in shown for k in c.topics}
    return {(s, k): labels(s, "", k) or k for s, k in keys}


def _topic_choices(db, stores: list[Store], language: str) -> list[tuple[str, str]]:
    """Every reason key of the stores' surveys, with a label, for the topic filter."""
    labels = ReasonLabels(db, language, [s.id for s in stores])
    keys: dict[str, str] = {}
    for store in stores:
        for key in read.reason_keys(standing_survey(db, store.id)):
            keys.setdefault(key, labels(store.id, "", key) or key)
    for key in BUILTIN_REASONS:
        keys.setdefault(key, labels("", "", key) or key)
    return sorted(keys.items(), key=lambda kv: kv[1].casefold())


def _problem(request: Request, user: Reader, e: read.CommentFilterError) -> HTMLResponse:
    words = speaks(request, user)
    if e.field in ("store", "touchpoint"):
        return _page(request, "missing.html", user, 404, store_id=e.values.get("value", ""))
    why = f"{e.field}: " + words.translate(e.text, **e.values)
    return _page(request, "problem.html", user, 400, why=why, field=e.field, store=None)


@router.get("/comments", response_class=HTMLResponse)
def comments_page(
    request: Request, db: DB, now: Now, lock: WriteLock,
    store: Param = "", touchpoint: Param = "", score: Param = "", topic: Param = "",
    first: Annotated[str, Q(alias="from", max_length=20)] = "",
    last: Annotated[str, Q(alias="to", max_length=20)] = "",
    page: Annotated[int, Q(ge=1, le=100_000)] = 1,
):  # fmt: skip
    """The comments the reader may see, newest first, under the filter."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    try:
        chosen = read.read_filter(db, user.access, now.date(), store=store,
                                  touchpoint=touchpoint, score=score, topic=topic,
                                  first=first, last=last)  # fmt: skip
    except read.CommentFilterError as e:
        return _problem(request, user, e)
    words = speaks(request, user)
    shown, total = read.comments(db, user.access, chosen, page)
    few = request.app.state.min_cell
    stores = _visible_stores(db, user.access)
    allowed = {
        s.id: read.reason_keys(standing_survey(db, s.id))
        for s in stores
        if user.access.edits_topics(s.id) and any(c.store_id == s.id for c in shown)
    }
    topic_labels = _labels(db, words.code, stores, shown)
    for s in allowed:
        for k in allowed[s]:
            topic_labels.setdefault((s, k), ReasonLabels(db, words.code, [s])(s, "", k) or k)
    counts = read.topic_counts(db, user.access, chosen, few)
    choices = _topic_choices(db, stores, words.code)
    return _page(
        request, "words/comments.html", user,
        shown=[(c, face_of(c.scale, c.score),
                marked(c.text, [w for k in c.topics for w in c.matched.get(k, [])]))
               for c in shown],
        total=total, page=page, pages=pages_of(total, read.PAGE), chosen=chosen,
        query=urlencode(chosen.params()), stores=stores, touchpoints=_touchpoints(db, stores),
        topics=choices, topic_names=dict(choices), topic_labels=topic_labels, counts=counts,
        allowed=allowed, few=few, store=None, stages=STAGES,
    )  # fmt: skip


@router.post("/comments/{rating_id}/topics", response_class=HTMLResponse)
async def edit_topics(
    rating_id: str, request: Request, db: DB, now: Now, lock: WriteLock,
    csrf: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
):  # fmt: skip
    """Set the comment's topics to the checked ones (``topic``, repeated)."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    row = db.get(Comment, rating_id)
    if row is None or not user.access.sees(row.store_id):
        return _page(request, "missing.html", user, 404, store_id=rating_id)
    words = speaks(request, user)
    if not user.access.edits_topics(row.store_id):
        why = words.gettext(EDITORS_ONLY)
        return _page(request, "problem.html", user, 403, why=why, store=None)
    if not _check_csrf(request, csrf):
        return _page(request, "problem.html", user, 403, why=words.gettext(EXPIRED), store=None)
    form = await request.form()
    chosen = [t for t in form.getlist("topic") if isinstance(t, str)][:16]
    allowed = read.reason_keys(standing_survey(db, row.store_id)) + list(row.topics or [])
    try:
        with lock:
            set_topics(db, rating_id=rating_id, topics=chosen, allowed=allowed,
                       actor=f"user:{user.username}", now=now)  # fmt: skip
            db.commit()
    except TopicsError as e:
        db.rollback()
        return _page(request, "problem.html", user, 400, why=str(e), field="topic", store=None)
    target = back if back.startswith("/comments") and "//" not in back else "/comments"
    return RedirectResponse(f"{target}#c-{rating_id}", status_code=303)
