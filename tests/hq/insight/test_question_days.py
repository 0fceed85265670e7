"""The question check of the rankings and the store pages (:func:`question_changes`) reads
the kept question days (``question_days``) instead of every hour count; it answers what
the check over the hour counts answered (kept below as the plain model) and what the
ratings themselves say, on SQLite and PostgreSQL: for random kiosk ratings over a week
(question versions, scales, flags, times HQ cannot believe, clock repairs that move a
rating to another day, out of the counts or into them, re-sends), for web answers
(flagged repeats, a follow-up's reason, a new survey version), with and without a
store page's split, and after ``rebuild``; so do the questions of each day the store page
reads from them. A database of migration 0025 with ratings gives the same answers once
upgraded."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select

from hq.fleet.surveys import set_survey
from hq.fleet.touchpoints import add_web_link
from hq.insight.splits import question_changes, question_versions
from hq.people.admin import add_device, add_store
from hq.tables.models import HourCount, QuestionDay, Rating, Store
from hq.tables.rollups import rebuild
from kiosk.counting.scales import SCALES
from kiosk.timekeeping.localtime import local_date, to_utc_text
from tests.hq.insight.test_question_changes_query import one_query

ZONES = ["Europe/Helsinki", "America/New_York", "Asia/Kathmandu"]
MONDAY = datetime(2026, 11, 9, tzinfo=UTC)  # a week before the hq fixture's clock
ASKED = [  # survey, question, config version, scale
    ("default", "overall", 1, "smiley4"),
    ("default", "overall", 2, "smiley4"),
    ("autumn", "overall", 1, "smiley4"),
    ("default", "overall", 1, "nps"),
]
FLAGS = [None, None, None, "repeat", "lockout"]
SUSPECT = datetime(2023, 6, 1, 12, 0, tzinfo=UTC)  # before Hymiö: HQ marks the time
DAYS = [date(2026, 11, 8) + timedelta(days=i) for i in range(10)]
SPANS = [(DAYS[0], DAYS[-1]), (DAYS[1], DAYS[3]), (DAYS[2], DAYS[2]), (DAYS[4], DAYS[9]),
         (DAYS[0], DAYS[5])]  # fmt: skip


def counted(session, store_id: str, tz: str) -> Counter:
    """The store's counted ratings afresh from the rows: (day, scale, survey, question,
    version) → n."""
    out: Counter = Counter()
    for r in session.scalars(select(Rating).where(Rating.store_id == store_id)):
        if r.flag is None and not r.time_suspect:
            day = local_date(r.recorded_at, tz).isoformat()
            out[(day, r.scale, r.survey_id, r.question_id, r.config_version)] += 1
    return out


def kept(session, store_id: str) -> dict:
    rows = session.scalars(select(QuestionDay).where(QuestionDay.store_id == store_id)).all()
    assert all(q.n > 0 for q in rows)  # a version no longer counted on a day is gone
    return {(q.day, q.scale, q.survey_id, q.question_id, q.config_version): q.n for q in rows}


def from_ratings(afresh: Counter, store_id: str, first: date, last: date) -> dict[str, date]:
    """The answer from the ratings themselves: the newest version's first day, where more
    than one was asked in *first*–*last*."""
    starts: dict[tuple, str] = {}
    for (day, *version), n in afresh.items():
        if n and first.isoformat() <= day <= last.isoformat():
            key = tuple(version)
            starts[key] = min(starts.get(key, day), day)
    return {store_id: date.fromisoformat(max(starts.values()))} if len(starts) > 1 else {}


def agree(session, store_id: str, tz: str) -> None:
    """The kept question days and every answer of the check, against the plain models."""
    afresh = counted(session, store_id, tz)
    assert kept(session, store_id) == {k: n for k, n in afresh.items() if n}
    t = HourCount  # a store page's splits: by kiosk or hours (read from the hour counts),
    # by question version or weekdays (from the question days)
    splits = [(t.device_id == f"{store_id}a",), (t.hour.between(8, 12),),
              (t.survey_id == "default",), (t.survey_id == "default", t.config_version == 1),
              (t.day.in_([d.isoformat() for d in DAYS[::2]]),)]  # fmt: skip
    asked_by_day(session, store_id, afresh, splits)
    for first, last in SPANS:
        found = question_changes(session, [store_id], first, last)
        assert found == one_query(session, [store_id], first, last)
        assert found == from_ratings(afresh, store_id, first, last)
        for where in splits:
            assert question_changes(session, [store_id], first, last, *where) == one_query(
                session, [store_id], first, last, *where
            )


def asked_by_day(session, store_id: str, afresh: Counter, splits: list[tuple]) -> None:
    """The store page's questions of each day (:func:`question_versions`, which breaks the
    trend where they change): whole, from the question days, as the ratings say; split,
    as the hour counts say."""
    store, t = session.get(Store, store_id), HourCount
    for scale in sorted({k[1] for k in afresh} | {"smiley4"}):
        _, per_day = question_versions(session, store, DAYS, scale)
        on = [{(k[2], k[3]) for k, n in afresh.items() if n and k[:2] == (d.isoformat(), scale)}
              for d in DAYS]  # fmt: skip
        assert per_day == on
        for where in splits:
            _, per_day = question_versions(session, store, DAYS, scale, *where)
            expected: list[set] = [set() for _ in DAYS]
            for day, survey, question in session.execute(
                select(t.day, t.survey_id, t.question_id).where(
                    t.store_id == store_id, t.scale == scale, t.flag == "", t.n > 0, *where
                )
            ):
                if DAYS[0].isoformat() <= day <= DAYS[-1].isoformat():
                    expected[DAYS.index(date.fromisoformat(day))].add((survey, question))
            assert per_day == expected


@st.composite
def a_rating(draw) -> dict:
    survey, question, version, scale = draw(st.sampled_from(ASKED))
    at = MONDAY + timedelta(days=draw(st.integers(0, 6)), minutes=draw(st.integers(0, 1439)))
    when = st.sampled_from([SUSPECT]) | st.builds(
        lambda d, m: MONDAY + timedelta(days=d, minutes=m), st.integers(0, 6), st.integers(0, 1439)
    )
    return {
        "device": draw(st.sampled_from("ab")),
        "asked": {"survey_id": survey, "question_id": question, "config_version": version},
        "scale": scale,
        "score": draw(st.integers(SCALES[scale].low, SCALES[scale].high)),
        "flag": draw(st.sampled_from(FLAGS)),
        "at": SUSPECT if draw(st.integers(0, 5)) == 0 else at,
        "repair": draw(st.none() | when),  # the kiosk's clock set later: another time
        "twice": draw(st.booleans()),
    }


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tz=st.sampled_from(ZONES), drawn=st.lists(a_rating(), min_size=1, max_size=25))
def test_the_kept_question_days_answer_as_the_hour_counts_and_the_ratings(hq, tz, drawn):
    store_id = f"q{uuid.uuid4().hex[:8]}"
    with hq.sessions() as s:
        add_store(s, store_id, "Property", tz, hq.clock.now)
        tokens = {d: add_device(s, store_id, f"{store_id}{d}", hq.clock.now) for d in "ab"}
    for i, d in enumerate(drawn):
        rating = hq.rating(
            device_id=f"{store_id}{d['device']}", store_id=store_id, seq=i + 1,
            scale=d["scale"], score=d["score"], flag=d["flag"], **d["asked"],
            recorded_at=to_utc_text(d["at"]), clock_synced=d["repair"] is None,
        )  # fmt: skip
        token = tokens[d["device"]]
        assert hq.post([rating], token=token).status_code == 200
        if d["twice"]:
            assert hq.post([rating], token=token).json()["duplicates"] == 1
        if d["repair"] is not None and d["repair"] != d["at"]:
            rating.update(recorded_at=to_utc_text(d["repair"]), clock_synced=True)
            assert hq.post([rating], token=token).json()["repaired"] == 1
    with hq.sessions() as s:
        agree(s, store_id, tz)
        assert rebuild(s, store_id) == len(drawn)
        s.commit()
        agree(s, store_id, tz)


def test_a_repair_that_takes_a_days_only_rating_of_a_version_away_ends_the_change(hq):
    """The one rating of version 2 moves from Tuesday to a time HQ cannot believe: that
    day no longer asked it, and no change remains."""
    day = lambda n: to_utc_text(MONDAY + timedelta(days=n, hours=10))  # noqa: E731
    old = {"survey_id": "default", "question_id": "overall", "config_version": 1}
    new = {**old, "config_version": 2}
    sent = [hq.rating(recorded_at=day(0), **old), hq.rating(recorded_at=day(2), **old),
            hq.rating(recorded_at=day(1), clock_synced=False, **new)]  # fmt: skip
    assert hq.post(sent).status_code == 200
    with hq.sessions() as s:
        assert question_changes(s, ["s1"], DAYS[0], DAYS[-1]) == {"s1": DAYS[2]}
    sent[2].update(recorded_at=to_utc_text(SUSPECT), clock_synced=True)
    assert hq.post([sent[2]]).json()["repaired"] == 1
    with hq.sessions() as s:
        assert question_changes(s, ["s1"], DAYS[0], DAYS[-1]) == {}
        assert one_query(s, ["s1"], DAYS[0], DAYS[-1]) == {}
        assert {k[0] for k in kept(s, "s1")} == {DAYS[1].isoformat(), DAYS[3].isoformat()}
        agree(s, "s1", "Europe/Helsinki")


def _answer(hq, code: str, score: int, reason: str = "") -> None:
    def hidden(html: str) -> dict[str, str]:
        return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))

    page = hq.client.get(f"/r/{code}?lang=en")
    sent = hq.client.post(f"/r/{code}", data={**hidden(page.text), "score": str(score)},
                          follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303, sent.text
    if reason:
        more = hq.client.get(sent.headers["location"])
        done = hq.client.post(f"/r/{code}/more", data={**hidden(more.text), "reason": reason},
                              follow_redirects=False)  # fmt: skip
        assert done.status_code == 303, done.text


def test_web_answers_keep_their_question_days_as_a_kiosks_ratings(hq):
    with hq.sessions() as s:
        code = add_web_link(s, None, "s1", "Door", "entrance", hq.clock.now).code
    nps = {"scale": "nps", "question": {"fi": "Suosittelisitko?", "sv": "Rekommendera?",
                                        "en": "Would you recommend us?"}}  # fmt: skip
    hq.clock.now = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
    _answer(hq, code, 2, reason="queue")  # counted; its reason moves its hour count
    _answer(hq, code, 4)  # the same browser again: a repeat, not counted
    hq.clock.now += timedelta(days=1)
    hq.client.cookies.clear()
    with hq.sessions() as s:
        set_survey(s, "s1", "", {"survey": nps, "hours": {}}, hq.clock.now)
    _answer(hq, code, 9)  # the new question
    hq.client.cookies.clear()
    _answer(hq, code, 8)
    with hq.sessions() as s:
        flags = Counter(s.scalars(select(Rating.flag)))
        assert flags == {None: 3, "repeat": 1}
        assert question_changes(s, ["s1"], DAYS[0], DAYS[-1]) == {"s1": date(2026, 11, 17)}
        assert question_changes(s, ["s1"], DAYS[0], date(2026, 11, 16)) == {}
        agree(s, "s1", "Europe/Helsinki")


def test_an_upgraded_database_of_0025_gives_the_same_answers(hq, database_url):
    """Ratings kept by HQ at 0025 (no question days), then 0026: the question days filled
    from the hour counts answer as before."""
    day = lambda n, h=10: to_utc_text(MONDAY + timedelta(days=n, hours=h))  # noqa: E731
    asked = [{"survey_id": s, "question_id": q, "config_version": v, "scale": sc}
             for s, q, v, sc in ASKED]  # fmt: skip
    sent = [hq.rating(recorded_at=day(n % 7, 8 + n % 9), flag=FLAGS[n % 5], **asked[n // 6 % 4])
            for n in range(40)]  # fmt: skip
    sent += [hq.rating(recorded_at=day(6), **asked[2]), hq.rating(recorded_at=day(5), **asked[3])]
    for r in sent:
        r["score"] = 4
    assert hq.post(sent).status_code == 200
    with hq.sessions() as s:
        before = kept(s, "s1"), [question_changes(s, ["s1", "s2"], *span) for span in SPANS]
        assert any(before[1]) and before[0]
    hq.app.state.engine.dispose()

    from hq.tables.database import open_database
    from tests.hq.migrating import migrated

    with migrated(database_url, "0025_receipts", down=True) as conn:
        assert "question_days" not in inspect(conn).get_table_names()
    engine, sessions = open_database(database_url)  # upgrades to the newest
    try:
        with sessions() as s:
            assert s.scalar(select(func.count()).select_from(QuestionDay)) == len(before[0])
            after = kept(s, "s1"), [question_changes(s, ["s1", "s2"], *span) for span in SPANS]
            assert after == before
            agree(s, "s1", "Europe/Helsinki")
    finally:
        engine.dispose()
