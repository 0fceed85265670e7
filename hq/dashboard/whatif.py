"""The store's "what if" page: its ratings re-counted with another repeat window.

``GET /stores/{id}/what-if?repeat_window=&thank_you=&from=&to=`` shows, for the store's
local days (the last 30 by default, as on the store page), the ratings counted, the
headline metric, the index and each flag as stored and as :mod:`hq.insight.recount` re-counts
them. Logged in only; a bad window or range is a 400 page that says what to give.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from hq.core.errors import PeriodError
from hq.core.language import ENGLISH, N_, Language
from hq.dashboard.pages import _page, _to_login, logged_in, speaks, store_for
from hq.ingest.wire import Day
from hq.insight.counts import today
from hq.insight.figures import NOT_COUNTED, headline
from hq.insight.period import choose
from hq.insight.recount import (
    DEFAULTS,
    LEAD_IN,
    THANK_YOU_LIMITS,
    WINDOW_LIMITS,
    Recount,
    store_thank_you,
    what_if,
)
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Line:
    """One row of the page's table: a figure as stored, re-counted, and the difference."""

    key: str
    label: str  # the msgid of what it is, or of the flag's text after "Not counted: "
    flag: bool  # a reason for not counting
    stored: str
    recounted: str
    difference: str


def lines(result: Recount, language: Language = ENGLISH) -> list[Line]:
    """The table of *result*: ratings counted, the headline metric and the index of the
    most used scale, then each reason for not counting (the known flags first); numbers
    in *language*'s format."""
    scale = result.scale
    key, label = headline(scale)
    # Rounded half-up to one decimal first, as the store page shows them.
    before = result.stored.summary(scale).as_dict()
    after = result.recounted.summary(scale).as_dict()
    n = language.number
    out = [_count(n, "counted", N_("Ratings counted"), result.stored.counted,
                  result.recounted.counted)]  # fmt: skip
    out.append(_metric(n, key, label, before[key], after[key]))
    if scale.startswith("smiley"):
        out.append(_metric(n, "index", N_("Satisfaction index"), before["index"], after["index"]))
    was, now = result.stored.by_flag(), result.recounted.by_flag()
    flags = [f for f in NOT_COUNTED if was[f] or now[f]]
    flags += sorted(f for f in (was | now) if f not in NOT_COUNTED)
    for flag in flags:
        what = NOT_COUNTED.get(flag, flag)
        out.append(_count(n, flag, what, was[flag], now[flag], flag=True))
    return out


def _count(n, key: str, label: str, a: int, b: int, flag: bool = False) -> Line:
    sign = "+" if b > a else "-"
    return Line(key, label, flag, n(a), n(b), n(0) if a == b else sign + n(abs(b - a)))


def _metric(n, key: str, label: str, a: float | None, b: float | None) -> Line:
    def shown(v: float | None) -> str:
        return "–" if v is None else n(v, 1)

    if a is None or b is None:
        difference = "–"
    else:
        change = b - a
        sign = "+" if change > 0 else "-"
        difference = n(0.0, 1) if abs(change) < 0.05 else sign + n(abs(change), 1)
    return Line(key, label, False, shown(a), shown(b), difference)


def seconds(text: str | None, name: str, limits: tuple[float, float], default: float) -> float:
    """A number of seconds from a form field (empty: *default*); a
    :class:`~hq.core.errors.PeriodError` naming *name* that says what to give when it is not a
    number within *limits*."""
    if text is None or not text.strip():
        return default
    low, high = limits
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # also NaN and infinities
        raise PeriodError(
            N_("{name}={given}: give a number of seconds from {low} to {high}"),
            name=name, given=repr(text), low=f"{low:g}", high=f"{high:g}",
        )  # fmt: skip
    return value + 0.0  # -0 is 0


def _text(value: float) -> str:
    """Seconds as a form shows them: 6, 0.5, 1234.5678 (every digit kept)."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


@router.get("/stores/{store_id}/what-if", response_class=HTMLResponse)
def what_if_page(
    store_id: str,
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    repeat_window: Annotated[str | None, Query(max_length=40)] = None,
    thank_you: Annotated[str | None, Query(max_length=40)] = None,
    first: Annotated[Day | None, Query(alias="from", description="first local day")] = None,
    last: Annotated[Day | None, Query(alias="to", description="last local day")] = None,
):
    """The store's days re-counted with another ``repeat_window`` (and ``thank_you``)."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    store = store_for(db, user, store_id)
    if store is None:
        return _page(request, "missing.html", user, 404, store_id=store_id)
    words = speaks(request, user)
    try:
        period = choose(today(store, now), first, last, "previous")
        window = seconds(repeat_window, "repeat_window", WINDOW_LIMITS, DEFAULTS.repeat_window)
        thanks = seconds(thank_you, "thank_you", THANK_YOU_LIMITS, store_thank_you(db, store.id))
    except PeriodError as e:
        why = words.translate(e.text, **e.values)
        return _page(request, "problem.html", user, 400, why=why, store=store)
    result = what_if(db, store, period.first, period.last, window, thanks)
    return _page(
        request, "whatif.html", user, store=store, period=period, result=result,
        lines=lines(result, words), lead_in=int(LEAD_IN.total_seconds() // 60),
        window=_text(window), thanks=_text(thanks),
        window_limits=[_text(v) for v in WINDOW_LIMITS],
        thank_you_limits=[_text(v) for v in THANK_YOU_LIMITS],
    )  # fmt: skip
