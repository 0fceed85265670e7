"""One main scale per store and days, whoever looks: the store's page and cards, the
rankings of stores and of regions, the re-count, the weekly summary's and the alert
mail's SQL all lead with the scale of the most counted ratings (then the most ratings,
then by name), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from hq.insight.chain import rankings
from hq.insight.counts import add_day, by_use, day_counts, main_scale
from hq.insight.figures import store_figures
from hq.insight.period import choose
from hq.insight.recount import Tally
from hq.insight.regions.ranking import rank_regions
from hq.people.roles import add_region, set_store_region
from hq.tables.models import DAY_FLAGS, SCORES, DayCount, Store
from tests.hq.conftest import NOON

DAY = date(2026, 11, 20)
SCALES = ("ces", "nps", "smiley3", "smiley4")
WIDTH = len(SCORES) + len(DAY_FLAGS)  # a day row's counts


def test_many_flagged_ratings_do_not_make_a_scale_the_main_one(hq):
    """s1's six repeats on NPS outnumber its four counted smileys: every view leads with
    the smileys, where counting every rating led the page and the rankings with NPS while
    the weekly summary and the alert mail led with the smileys."""
    nps = [hq.rating(scale="nps", score=9, flag="repeat") for _ in range(6)]
    smileys = [hq.rating(scale="smiley4", score=4) for _ in range(4)]
    assert hq.post(nps + smileys).status_code == 200
    with hq.sessions() as s:
        add_region(s, "south", "South", None, NOON)
        set_store_region(s, "s1", "south")
    with hq.sessions() as s:
        store = s.get(Store, "s1")
        period = choose(DAY, None, None, "previous")
        ranked = rankings(s, [store], NOON)
        regions = rank_regions(s, period)
        counted = day_counts(s, store, [DAY])
        seen = {
            "page": store_figures(s, store, NOON).scale,
            "ranking": [r.scale for rows in ranked.values() for r in rows],
            "region ranking": [r.scale for rows in regions.values() for r in rows],
            "the day's scales": counted.scales,
            "SQL": main_scale(s, ["s1"], DAY, DAY),
        }
    assert seen == {
        "page": "smiley4",
        "ranking": ["smiley4"],
        "region ranking": ["smiley4"],
        "the day's scales": ["smiley4", "nps"],
        "SQL": "smiley4",
    }


def test_ties_go_by_every_rating_then_by_name():
    counted = Counter({("nps", 9, None): 3, ("ces", 5, None): 3, ("smiley4", 2, None): 3})
    assert by_use([counted]) == ["ces", "nps", "smiley4"]
    counted[("smiley4", None, "repeat")] += 1
    assert by_use([counted]) == ["smiley4", "ces", "nps"]
    assert by_use([Counter()]) == ["smiley4"]  # nothing rated: the default scale
    assert Tally(counted).scales == by_use([counted])


rows = st.lists(
    st.tuples(
        st.sampled_from(["s1", "s2"]),
        st.integers(0, 3),  # days after DAY
        st.sampled_from(SCALES),
        st.lists(st.integers(0, 3), min_size=WIDTH, max_size=WIDTH),
    ),
    max_size=12,
    unique_by=lambda r: r[:3],
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(rows=rows, first=st.integers(0, 3), length=st.integers(0, 3),
       stores=st.sampled_from([["s1"], ["s2"], ["s1", "s2"]]))  # fmt: skip
def test_the_sql_rule_is_the_python_rule(hq, rows, first, length, stores):
    """:func:`main_scale` over the kept day counts picks what :func:`by_use` picks over
    the same rows added up in Python, and nothing where no rating of them is counted."""
    with hq.sessions() as s, s.begin():
        s.execute(delete(DayCount))
        for store_id, offset, scale, values in rows:
            day = (DAY + timedelta(days=offset)).isoformat()
            s.add(DayCount(store_id=store_id, day=day, scale=scale,
                           **dict(zip(DayCount.columns(), values, strict=True))))  # fmt: skip
    a, b = DAY + timedelta(days=first), DAY + timedelta(days=first + length)
    counts: Counter = Counter()
    for store_id, offset, scale, values in rows:
        if store_id in stores and a <= DAY + timedelta(days=offset) <= b:
            add_day(counts, scale, values)
    expected = by_use([counts])[0] if any(f is None for (_, _, f) in +counts) else None
    with hq.sessions() as s:
        assert main_scale(s, stores, a, b) == expected
