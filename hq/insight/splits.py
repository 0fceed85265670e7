"""A store page split by kiosk or by question version, and the trend broken where the
question changes: ratings of different questions are never drawn as one line.

Every rating carries ``survey_id``, ``question_id`` and ``config_version``; the kept hour
counts (:class:`hq.tables.models.HourCount`) hold them, so a split is a condition on those
counts. ``?kiosk=DEVICE`` keeps one kiosk's ratings, ``?asked=SURVEY/QUESTION/VERSION``
one question version's. In the trend a day on which more than one question was asked
has no point, and the line starts again after each change, with a mark saying which
question was asked from then on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Column, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import replacement_traverse

from hq.core.errors import PeriodError
from hq.core.language import N_
from hq.insight.period import Period
from hq.tables.database import among
from hq.tables.models import Device, HourCount, QuestionDay, Store
from kiosk.counting import metrics

Question = tuple[str, str]  # survey_id, question_id


@dataclass(frozen=True)
class Split:
    """What a store page is limited to: a kiosk, a question version, hours of the day
    (``first``–``last``, both included), weekdays (0 = Monday), or any of them together."""

    kiosk: str | None = None
    asked: tuple[str, str, int] | None = None
    hours: tuple[int, int] | None = None
    weekdays: frozenset[int] | None = None
    days: tuple[str, ...] = ()  # the page's and its comparison's days on those weekdays

    @property
    def where(self) -> tuple:
        """The conditions on :class:`HourCount` that keep the split's ratings."""
        t, out = HourCount, []
        if self.kiosk:
            out.append(t.device_id == self.kiosk)
        if self.asked:
            survey, question, version = self.asked
            out += [t.survey_id == survey, t.question_id == question, t.config_version == version]
        if self.hours:
            out.append(t.hour.between(*self.hours))
        if self.weekdays is not None:
            out.append(t.day.in_(self.days))
        return tuple(out)

    @property
    def when(self) -> bool:
        """Whether the page is limited to some hours or weekdays."""
        return self.hours is not None or self.weekdays is not None

    @property
    def query(self) -> str:
        """The hours and weekdays as query parameters, for links that keep them."""
        from urllib.parse import urlencode

        params: list[tuple[str, object]] = []
        if self.hours:
            params += [("hour_from", self.hours[0]), ("hour_to", self.hours[1])]
        params += [("weekday", d) for d in sorted(self.weekdays or ())]
        return "&" + urlencode(params) if params else ""


def choose_split(
    session: Session,
    store: Store,
    kiosk: str | None,
    asked: str | None,
    period: Period | None = None,
    hours: tuple[str | None, str | None] = (None, None),
    weekdays: list[int] | None = None,
) -> Split:
    """The split the page asked for; a :class:`~hq.core.errors.PeriodError` naming what is
    wrong (the dashboard shows it translated). Weekdays need the *period*: the days on
    them, from the start of what it is compared with to its end."""
    if kiosk:
        device = session.get(Device, kiosk)
        if device is None or device.store_id != store.id:
            raise PeriodError(
                N_("kiosk: there is no kiosk {kiosk} in {store}"),
                kiosk=repr(kiosk),
                store=store.name,
            )
    version = None
    if asked:
        parts = asked.split("/")
        if len(parts) != 3 or not all(parts) or not parts[2].isdigit():
            raise PeriodError(
                N_("asked: {asked} is not SURVEY/QUESTION/VERSION (e.g. default/overall/3)"),
                asked=repr(asked),
            )
        version = (parts[0], parts[1], int(parts[2]))
    first, last = _hour("hour_from", hours[0]), _hour("hour_to", hours[1])
    if first is not None or last is not None:
        first, last = 0 if first is None else first, 23 if last is None else last
        if first > last:
            raise PeriodError(N_("hour_from {first} is after hour_to {last}"), first=first,
                              last=last)  # fmt: skip
    within = None if first is None else (first, last)
    if not weekdays or period is None:
        return Split(kiosk or None, version, within)
    start = min(period.before[0], period.first - timedelta(days=period.length))
    span = range(start.toordinal(), period.last.toordinal() + 1)
    chosen = frozenset(weekdays)
    days = tuple(d.isoformat() for d in map(date.fromordinal, span) if d.weekday() in chosen)
    return Split(kiosk or None, version, within, chosen, days)


