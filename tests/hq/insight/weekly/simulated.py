"""A simulated store for the weekly summary: nine weeks of counted ratings (eight of norm,
then the week looked at) with an hourly rhythm, weeks that differ more than binomial noise
(a mood of the week), follow-up reasons, and a change planted where a test wants one."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import numpy as np

from hq.insight.weekly.slices import NORM_WEEKS, Cell
from hq.tables.models import DayCount, HourCount, QuestionDay

FIRST = date(2026, 9, 7)  # a Monday: the first norm week
HOURS = range(8, 22)
REASONS = ("queue", "staff", "clean", "")  # "": no reason given
REASON_SHARES = (0.35, 0.2, 0.1, 0.35)


def store_weeks(
    seed: int,
    per_hour: float = 8.0,
    unhappy: float = 0.15,
    week_spread: float = 0.15,
    planted: dict | None = None,
    kiosks: tuple[str, ...] = ("k1", "k2"),
    first: date = FIRST,
) -> list[Cell]:
    """Cells of one store on smiley4 (1–2 unhappy), *per_hour* ratings an hour at each
    kiosk. *planted*: in the week looked at, the unhappy share of the hours matching
    ``weekday``, ``hours`` (first, end) and ``kiosk`` (each: any if absent) is ``share``;
    *first* is the Monday of the first norm week."""
    rng = np.random.default_rng(seed)
    shape = (NORM_WEEKS + 1, 7, len(HOURS), len(kiosks))
    hour = np.array(HOURS)[None, None, :, None]
    logit = (np.log(unhappy / (1 - unhappy)) + 0.3 * (hour >= 17)
             - 0.2 * np.arange(len(kiosks))[None, None, None, :]
             + rng.normal(0, week_spread, NORM_WEEKS + 1)[:, None, None, None])  # fmt: skip
    p = np.broadcast_to(1 / (1 + np.exp(-logit)), shape).copy()
    if planted:
        start, end = planted.get("hours", (0, 24))
        days = [planted["weekday"]] if "weekday" in planted else list(range(7))
        hours = [i for i, h in enumerate(HOURS) if start <= h < end]
        ks = [kiosks.index(planted["kiosk"])] if "kiosk" in planted else list(range(len(kiosks)))
        p[NORM_WEEKS][np.ix_(days, hours, ks)] = planted["share"]
    n = rng.poisson(per_hour, shape)
    u = rng.binomial(n, p)
    best = rng.binomial(n - u, 0.5)
    worst = rng.binomial(u, 0.4)
    cells = []
    for (w, d, h, k), total in np.ndenumerate(n):
        if not total:
            continue
        day, hr, kiosk = first + timedelta(weeks=w, days=d), HOURS[h], kiosks[k]
        bad = int(u[w, d, h, k])
        given = rng.multinomial(bad, REASON_SHARES)
        ones = int(worst[w, d, h, k])
        for reason, m in zip(REASONS, given, strict=True):
            low = min(ones, int(m))
            ones -= low
            for score, c in ((1, low), (2, int(m) - low)):
                if c:
                    cells.append(Cell(w, kiosk, day, hr, reason, score, c))
        top = int(best[w, d, h, k])
        for score, c in ((3, int(total) - bad - top), (4, top)):
            if c:
                cells.append(Cell(w, kiosk, day, hr, "", score, c))
    return cells


def keep(hq, store_id: str, cells: list[Cell], flagged: bool = False) -> None:
    """Put *cells* into *store_id*'s kept counts as ingest keeps them: ``rating_hours``
    (and, if *flagged*, the same again as repeats, which count for nothing),
    ``rating_days`` (the cards) and ``question_days`` (one question asked)."""
    days: dict[str, Counter] = {}
    with hq.sessions() as s, s.begin():
        for c in cells:
            for flag in ("", "repeat") if flagged else ("",):
                s.add(HourCount(store_id=store_id, day=c.day.isoformat(), hour=c.hour,
                                device_id=c.unit, survey_id="default", question_id="overall",
                                config_version=1, scale="smiley4", score=c.score, flag=flag,
                                reason=c.reason, n=c.n))  # fmt: skip
            days.setdefault(c.day.isoformat(), Counter())[c.score] += c.n
        for day, scores in days.items():
            row = {f"s{k}": v for k, v in scores.items()}
            s.add(DayCount(store_id=store_id, day=day, scale="smiley4", **row))
            s.add(QuestionDay(store_id=store_id, day=day, scale="smiley4", survey_id="default",
                              question_id="overall", config_version=1,
                              n=sum(scores.values())))  # fmt: skip
