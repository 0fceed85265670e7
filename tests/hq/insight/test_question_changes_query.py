"""The question check of the rankings and the store page finds the stores that asked more
than one question version in two steps on SQLite (the stores whose versions differ, then
their versions' first days), from the kept question days (or the hour counts, for a
kiosk's split); it finds the same stores and the same days as one query grouping every
store's hour counts by version, as the check once did. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from hq.insight.splits import question_changes
from hq.tables.models import HourCount, QuestionDay

FIRST = date(2026, 10, 1)
V1 = ("smiley4", "default", "overall", 1)  # scale, survey, question, settings version
HISTORIES = {  # per store: the version asked each of six weeks
    "one": [V1] * 6,
    "settings": [V1] * 3 + [("smiley4", "default", "overall", 2)] * 3,
    "question": [V1] * 2 + [("smiley4", "default", "queue", 1)] * 4,
    "survey": [V1] * 4 + [("smiley4", "autumn", "overall", 1)] * 2,
    "scale": [V1] * 3 + [("smiley5", "default", "overall", 1)] * 3,
    "back": [("nps", "default", "overall", 3), ("nps", "default", "overall", 4)] * 3,
    "flagged": [("ces", "default", "overall", 1)] * 6,  # another version on flagged rows only
}


def one_query(session, store_ids, first, last, *where):
    """The check as it was: one query over the counted hour counts of the span (and
    *where*), grouped by store and version."""
    t = HourCount
    query = (
        select(t.store_id, t.scale, t.survey_id, t.question_id, t.config_version, func.min(t.day))
        .where(t.store_id.in_(store_ids), t.flag == "", *where)
        .where(t.day >= first.isoformat(), t.day <= last.isoformat())
        .group_by(t.store_id, t.scale, t.survey_id, t.question_id, t.config_version)
    )
    starts: dict[str, list[str]] = {}
    for store_id, *_version, since in session.execute(query):
        starts.setdefault(store_id, []).append(since)
    return {s: date.fromisoformat(max(days)) for s, days in starts.items() if len(days) > 1}


def test_the_two_step_check_finds_what_one_query_found(hq):
    rng = random.Random(31)
    asked: Counter = Counter()  # the question days, as ingest keeps them beside the hours
    with hq.sessions() as s:
        for store, weeks in HISTORIES.items():
            for d in range(42):
                day = (FIRST + timedelta(days=d)).isoformat()
                scale, survey, question, version = weeks[d // 7]
                for hour in rng.sample(range(8, 20), 3):
                    n = rng.randint(1, 9)
                    s.add(HourCount(store_id=store, day=day, hour=hour, device_id=f"{store}-k",
                                    survey_id=survey, question_id=question,
                                    config_version=version, scale=scale, score=2, flag="",
                                    reason="", n=n))  # fmt: skip
                    asked[(store, day, scale, survey, question, version)] += n
                if store == "flagged":
                    s.add(HourCount(store_id=store, day=day, hour=7, device_id=f"{store}-k",
                                    survey_id="other", question_id="other", config_version=9,
                                    scale="ces", score=2, flag="repeat", reason="",
                                    n=1))  # fmt: skip
        for (store, day, scale, survey, question, version), n in asked.items():
            s.add(QuestionDay(store_id=store, day=day, scale=scale, survey_id=survey,
                              question_id=question, config_version=version, n=n))  # fmt: skip
        s.commit()
        stores = sorted(HISTORIES)
        d = lambda n: FIRST + timedelta(days=n)  # noqa: E731
        spans = [(d(0), d(41)), (d(14), d(27)), (d(21), d(41)), (d(0), d(0))]
        for first, last in spans:
            assert question_changes(s, stores, first, last) == one_query(s, stores, first, last)
        whole = question_changes(s, stores, *spans[0])
        assert whole == {
            "settings": FIRST + timedelta(days=21),
            "question": FIRST + timedelta(days=14),
            "survey": FIRST + timedelta(days=28),
            "scale": FIRST + timedelta(days=21),
            "back": FIRST + timedelta(days=7),
        }
        third = FIRST + timedelta(days=21)
        assert question_changes(s, stores, *spans[1]) == {"settings": third, "scale": third,
                                                          "back": third}  # fmt: skip
        device = HourCount.device_id == "settings-k"
        assert question_changes(s, ["settings"], *spans[0], device) == {
            "settings": whole["settings"]
        }
        assert question_changes(s, [], *spans[0]) == {}