def _hour(name: str, text: str | None) -> int | None:
    """An hour of the day from a form field (empty: none); a PeriodError naming *name*."""
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit() or int(text) > 23:
        raise PeriodError(N_("{name}={given}: give an hour from 0 to 23"), name=name,
                          given=repr(text))  # fmt: skip
    return int(text)


@dataclass(frozen=True)
class Asked:
    """One question version asked in the page's days, and its counted ratings' figures."""

    survey_id: str
    question_id: str
    config_version: int
    first: date
    last: date
    summary: metrics.Summary

    @property
    def key(self) -> str:
        return f"{self.survey_id}/{self.question_id}/{self.config_version}"


def question_versions(
    session: Session, store: Store, days: list[date], scale: str, *where
) -> tuple[list[Asked], list[set[Question]]]:
    """The question versions asked on *scale* in *days* (first asked first) with their
    figures, and per day the questions asked that day (counted ratings only)."""
    t = HourCount
    kept = (
        t.store_id == store.id, t.scale == scale, t.flag == "", *where,
        t.day >= days[0].isoformat(), t.day <= days[-1].isoformat(),
    )  # fmt: skip
    # summed in the database: a row per version and score, and one per day and question
    # (a year is some 400 rows, where a row per day, version and score was 1 500)
    version = (t.survey_id, t.question_id, t.config_version)
    by_version = select(*version, t.score, func.sum(t.n), func.min(t.day), func.max(t.day))
    scores: dict[tuple[str, str, int], Counter[int]] = {}
    seen: dict[tuple[str, str, int], list[str]] = {}
    for survey, question, config, score, n, first, last in session.execute(
        by_version.where(*kept).group_by(*version, t.score)
    ):
        key = (survey, question, int(config))
        scores.setdefault(key, Counter())[score] += int(n)
        span = seen.setdefault(key, [first, last])
        span[0], span[1] = min(span[0], first), max(span[1], last)
    index = {d.isoformat(): i for i, d in enumerate(days)}
    per_day: list[set[Question]] = [set() for _ in days]
    for day, survey, question in session.execute(_asked_by_day(store.id, scale, days, where)):
        per_day[index[day]].add((survey, question))
    versions = [
        Asked(*key, date.fromisoformat(seen[key][0]), date.fromisoformat(seen[key][1]),
              metrics.summarize(scale, scores[key]))
        for key in sorted(seen, key=lambda k: (seen[k][0], k))
    ]  # fmt: skip
    return versions, per_day


def _asked_by_day(store_id: str, scale: str, days: list[date], where: tuple):
    """The (day, survey, question) pairs of counted ratings on *scale* in *days*: from the
    kept question days (a row or two a day), or from the hour counts when *where* names
    what only they keep (a kiosk, hours of the day)."""
    on_days = _on_question_days(where)
    if on_days is None:
        t, kept = HourCount, (HourCount.flag == "", *where)
    else:
        t, kept = QuestionDay, on_days
    return (
        select(t.day, t.survey_id, t.question_id)
        .where(t.store_id == store_id, t.scale == scale, *_days(t, days[0], days[-1]), *kept)
        .distinct()
    )


def broken(
    series: list[float | None], asked: list[set[Question]]
) -> tuple[list[float | None], list[tuple[int, str, str]]]:
    """*series* with no point on a day that mixes questions, and the breaks: (the day's
    index, ``changed`` or ``mixed``, the question or questions) where the question asked
    changes or a day mixes two (:data:`hq.insight.charts.BREAKS` says them)."""
    out, breaks, last = list(series), [], None
    for i, questions in enumerate(asked):
        if len(questions) > 1:
            out[i] = None
            names = ", ".join(sorted(q for _, q in questions))
            breaks.append((i, "mixed", names))
            last = None
        elif questions:
            (only,) = questions
            if last is not None and only != last:
                breaks.append((i, "changed", f"{only[1]} ({only[0]})"))
            last = only
    return out, breaks


def question_changes(
    session: Session, store_ids: list[str], first: date, last: date, *where
) -> dict[str, date]:
    """The stores of *store_ids* that asked more than one question version (survey,
    question, settings version or scale) in *first*–*last*, each with the day the newest
    one was first asked. A change between a period and what it is compared with is not a
    change of what shoppers think (issue 30, B8): the rankings and the reports show none
    for these stores, and say the question changed on that day.

    Read from the kept question days (:class:`hq.tables.models.QuestionDay`, a row or two
    per store-day); *where* (conditions on :class:`HourCount`) on a question version or
    days is asked of them too, but one on what they do not keep (a kiosk, hours of the
    day: a store page's split) is answered from the hour counts."""
    if not store_ids:
        return {}
    kept = _on_question_days(where)
    if kept is None:
        t = HourCount
        return _changes(session, t, store_ids, (t.flag == "", *_days(t, first, last), *where))
    q = QuestionDay
    return _changes(session, q, store_ids, (*_days(q, first, last), *kept))


