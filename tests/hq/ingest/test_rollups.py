"""The counts kept at ingest (:mod:`hq.tables.rollups`) against the ratings themselves: for random
ratings (time zones with and without DST, around the changes of the clocks, every scale,
flags, reasons, question versions, times HQ cannot believe, clock repairs, re-sends),
on SQLite and PostgreSQL, every figure the pages and the API read from the counts equals
the same figure computed from the raw rows with :mod:`kiosk.counting.metrics`, and the kept tables
equal a count made afresh (and :func:`hq.tables.rollups.rebuild`'s)."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hq.insight.counts import day_counts, device_summaries, heat_and_reasons, reason_shares
from hq.people.admin import add_device, add_store
from hq.tables.models import DayCount, HourCount, Rating
from hq.tables.rollups import rebuild
from kiosk.counting import metrics
from kiosk.counting.scales import SCALES, is_negative
from kiosk.timekeeping.localtime import local_date, local_hour, to_utc_text

ZONES = ["Europe/Helsinki", "America/New_York", "Asia/Kathmandu", "UTC"]
# Around the changes of the clocks in 2026 (EU spring and autumn, US autumn), and a day HQ
# cannot believe (a kiosk clock in 2023).
MOMENTS = [
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
    datetime(2026, 11, 19, 21, 30, tzinfo=UTC),
    datetime(2023, 6, 1, 12, 0, tzinfo=UTC),
]
FLAGS = [None, None, None, "repeat", "lockout", "stuck", "closed"]


@st.composite
def a_rating(draw) -> dict:
    scale = SCALES[draw(st.sampled_from(["smiley3", "smiley4", "smiley5", "nps", "ces"]))]
    score = draw(st.integers(scale.low, scale.high))
    at = draw(st.sampled_from(MOMENTS)) + timedelta(minutes=draw(st.integers(-90, 150)))
    later = draw(st.one_of(st.none(), st.integers(1, 3000)))  # repaired: minutes later
    return {
        "device": draw(st.sampled_from(["a", "b"])),
        "scale": scale.name,
        "score": score,
        "flag": draw(st.sampled_from(FLAGS)),
        "reason": draw(st.sampled_from([None, "queue", "availability"])),
        "question": draw(st.sampled_from([("default", "overall", 1), ("q2", "service", 2)])),
        "at": at,
        "repair": None if later is None else at + timedelta(minutes=later),
        "twice": draw(st.booleans()),
    }


def raw(session, store_id: str) -> list[dict]:
    """The store's ratings as :mod:`kiosk.counting.metrics` takes them (HQ's mark as a flag)."""
    rows = session.scalars(select(Rating).where(Rating.store_id == store_id))
    return [
        {
            "device_id": r.device_id, "recorded_at": r.recorded_at, "scale": r.scale,
            "score": r.score, "reason": r.reason, "survey_id": r.survey_id,
            "question_id": r.question_id, "config_version": r.config_version,
            "flag": "time_suspect" if r.time_suspect else r.flag,
        }
        for r in rows
    ]  # fmt: skip


def counted_afresh(rows: list[dict], tz: str) -> tuple[Counter, Counter]:
    hours, days = Counter(), Counter()
    for r in rows:
        day, hour = local_date(r["recorded_at"], tz).isoformat(), local_hour(r["recorded_at"], tz)
        flag, reason = r["flag"] or "", r["reason"] or ""
        hours[(day, hour, r["device_id"], r["survey_id"], r["question_id"],
               r["config_version"], r["scale"], r["score"], flag, reason)] += 1  # fmt: skip
        days[(day, r["scale"], flag or r["score"])] += 1  # s0 … s10, or the flag's column
    return hours, days


def kept(session, store_id: str) -> tuple[Counter, Counter]:
    hours = Counter()
    for h in session.scalars(select(HourCount).where(HourCount.store_id == store_id)):
        key = (h.day, h.hour, h.device_id, h.survey_id, h.question_id, h.config_version,
               h.scale, h.score, h.flag, h.reason)  # fmt: skip
        hours[key] += h.n
    days = Counter()
    for d in session.scalars(select(DayCount).where(DayCount.store_id == store_id)):
        for column in DayCount.columns():
            if getattr(d, column):
                slot = int(column[1:]) if column[1:].isdigit() else column
                days[(d.day, d.scale, slot)] += getattr(d, column)
    return hours, days


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tz=st.sampled_from(ZONES), drawn=st.lists(a_rating(), min_size=1, max_size=30))
def test_every_figure_read_from_the_counts_equals_the_raw_rows(hq, tz, drawn):
    hq.app.state.min_cell = 1  # the arithmetic; the privacy guard: test_privacy_guard
    store_id = f"r{uuid.uuid4().hex[:8]}"
    with hq.sessions() as s:
        store = add_store(s, store_id, "Property", tz, hq.clock.now)
        tokens = {d: add_device(s, store_id, f"{store_id}{d}", hq.clock.now) for d in "ab"}
    for i, d in enumerate(drawn):
        survey, question, version = d["question"]
        rating = hq.rating(
            device_id=f"{store_id}{d['device']}", store_id=store_id, seq=i + 1,
            scale=d["scale"], score=d["score"], flag=d["flag"], reason=d["reason"],
            survey_id=survey, question_id=question, config_version=version,
            recorded_at=to_utc_text(d["at"]), clock_synced=d["repair"] is None,
        )  # fmt: skip
        token = tokens[d["device"]]
        assert hq.post([rating], token=token).status_code == 200
        if d["twice"]:
            assert hq.post([rating], token=token).json()["duplicates"] == 1
        if d["repair"] is not None:
            rating.update(recorded_at=to_utc_text(d["repair"]), clock_synced=True)
            assert hq.post([rating], token=token).json()["repaired"] == 1

    with hq.sessions() as s:
        store = s.merge(store)
        rows = raw(s, store_id)
        assert kept(s, store_id) == counted_afresh(rows, tz)
        all_days = sorted({local_date(r["recorded_at"], tz) for r in rows})
        days = [all_days[0] + timedelta(n) for n in range((all_days[-1] - all_days[0]).days + 1)]
        first, last = days[0], days[-1]
        counted = day_counts(s, store, days)
        for scale in {r["scale"] for r in rows}:
            by_day = metrics.by_local_day(scale, rows, tz, days)
            assert [counted.summary(i, scale) for i in range(len(days))] == list(by_day.values())
            middle = days[len(days) // 2]
            heat, both = heat_and_reasons(s, store, first, last, scale, middle)
            assert heat == grid(rows, tz, scale)
            assert reasons(both) == shares(rows, tz, scale, middle)
            per_device = device_summaries(s, store, first, last, scale)
            assert per_device == {
                dev: metrics.summarize_ratings(scale, [r for r in rows if r["device_id"] == dev])
                for dev in {r["device_id"] for r in rows if r["scale"] == scale}
            }
            assert reasons(reason_shares(s, store, first, last, scale, middle)) == shares(
                rows, tz, scale, middle
            )
        for (survey, question, version) in {(r["survey_id"], r["question_id"],
                                             r["config_version"]) for r in rows}:  # fmt: skip
            one = [r for r in rows if (r["survey_id"], r["question_id"], r["config_version"])
                   == (survey, question, version)]  # fmt: skip
            asked = day_counts(
                s, store, days, HourCount.survey_id == survey,
                HourCount.question_id == question, HourCount.config_version == version,
            )  # fmt: skip
            for scale in {r["scale"] for r in one}:
                expected = list(metrics.by_local_day(scale, one, tz, days).values())
                assert [asked.summary(i, scale) for i in range(len(days))] == expected
        recent = max(first, last - timedelta(days=365))  # the API gives at most a year
        daily = hq.client.get(
            f"/api/v1/stores/{store_id}/daily",
            params={"from": recent.isoformat(), "to": last.isoformat()},
            headers=hq.auth(hq.reader_token),
        )
        assert daily.status_code == 200, daily.text
        for day in daily.json()["days"]:
            on = [r for r in rows if local_date(r["recorded_at"], tz).isoformat() == day["date"]]
            assert day["ratings"] == len(on)
            assert day["flagged"] == len([r for r in on if r["flag"]])
            for scale, figures in day["scales"].items():
                assert figures == metrics.summarize_ratings(scale, on).as_dict()
        before = kept(s, store_id)
        assert rebuild(s, store_id) == len(rows)
        s.commit()
        assert kept(s, store_id) == before


def grid(rows: list[dict], tz: str, scale: str) -> list[list[tuple[int, int]]]:
    cells = [[(0, 0)] * 24 for _ in range(7)]
    for r in rows:
        if r["flag"] is None and r["scale"] == scale:
            wd, h = local_date(r["recorded_at"], tz).weekday(), local_hour(r["recorded_at"], tz)
            n, unhappy = cells[wd][h]
            cells[wd][h] = (n + 1, unhappy + is_negative(SCALES[scale], r["score"]))
    return cells


def reasons(found) -> list[tuple[str, int, float, float | None]]:
    keyed = [r.n for r in found if r.key]
    assert keyed == sorted(keyed, reverse=True)  # most first, then "no reason given" last
    assert all(r.key for r in found[:-1])
    return sorted((r.key, r.n, round(r.share, 9), None if r.change is None else round(r.change, 9))
                  for r in found)  # fmt: skip


def shares(rows: list[dict], tz: str, scale: str, middle: date):
    unhappy = [
        r for r in rows
        if r["flag"] is None and r["scale"] == scale and is_negative(SCALES[scale], r["score"])
    ]  # fmt: skip
    halves = [[r for r in unhappy if (local_date(r["recorded_at"], tz) >= middle) == h]
              for h in (False, True)]  # fmt: skip
    given = Counter(r["reason"] for r in unhappy if r["reason"])
    if given:  # the answers without a reason are a row of their own (issue 30)
        given[""] = sum(1 for r in unhappy if not r["reason"])
    out = []
    for key, n in given.items():
        if not n:
            continue
        each = [100 * sum((r["reason"] or "") == key for r in h) / len(h) if h else None
                for h in halves]  # fmt: skip
        change = None if None in each else each[1] - each[0]
        out.append((key, n, round(100 * n / len(unhappy), 9),
                    None if change is None else round(change, 9)))  # fmt: skip
    return sorted(out)


def test_rebuild_figures_counts_again_what_was_lost_and_the_migration_fills_them(
    hq, database_url, capsys
):
    from sqlalchemy import delete

    from hymio.cli import main

    hq.post([hq.rating(score=s) for s in (1, 2, 4, 4)])
    with hq.sessions() as s:
        before = kept(s, "s1")
        s.execute(delete(DayCount))
        s.execute(delete(HourCount).where(HourCount.score == 4))
        s.commit()
        assert kept(s, "s1") != before
    assert main(["hq", "rebuild-figures", "--database", database_url, "--store", "s1"]) == 0
    assert "counted 4 ratings of store s1" in capsys.readouterr().out
    with hq.sessions() as s:
        assert kept(s, "s1") == before == counted_afresh(raw(s, "s1"), "Europe/Helsinki")
    hq.app.state.engine.dispose()

    from sqlalchemy import inspect

    from hq.tables.database import open_database
    from tests.hq.migrating import migrated

    with migrated(database_url, "0007", down=True) as conn:  # an HQ before the kept counts
        assert "rating_days" not in inspect(conn).get_table_names()
    engine, sessions = open_database(database_url)
    with sessions() as s:
        assert kept(s, "s1") == before
    engine.dispose()


NEAR_CHANGES = [
    m.replace(tzinfo=None) + timedelta(minutes=k)
    for m in MOMENTS
    for k in (-61, -31, -1, 0, 29, 59, 89)
]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([*ZONES, "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns"]),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1))
    | st.sampled_from(NEAR_CHANGES),
)
def test_a_ratings_local_day_and_hour_read_from_its_utc_hour_are_its_own(zone_name, instant):
    """The counts take a rating's local day and hour from a cache of its UTC hour; that is
    the day and hour of the rating's own time, in zones of part-hour offsets, across the
    changes of the clocks, and in the years of local mean time (offsets with seconds)."""
    from hq.tables.rollups import Counts
    from kiosk.timekeeping.localtime import zone

    tz = zone(zone_name)
    at = instant.replace(tzinfo=UTC)
    counts = Counts()
    counts.add(
        {"recorded_at": to_utc_text(at), "time_suspect": False, "flag": None,
         "store_id": "s", "device_id": "k", "survey_id": "v", "question_id": "q",
         "config_version": 1, "scale": "smiley4", "score": 3, "reason": None},
        tz,
    )  # fmt: skip
    local = at.astimezone(tz)
    ((key, n),) = counts.hours.items()
    assert (key[1], key[2], n) == (local.date().isoformat(), local.hour, 1)
