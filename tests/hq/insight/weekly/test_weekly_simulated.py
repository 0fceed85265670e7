"""The weekly summary's method on simulated stores (issue 33): a slice that truly changed
is told in at least 90 % of seeded runs, and a store where nothing changed (only the
usual week-to-week variation) is told "no change" in at least 90 %. Plain counts through
:func:`hq.insight.weekly.slices.examine`, the code the pages use, so the runs are cheap."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from hq.insight.weekly.noise import holm, standard_error, two_proportions, week_variation
from hq.insight.weekly.slices import MOST, NORM_WEEKS, Cell, examine
from kiosk.counting.metrics import summarize
from kiosk.counting.scales import get_scale
from tests.hq.insight.weekly.simulated import store_weeks

RUNS = 60
MONDAY_EVENINGS = {"weekday": 0, "hours": (17, 24), "share": 0.45}


def _told(found, parts: dict) -> bool:
    return any(c.parts == parts and c.points > 0 for c in found.changes)


def test_a_planted_change_on_monday_evenings_is_told_in_at_least_90_percent_of_runs():
    told = sum(
        _told(examine(store_weeks(seed, planted=MONDAY_EVENINGS), "smiley4"),
              {"weekday": 0, "hours": "evening"})
        for seed in range(RUNS)
    )  # fmt: skip
    assert told >= 0.9 * RUNS, told


def test_a_kiosk_that_got_worse_is_told_in_at_least_90_percent_of_runs():
    planted = {"kiosk": "k2", "share": 0.33}  # k2's whole week, from some 13 %
    told = sum(
        _told(examine(store_weeks(100 + seed, planted=planted), "smiley4"), {"kiosk": "k2"})
        for seed in range(RUNS)
    )
    assert told >= 0.9 * RUNS, told


def test_pure_noise_is_told_no_change_in_at_least_90_percent_of_runs():
    verdicts = [examine(store_weeks(1000 + seed), "smiley4").verdict for seed in range(RUNS)]
    assert verdicts.count("no_change") >= 0.9 * RUNS, verdicts


def test_at_most_three_changes_the_surest_largest_first_and_none_inside_another():
    planted = {"hours": (8, 24), "weekday": 2, "share": 0.6}  # a bad Wednesday, all day
    found = examine(store_weeks(7, planted=planted, per_hour=12), "smiley4")
    assert 1 <= len(found.changes) <= MOST
    sizes = [c.sure for c in found.changes]  # the near end of the 95 % interval
    assert all(0 < c.sure < abs(c.points) for c in found.changes)
    assert sizes == sorted(sizes, reverse=True)
    assert found.changes[0].parts.get("weekday") == 2
    for a in found.changes:
        for b in found.changes:
            if a is not b and a.measure == b.measure and (a.points > 0) == (b.points > 0):
                assert not (set(a.where) <= set(b.where)), (a.where, b.where)
    assert all(c.p_adjusted < 0.05 and c.n >= 20 for c in found.changes)


def test_a_reason_given_more_often_is_told_as_a_share_of_the_unhappy_answers():
    cells = store_weeks(3)
    last = max(c.week for c in cells)
    more = [Cell(last, "k1", c.day, c.hour, "broken card reader", 1, 3)
            for c in cells if c.week == last and c.hour in (10, 15) and c.unit == "k1"]  # fmt: skip
    found = examine(cells + more, "smiley4")
    reason = [c for c in found.changes if c.measure == "reason"]
    assert reason and reason[0].parts == {"reason": "broken card reader"}
    assert reason[0].before == 0 and reason[0].after > 20


def test_no_norm_yet_is_too_early_and_a_small_slice_is_never_examined():
    cells = [c for c in store_weeks(5) if c.week >= 7]  # only one week of norm
    assert examine(cells, "smiley4").verdict == "too_early"
    found = examine(store_weeks(5), "smiley4", few=10_000)  # the privacy floor above all
    assert found.tested == 0 and found.changes == []


@pytest.mark.parametrize("p", [[0.01, 0.04, 0.03, 0.5], [0.2, 0.001, 0.2]])
def test_holm_adjusts_step_down_and_never_decreases_in_order(p):
    adjusted = holm(p)
    order = sorted(range(len(p)), key=lambda i: p[i])
    assert [adjusted[i] for i in order] == sorted(adjusted)
    assert adjusted[order[0]] == pytest.approx(min(1, len(p) * p[order[0]]))
    assert all(a >= q for a, q in zip(adjusted, p, strict=True))


def test_the_weeks_own_variation_widens_the_test():
    steady = [[(1000, 150)] * 8]
    moody = [[(1000, x) for x in (100, 200, 120, 180, 90, 210, 150, 150)]]
    assert week_variation(steady) == 0
    tau2 = week_variation(moody)
    assert tau2 > 0.05
    # 200 of 1000 against 15 %: clear against steady weeks, not against moody ones
    assert two_proportions(1000, 200, 8000, 1200) < 0.001
    assert two_proportions(1000, 200, 8000, 1200, tau2) > 0.05


def test_monday_is_the_weekday_of_the_cells():
    assert (
        date(2026, 9, 7).weekday() == 0 and (date(2026, 9, 7) + timedelta(weeks=8)).weekday() == 0
    )


@given(
    n1=st.integers(1, 100_000),
    n0=st.integers(1, 800_000),
    a=st.floats(0, 1),
    b=st.floats(0, 1),
    tau2=st.floats(0, 2),
    weeks=st.integers(1, 8),
)
def test_the_p_value_is_the_normal_curves_two_tails(n1, n0, a, b, tau2, weeks):
    """two_proportions works out the tail with math.erfc: the same as scipy's normal
    curve, to the last few digits, for every share, size and variation."""
    x1, x0 = round(a * n1), round(b * n0)
    p = two_proportions(n1, x1, n0, x0, tau2, weeks)
    if x1 + x0 in (0, n1 + n0):
        assert p == 1.0
        return
    gap = max(0.0, abs(x1 / n1 - x0 / n0) - 0.5 * (1 / n1 + 1 / n0))
    expected = 2 * norm.sf(gap / standard_error(n1, x1, n0, x0, tau2, weeks))
    assert p == pytest.approx(expected, rel=1e-11, abs=1e-300)


def test_a_changes_index_is_its_slices_own_week_and_norm():
    """The index of a change (worked out only for the changes told) is the index of its
    slice's ratings in the week and in the eight weeks before."""
    found = examine(store_weeks(41, planted=MONDAY_EVENINGS), "smiley4")
    change = next(c for c in found.changes if c.parts == {"weekday": 0, "hours": "evening"})
    week, norm_weeks = Counter(), Counter()
    for c in store_weeks(41, planted=MONDAY_EVENINGS):
        if c.unit is not None and c.day.weekday() == 0 and c.hour >= 17:
            (week if c.week == NORM_WEEKS else norm_weeks)[c.score] += c.n
    scale = get_scale("smiley4")
    assert change.n == week.total() and change.norm_n == norm_weeks.total()
    assert change.index_after == summarize(scale, week).index
    assert change.index_before == summarize(scale, norm_weeks).index