def _days(t, first: date, last: date) -> tuple:
    return t.day >= first.isoformat(), t.day <= last.isoformat()


def _on_question_days(where: tuple) -> tuple | None:
    """*where* (conditions on :class:`HourCount`) as conditions on :class:`QuestionDay`,
    or None where one names a column the question days do not keep."""
    columns, missing = QuestionDay.__table__.c, []

    def swap(element):
        if isinstance(element, Column) and element.table is HourCount.__table__:
            if element.name not in columns or element.name == "n":
                missing.append(element.name)
                return None
            return columns[element.name]
        return None

    out = tuple(replacement_traverse(w, {}, swap) for w in where)
    return None if missing else out


def _changes(session: Session, t, store_ids: list[str], span: tuple) -> dict[str, date]:
    """:func:`question_changes` read from the table *t* (its rows kept by *span*)."""
    parts = (t.scale, t.survey_id, t.question_id, t.config_version)
    changed = store_ids
    if session.get_bind().dialect.name == "sqlite":
        # SQLite sorts the rows for a GROUP BY that is not its index's order (PostgreSQL
        # hashes them): first the stores that asked more than one version, where a part's
        # least and greatest differ, grouped by store alone in the index's order, nothing
        # sorted; only those few are grouped by version.
        bounds = [f(c) for c in parts for f in (func.min, func.max)]
        spread = select(t.store_id, *bounds).where(among(session, t.store_id, store_ids), *span)
        changed = [
            store_id
            for store_id, *ends in session.execute(spread.group_by(t.store_id))
            if any(low != high for low, high in zip(ends[::2], ends[1::2], strict=True))
        ]
        if not changed:
            return {}
    query = (
        select(t.store_id, *parts, func.min(t.day))
        .where(among(session, t.store_id, changed), *span)
        .group_by(t.store_id, *parts)
    )
    starts: dict[str, list[str]] = {}
    for store_id, *_version, since in session.execute(query):
        starts.setdefault(store_id, []).append(since)
    return {s: date.fromisoformat(max(days)) for s, days in starts.items() if len(days) > 1}


# The privacy guard (issue 30): no split of a store's or a region's ratings (a kiosk, an
# hour, a weekday, a reason, a day) shows a figure made of fewer than `few` ratings (HQ's
# min_cell, HYMIO_HQ_MIN_CELL, default 5): a handful of ratings at one kiosk or on one
# morning says how the person working there was rated. Their number stays.
HIDDEN = ("counts", "csat", "index", "nps", "promoters", "passives", "detractors", "ces")


def guarded(summary: dict, few: int) -> dict:
    """*summary* (:meth:`kiosk.counting.metrics.Summary.as_dict`) without its figures when
    it has fewer than *few* ratings (but some); its scale and count stay."""
    if not 0 < summary.get("count", 0) < few:
        return summary
    return {k: (None if k in HIDDEN else v) for k, v in summary.items()}


def guarded_days(days: list[dict], few: int) -> list[dict]:
    """Each day of :func:`hq.insight.counts.daily` with the figures of each scale guarded."""
    return [{**d, "scales": {s: guarded(v, few) for s, v in d["scales"].items()}} for d in days]


def guarded_series(series: list, counts: list[int], few: int) -> list:
    """The trend's points, none on a day with fewer than *few* ratings."""
    return [None if 0 < n < few else p for p, n in zip(series, counts, strict=True)]


def guarded_ranked(rows: list, few: int) -> list:
    """Ranked kiosks (:class:`hq.insight.ranking.Ranked`) without an estimate, interval or
    change when they have fewer than *few* ratings."""
    from dataclasses import replace

    return [
        replace(r, estimate=None, low=None, high=None, change=None) if r.n < few else r
        for r in rows
    ]


def guarded_reasons(items: list, few: int) -> list:
    """Reason shares (``ReasonShare`` or ``(label, ReasonShare)``) given on *few* unhappy
    answers or more; a rarer reason is not shown."""
    return [i for i in items if (i[1] if isinstance(i, tuple) else i).n >= few]
