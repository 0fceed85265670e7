"""The stores' ranking (hq.insight.ranking): shrinkage toward the chain's mean, its interval, the
minimum for a place, one kind of scale per ranking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hq.insight.ranking import MIN_RANKED, PRIOR, rank, value
from kiosk.counting.metrics import summarize, summarize_scores
from kiosk.counting.scales import get_scale

SCALES = ["smiley3", "smiley4", "smiley5", "nps", "ces"]


def counts_of(scale: str):
    scores = list(get_scale(scale).scores)
    return st.dictionaries(st.sampled_from(scores), st.integers(0, 400), max_size=len(scores))


def chains(scale: str):
    return st.dictionaries(st.sampled_from([f"s{i}" for i in range(12)]), counts_of(scale),
                           min_size=1, max_size=12)  # fmt: skip


def raw(scale: str, counts: dict[int, int]) -> float | None:
    s = summarize(scale, counts)
    return {"smiley": s.csat, "nps": s.nps, "ces": s.ces}[get_scale(scale).kind]


@settings(max_examples=200, deadline=None)
@given(data=st.data(), scale=st.sampled_from(SCALES))
def test_each_estimate_lies_between_its_own_figure_and_the_chain_mean(data, scale):
    chain = data.draw(chains(scale))
    summaries = {k: summarize(scale, c) for k, c in chain.items()}
    ranked = rank(summaries)
    pooled: dict[int, int] = {}
    for c in chain.values():
        for score, n in c.items():
            pooled[score] = pooled.get(score, 0) + n
    mean = raw(scale, pooled)
    if mean is None:
        assert all(r.estimate is None and r.rank is None for r in ranked)
        return
    for r in ranked:
        own = raw(scale, chain[r.key])
        low, high = sorted([mean, own if own is not None else mean])
        assert low - 1e-9 <= r.estimate <= high + 1e-9
        assert r.low <= r.estimate <= r.high
    places = [r.rank for r in ranked if r.rank is not None]
    assert places == list(range(1, len(places) + 1))
    assert all(r.n >= MIN_RANKED for r in ranked if r.rank is not None)
    estimates = [r.estimate for r in ranked if r.rank is not None]
    assert estimates == sorted(estimates, reverse=True)


@settings(max_examples=100, deadline=None)
@given(others=st.lists(counts_of("smiley4"), min_size=1, max_size=8))
def test_a_store_with_two_happy_ratings_never_leads(others):
    summaries = {f"big{i}": summarize("smiley4", c) for i, c in enumerate(others)}
    summaries["tiny"] = summarize_scores("smiley4", [4, 4])
    ranked = rank(summaries)
    tiny = next(r for r in ranked if r.key == "tiny")
    assert tiny.rank is None
    assert ranked[0].key != "tiny" or all(r.rank is None for r in ranked)


def test_a_big_store_keeps_its_own_figure_and_a_narrow_interval():
    big = summarize("smiley4", {4: 90_000, 1: 10_000})
    small = summarize("smiley4", {4: 10, 1: 30})
    ranked = {r.key: r for r in rank({"big": big, "small": small})}
    assert ranked["big"].estimate == pytest.approx(90.0, abs=0.1)
    assert ranked["big"].high - ranked["big"].low < 0.5
    assert ranked["small"].high - ranked["small"].low > 10
    # the small store's own 25 % is pulled toward the chain's mean (about 89.9 %)
    own, chain = 25.0, 100 * 90_010 / 100_040
    expected = (10 + PRIOR * chain / 100) / (40 + PRIOR) * 100
    assert ranked["small"].estimate == pytest.approx(expected)
    assert [r.key for r in rank({"big": big, "small": small})] == ["big", "small"]
    assert own < ranked["small"].estimate < chain


def test_nps_estimates_run_below_zero_and_the_change_is_against_the_previous_period():
    now = {"a": summarize("nps", {0: 60, 10: 20}), "b": summarize("nps", {10: 50, 8: 30})}
    before = {"a": summarize("nps", {0: 20, 10: 60}), "b": summarize("nps", {})}
    ranked = {r.key: r for r in rank(now, before)}
    assert ranked["a"].estimate < 0 < ranked["b"].estimate
    assert ranked["a"].change is not None and ranked["a"].change < -50
    assert ranked["b"].change is None  # no ratings in the previous period
    assert ranked["b"].rank == 1 and ranked["a"].rank == 2


def test_values_follow_the_metrics_definitions():
    assert [value("smiley4", s) for s in (1, 2, 3, 4)] == [0, 0, 1, 1]
    assert [value("smiley5", s) for s in (1, 2, 3, 4, 5)] == [0, 0, 0, 1, 1]
    assert [value("nps", s) for s in (0, 6, 7, 8, 9, 10)] == [-1, -1, 0, 0, 1, 1]
    assert value("ces", 6) == 6


def test_stores_on_different_kinds_of_scale_are_never_ranked_together():
    with pytest.raises(ValueError, match="different kinds of scale"):
        rank({"a": summarize("smiley4", {4: 1}), "b": summarize("nps", {10: 1})})
    assert len(rank({"a": summarize("smiley3", {3: 1}), "b": summarize("smiley5", {5: 1})})) == 2
