"""``GET /api/v1/comments`` and ``PUT /api/v1/comments/{rating_id}/topics``: the API twin
of the comments page (:mod:`hq.dashboard.words.pages`), with the same filters, the same
access (:mod:`hq.people.access`) and the same functions (:mod:`hq.words.read`,
:func:`hq.words.keep.set_topics`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from hq.api import errors
from hq.core.errors import ApiError
from hq.fleet.survey.publish import standing_survey
from hq.tables.surveys import Comment
from hq.web.deps import DB, Now, Reader, WriteLock
from hq.words import read
from hq.words.keep import TopicsError, set_topics

router = APIRouter(prefix="/api/v1", tags=["comments"])
Param = Annotated[str, Query(max_length=80)]


class CommentOut(BaseModel):
    """One comment, personal data removed before it was kept."""

    rating_id: str
    store_id: str
    store_name: str
    touchpoint: str = Field(description="the web link's device id")
    touchpoint_name: str
    stage: str = Field(description="the touchpoint's journey stage ('' unset)")
    scale: str
    score: int = Field(description="the face the shopper chose, on the scale")
    counted: bool = Field(description="false: the answer is flagged and left out of figures")
    recorded_at: str = Field(description="UTC")
    local_time: str = Field(description="in the store's time zone, YYYY-MM-DD HH:MM")
    language: str
    text: str = Field(description="the words, personal data replaced by [email], [phone] …")
    topics: list[str] = Field(description="reason keys of the store's survey")
    matched: dict[str, list[str]] = Field(description="topic → the words that matched it")
    topics_edited_by: str | None = Field(description="who last set the topics by hand")
    topics_edited_at: str | None


class TopicCount(BaseModel):
    topic: str
    comments: int


class Comments(BaseModel):
    """The comments under the filter, newest first, a page at a time; ``topics`` counts
    the counted comments per topic, none from fewer than ``few`` (the privacy guard)."""

    total: int
    page: int
    page_size: int
    comments: list[CommentOut]
    counted: int | None = Field(description="counted comments (None: fewer than few)")
    topics: list[TopicCount]
    few: int


class Topics(BaseModel):
    """The topics to set: reason keys of the comment's store's survey."""

    topics: list[str] = Field(max_length=16)


def _filter(db, reader, now, store, touchpoint, score, topic, first, last) -> read.CommentFilter:
    try:
        return read.read_filter(
            db, reader, now.date(), store=store, touchpoint=touchpoint, score=score,
            topic=topic, first=first, last=last,
        )  # fmt: skip
    except read.CommentFilterError as e:
        status, code = (
            (404, "not_found") if e.field in ("store", "touchpoint") else (400, "bad_filter")
        )
        raise ApiError(status, code, str(e)) from None


@router.get("/comments", response_model=Comments, responses=errors(400, 401, 404, 422))
def comments(
    request: Request, db: DB, now: Now, reader: Reader,
    store: Param = "", touchpoint: Param = "", score: Param = "", topic: Param = "",
    first: Annotated[str, Query(alias="from", max_length=20)] = "",
    last: Annotated[str, Query(alias="to", max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Comments:  # fmt: skip
    """The comments of web answers the reader may see: of a store, a touchpoint, a face
    (``score``) and a topic (a reason key) if given, on the local days ``from`` … ``to``
    (default the last 30 days)."""
    chosen = _filter(db, reader, now, store, touchpoint, score, topic, first, last)
    shown, total = read.comments(db, reader, chosen, page)
    few = request.app.state.min_cell
    counts = read.topic_counts(db, reader, chosen, few)
    return Comments(
        total=total, page=page, page_size=read.PAGE,
        comments=[CommentOut(**vars(c)) for c in shown],
        counted=counts.comments if counts.shown else None,
        topics=[TopicCount(topic=k, comments=n) for k, n in counts.topics],
        few=few,
    )  # fmt: skip


@router.put("/comments/{rating_id}/topics", response_model=CommentOut,
            responses=errors(400, 401, 403, 404, 422))  # fmt: skip
def put_topics(
    rating_id: Annotated[str, Path(max_length=64)],
    body: Topics, db: DB, now: Now, lock: WriteLock, reader: Reader,
) -> CommentOut:  # fmt: skip
    """Set a comment's topics by hand (an analyst's or admin's API token): who and when
    are kept with it and in the audit log."""
    if not reader.who.startswith("token:"):
        raise ApiError(401, "token_required", "setting topics takes an API token as Bearer")
    row = db.get(Comment, rating_id)
    if row is None or not reader.sees(row.store_id):
        raise ApiError(404, "not_found", f"no comment {rating_id!r}")
    if not reader.edits_topics(row.store_id):
        raise ApiError(403, "forbidden", "only an analyst or an admin sets a comment's topics")
    allowed = read.reason_keys(standing_survey(db, row.store_id)) + list(row.topics or [])
    try:
        with lock:
            set_topics(db, rating_id=rating_id, topics=body.topics, allowed=allowed,
                       actor=reader.who, now=now)  # fmt: skip
            db.commit()
    except TopicsError as e:
        db.rollback()
        raise ApiError(400, "bad_topics", str(e)) from None
    return CommentOut(**vars(read.one(db, reader, rating_id)))
