"""The metrics against hand-computed figures, plus properties (kiosk.counting.metrics)."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.counting.metrics import (
    by_local_day,
    by_local_hour,
    merge,
    summarize,
    summarize_ratings,
    summarize_scores,
)
from kiosk.counting.scales import SCALES

HELSINKI = "Europe/Helsinki"
HELSINKI_TZ = ZoneInfo(HELSINKI)


def rating(score: int, recorded_at="2026-06-15T09:00:00+00:00", *, flag=None, scale="smiley4"):
    return {"score": score, "flag": flag, "scale": scale, "recorded_at": recorded_at}


def test_smiley3_by_hand():
    # {1:2, 2:3, 3:5}: total 10; CSAT = top 1 face = 5/10 = 50.0;
    # index = (0*2 + 1*3 + 2*5) / (10*2) * 100 = 13/20*100 = 65.0
    s = summarize("smiley3", {1: 2, 2: 3, 3: 5})
    assert s.count == 10
    assert s.counts == {1: 2, 2: 3, 3: 5}
    assert s.csat == pytest.approx(50.0)
    assert s.index == pytest.approx(65.0)
    assert (s.nps, s.promoters, s.passives, s.detractors, s.ces) == (None,) * 5


def test_smiley4_by_hand():
    # {1:1, 2:1, 3:3, 4:5}: total 10; CSAT = (3+5)/10 = 80.0;
    # index = (0*1 + 1*1 + 2*3 + 3*5) / (10*3) * 100 = 22/30*100 = 73.333...
    s = summarize("smiley4", {1: 1, 2: 1, 3: 3, 4: 5})
    assert s.count == 10
    assert s.csat == pytest.approx(80.0)
    assert s.index == pytest.approx(73.3333333333)
    assert s.nps is None
    assert s.ces is None


def test_smiley5_by_hand_and_missing_scores_are_zero():
    # {1:1, 2:2, 3:3, 4:2, 5:4}: total 12; CSAT = top 2 faces = (2+4)/12 = 50.0;
    # index = (0*1 + 1*2 + 2*3 + 3*2 + 4*4) / (12*4) * 100 = 30/48*100 = 62.5
    s = summarize("smiley5", {1: 1, 2: 2, 3: 3, 4: 2, 5: 4})
    assert s.count == 12
    assert s.csat == pytest.approx(50.0)
    assert s.index == pytest.approx(62.5)
    # {3:4}: only the middle face → CSAT 0.0, index 2/4*100 = 50.0, counts filled with zeros
    s = summarize("smiley5", {3: 4})
    assert s.counts == {1: 0, 2: 0, 3: 4, 4: 0, 5: 0}
    assert list(s.counts) == [1, 2, 3, 4, 5]
    assert s.csat == pytest.approx(0.0)
    assert s.index == pytest.approx(50.0)


def test_nps_by_hand():
    # {0:1, 3:1, 6:2, 7:1, 8:2, 9:3, 10:2}: total 12; promoters 3+2 = 5, passives 1+2 = 3,
    # detractors 1+1+2 = 4; NPS = (5-4)/12*100 = 8.333...
    s = summarize("nps", {0: 1, 3: 1, 6: 2, 7: 1, 8: 2, 9: 3, 10: 2})
    assert s.count == 12
    assert (s.promoters, s.passives, s.detractors) == (5, 3, 4)
    assert s.nps == pytest.approx(8.3333333333)
    assert (s.csat, s.index, s.ces) == (None, None, None)
    # all 9s → 100; all 6s → -100; only 7s and 8s → 0
    assert summarize("nps", {9: 3}).nps == pytest.approx(100.0)
    assert summarize("nps", {6: 3}).nps == pytest.approx(-100.0)
    assert summarize("nps", {7: 1, 8: 1}).nps == pytest.approx(0.0)


def test_ces_by_hand():
    # {1:1, 4:2, 7:3}: total 6; mean = (1 + 8 + 21)/6 = 5.0
    s = summarize("ces", {1: 1, 4: 2, 7: 3})
    assert s.count == 6
    assert s.ces == pytest.approx(5.0)
    # {2:1, 3:2}: mean = (2 + 6)/3 = 2.666...
    assert summarize("ces", {2: 1, 3: 2}).ces == pytest.approx(2.6666666667)
    assert (s.csat, s.index, s.nps, s.promoters) == (None, None, None, None)


@pytest.mark.parametrize("scale", list(SCALES))
def test_empty_counts(scale):
    s = summarize(scale, {})
    assert s.count == 0
    assert s.counts == dict.fromkeys(SCALES[scale].scores, 0)
    assert (s.csat, s.index, s.nps, s.ces) == (None, None, None, None)
    heads = (s.promoters, s.passives, s.detractors)
    assert heads == ((0, 0, 0) if scale == "nps" else (None, None, None))


@pytest.mark.parametrize(
    ("scale", "counts", "named"),
    [
        ("smiley4", {5: 1}, "score 5"),
        ("smiley4", {0: 1}, "score 0"),
        ("ces", {0: 1}, "score 0"),
        ("nps", {11: 1}, "score 11"),
        ("smiley4", {2: -1}, "count -1"),
        ("smiley4", {2: 1.0}, "count 1.0"),
        ("smiley4", {True: 1}, "score True"),
        ("smiley4", {"2": 1}, "score '2'"),
    ],
)
def test_bad_input_is_a_value_error_naming_it(scale, counts, named):
    with pytest.raises(ValueError, match=named):
        summarize(scale, counts)


def test_summarize_ratings_counts_only_unflagged_rows_of_the_scale():
    rows = [rating(4), rating(4), rating(1)]
    rows += [rating(1, flag=f) for f in ("repeat", "lockout", "stuck", "closed")]
    rows += [rating(2, scale="smiley5"), rating(3, scale="smiley3")]
    s = summarize_ratings("smiley4", rows)
    assert s == summarize("smiley4", {4: 2, 1: 1})
    assert s.count == 3


def test_by_local_day_across_spring_forward_and_fall_back():
    texts = {
        "2026-03-28T21:30:00+00:00": date(2026, 3, 28),  # 23:30 +02:00
        "2026-03-28T22:30:00+00:00": date(2026, 3, 29),  # 00:30 +02:00
        "2026-03-29T20:30:00+00:00": date(2026, 3, 29),  # 23:30 +03:00
        "2026-03-29T21:30:00+00:00": date(2026, 3, 30),  # 00:30 +03:00
        "2026-10-24T20:30:00+00:00": date(2026, 10, 24),  # 23:30 +03:00
        "2026-10-24T21:30:00+00:00": date(2026, 10, 25),  # 00:30 +03:00
        "2026-10-25T21:30:00+00:00": date(2026, 10, 25),  # 23:30 +02:00
        "2026-10-25T22:30:00+00:00": date(2026, 10, 26),  # 00:30 +02:00
    }
    rows = [rating(4, t) for t in texts]
    as_text = by_local_day("smiley4", rows, HELSINKI)
    expected = Counter(texts.values())
    assert list(as_text) == sorted(expected)
    assert {d: s.count for d, s in as_text.items()} == dict(expected)
    # aware datetimes, in UTC or in Helsinki time, agree with the text
    aware = [rating(4, datetime.fromisoformat(t)) for t in texts]
    assert by_local_day("smiley4", aware, HELSINKI) == as_text
    shifted = [rating(4, datetime.fromisoformat(t).astimezone(HELSINKI_TZ)) for t in texts]
    assert by_local_day("smiley4", shifted, HELSINKI) == as_text


def test_by_local_day_with_days_gives_quiet_days_and_drops_others():
    rows = [rating(4, "2026-03-28T22:30:00+00:00"), rating(1, "2026-03-31T10:00:00+00:00")]
    days = [date(2026, 3, 30), date(2026, 3, 29)]
    out = by_local_day("smiley4", rows, HELSINKI, days=days)
    assert list(out) == [date(2026, 3, 29), date(2026, 3, 30)]
    assert out[date(2026, 3, 29)] == summarize("smiley4", {4: 1})
    assert out[date(2026, 3, 30)] == summarize("smiley4", {})
    assert out[date(2026, 3, 30)].count == 0


def test_by_local_hour_fall_back_hour_gets_both_passes():
    rows = [
        rating(4, "2026-10-25T00:30:00+00:00"),  # 03:30 +03:00, first pass
        rating(1, "2026-10-25T01:30:00+00:00"),  # 03:30 +02:00, second pass
        rating(2, "2026-10-25T02:30:00+00:00"),  # 04:30 +02:00
    ]
    out = by_local_hour("smiley4", rows, HELSINKI)
    assert list(out) == [3, 4]
    assert out[3] == summarize("smiley4", {4: 1, 1: 1})
    assert out[4].count == 1


def test_by_local_hour_spring_forward_has_no_hour_3():
    # every half hour of local 2026-03-29: 22:00 UTC on the 28th to 21:00 UTC on the 29th (23 h)
    start = datetime(2026, 3, 28, 22, 0, tzinfo=UTC).timestamp()
    rows = [rating(3, datetime.fromtimestamp(start + 1800 * i, UTC)) for i in range(46)]  # 23 h × 2
    out = by_local_hour("smiley4", rows, HELSINKI)
    assert 3 not in out
    assert sorted(out) == [h for h in range(24) if h != 3]
    assert sum(s.count for s in out.values()) == 46
    full = by_local_hour("smiley4", rows, HELSINKI, hours=range(24))
    assert list(full) == list(range(24))
    assert full[3] == summarize("smiley4", {})


def test_merge_equals_summarize_of_combined_counts():
    a = summarize("nps", {0: 2, 9: 1})
    b = summarize("nps", {9: 3, 7: 1})
    c = summarize("nps", {})
    assert merge(a, b, c) == summarize("nps", {0: 2, 9: 4, 7: 1})
    assert merge(a, b).nps == pytest.approx(28.5714285714)  # (4 - 2) / 7 * 100
    assert merge(a) == a
    with pytest.raises(ValueError, match="smiley4"):
        merge(a, summarize("smiley4", {1: 1}))


def test_as_dict_rounds_half_up_and_is_json_ready():
    # smiley3 {1:1, 3:2}: CSAT 2/3*100 = 66.666… → 66.7; index (0+2*2)/(3*2)*100 → 66.7
    d = summarize("smiley3", {1: 1, 3: 2}).as_dict()
    assert (d["scale"], d["count"], d["csat"], d["index"]) == ("smiley3", 3, 66.7, 66.7)
    assert d["counts"] == {"1": 1, "2": 0, "3": 2}
    keys = ("nps", "promoters", "passives", "detractors", "ces")
    assert [d[k] for k in keys] == [None] * 5
    assert json.loads(json.dumps(d)) == d
    # ces {4:3, 5:1}: mean 17/4 = 4.25 → 4.3 half-up (round() would give 4.2)
    assert summarize("ces", {4: 3, 5: 1}).as_dict()["ces"] == 4.3
    # nps {9:1, 7:7}: 1/8*100 = 12.5 → 13 with digits=0, exact with digits=None
    nps = summarize("nps", {9: 1, 7: 7})
    assert nps.as_dict(0)["nps"] == 13.0
    assert nps.as_dict(None)["nps"] == 12.5
    # nps {0:1, 7:2999}: -1/3000*100 = -0.0333 → 0.0, never -0.0
    tiny = summarize("nps", {0: 1, 7: 2999}).as_dict()["nps"]
    assert tiny == 0.0
    assert math.copysign(1.0, tiny) == 1.0
    empty = summarize("nps", {}).as_dict()
    assert set(empty) == set(d) == {"scale", "count", "counts", "csat", "index", *keys}
    assert (empty["nps"], empty["promoters"]) == (None, 0)


@st.composite
def counts_on(draw, scale=None):
    name = scale or draw(st.sampled_from(list(SCALES)))
    sc = SCALES[name]
    counts = draw(st.dictionaries(st.sampled_from(list(sc.scores)), st.integers(0, 50)))
    return name, counts


@given(counts_on())
def test_metrics_stay_in_range(drawn):
    name, counts = drawn
    sc = SCALES[name]
    s = summarize(name, counts)
    assert s.count == sum(counts.values())
    assert sum(s.counts.values()) == s.count
    if s.count == 0:
        assert (s.csat, s.index, s.nps, s.ces) == (None, None, None, None)
    elif sc.kind == "smiley":
        assert 0 <= s.csat <= 100
        assert 0 <= s.index <= 100
    elif sc.kind == "nps":
        assert -100 <= s.nps <= 100
        assert s.promoters + s.passives + s.detractors == s.count
    else:
        assert sc.low <= s.ces <= sc.high


@given(st.data())
def test_summarize_scores_equals_summarize_of_counter(data):
    name = data.draw(st.sampled_from(list(SCALES)))
    scores = data.draw(st.lists(st.sampled_from(list(SCALES[name].scores))))
    assert summarize_scores(name, scores) == summarize(name, Counter(scores))
    assert summarize_scores(name, scores).count == len(scores)


@given(st.data())
def test_merge_equals_summarize_of_added_counts(data):
    name = data.draw(st.sampled_from(list(SCALES)))
    a = summarize(*data.draw(counts_on(name)))
    b = summarize(*data.draw(counts_on(name)))
    assert merge(a, b) == summarize(name, Counter(a.counts) + Counter(b.counts))


@given(counts_on(), st.sampled_from(["csat", "index", "nps", "ces"]), st.sampled_from([None, 0, 1]))
def test_one_metric_alone_is_the_one_in_as_dict(drawn, metric, digits):
    s = summarize(*drawn)
    assert s.value(metric, digits) == s.as_dict(digits)[metric]
    assert s.value(metric) == s.as_dict()[metric]


def test_what_is_not_a_metric_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match="'count' is not a metric"):
        summarize("smiley4", {4: 1}).value("count")
