"""``GET /api/v1/stores/{store_id}/weekly-changes`` and
``GET /api/v1/regions/{region_id}/weekly-changes``: what changed in a store's or a
region's last complete week (or the week holding ``week``) against its eight weeks
before, the same as its page shows (:mod:`hq.insight.weekly`), with the sentences in
``lang``. A store or region the reader may not see is a 404, as one that does not exist."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from hq.api import errors
from hq.core.errors import ApiError
from hq.core.language import language
from hq.ingest.wire import Day
from hq.insight.regions.figures import region_group
from hq.insight.weekly.summary import WeeklySummary, region_summary, store_summary
from hq.insight.weekly.words import Told, told
from hq.people.access import Scope
from hq.web.deps import DB, Now, Reader, visible_store

router = APIRouter(prefix="/api/v1", tags=["figures"])
Week = Annotated[Day | None, Query(description="a local day of the week to look at "
                                   "(default: the last complete week)")]  # fmt: skip
Lang = Annotated[Literal["fi", "sv", "en"], Query(description="the sentences' language")]


class ChangeOut(BaseModel):
    """One change beyond noise: where (the slice's parts), the share in % before (the
    norm) and after (the week), n of each, the index, the test's p-values, the words."""

    where: dict[str, str | int] = Field(description="kiosk, store, weekday (0 = Monday), "
                                        "hours, busyness (band), reason; empty: all")  # fmt: skip
    measure: str = Field(description="unhappy: share of the ratings; reason: of the unhappy")
    before: float
    after: float
    points: float
    n: int
    norm_n: int
    index_before: float | None
    index_after: float | None
    p: float
    p_adjusted: float = Field(description="Holm's, over every slice tested")
    sentence: str
    test: str


class WeeklyChanges(BaseModel):
    """A weekly summary: ``verdict`` is changes, no_change or too_early."""

    scope: str
    id: str
    name: str
    first: str
    last: str
    norm_first: str
    scale: str | None
    stores: dict[str, str] = Field(description="the stores pooled: id → name")
    verdict: str
    ratings: int
    norm_ratings: int
    tested: int
    week_variation: float = Field(description="τ², log-odds²: the weeks' spread beyond noise")
    title: str
    line: str
    method: str
    changes: list[ChangeOut]


def _answer(summary: WeeklySummary, said: Told) -> WeeklyChanges:
    e = summary.examined
    changes = []
    for one in said.changes:
        c = one.change
        changes.append(ChangeOut(
            where=c.parts, measure=c.measure, before=round(c.before, 1), after=round(c.after, 1),
            points=round(c.points, 1), n=c.n, norm_n=c.norm_n,
            index_before=_round(c.index_before), index_after=_round(c.index_after),
            p=c.p, p_adjusted=c.p_adjusted, sentence=one.sentence, test=one.test,
        ))  # fmt: skip
    return WeeklyChanges(
        scope=summary.scope, id=summary.ident, name=summary.name,
        first=summary.first.isoformat(), last=summary.last.isoformat(),
        norm_first=summary.norm_first.isoformat(), scale=summary.scale,
        stores=summary.units or {summary.ident: summary.name}, verdict=summary.verdict,
        ratings=e.ratings, norm_ratings=e.norm_ratings, tested=e.tested,
        week_variation=round(e.tau2, 4), title=said.title, line=said.line, method=said.method,
        changes=changes,
    )  # fmt: skip


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@router.get("/stores/{store_id}/weekly-changes", response_model=WeeklyChanges,
            responses=errors(401, 404, 422))  # fmt: skip
def store_changes(request: Request, store_id: str, session: DB, now: Now, reader: Reader,
                  week: Week = None, lang: Lang = "en") -> WeeklyChanges:  # fmt: skip
    """What changed in the store's week against its own norm."""
    store = visible_store(session, reader, store_id)
    summary = store_summary(session, store, now, request.app.state.min_cell, week)
    return _answer(summary, told(session, summary, language(lang)))


@router.get("/regions/{region_id}/weekly-changes", response_model=WeeklyChanges,
            responses=errors(401, 404, 422))  # fmt: skip
def region_changes(request: Request, region_id: str, session: DB, now: Now, reader: Reader,
                   week: Week = None, lang: Lang = "en") -> WeeklyChanges:  # fmt: skip
    """What changed in the region's week (its stores pooled) against its own norm."""
    group = region_group(session, region_id) if reader.covers(Scope("region", region_id)) else None
    if group is None:
        raise ApiError(404, "unknown_region", f"no region {region_id!r}")
    summary = region_summary(session, group.id, group.name, group.stores, now,
                             request.app.state.min_cell, week)  # fmt: skip
    return _answer(summary, told(session, summary, language(lang)))
