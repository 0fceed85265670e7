"""A store page's kiosks, ranked against the days compared with, come from one read of the
hour counts for both spans (:func:`device_periods`) where they follow each other, and
from a read each where they do not (a gap: the same days a year before; an overlap). Each
span's answer is what the plain model over the same rows says, on SQLite and
PostgreSQL: a kiosk with ratings there on the scale, counted or not, with the figures of
its counted ones."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from hq.insight.counts import device_periods, device_summaries
from hq.tables.models import HourCount, Store
from kiosk.counting import metrics

DAY = date(2026, 11, 1)
SCALES = ("smiley4", "nps")

hour_rows = st.lists(
    st.tuples(
        st.integers(0, 11),  # days after DAY
        st.sampled_from(["k1", "k2", "k3"]),
        st.sampled_from(SCALES),
        st.integers(1, 4),  # a score on both scales
        st.sampled_from(["", "", "repeat", "time_suspect"]),
        st.integers(1, 5),
    ),
    max_size=30,
    unique_by=lambda r: r[:5],
)
a_span = st.tuples(st.integers(0, 11), st.integers(0, 5)).map(
    lambda s: (DAY + timedelta(days=s[0]), DAY + timedelta(days=s[0] + s[1]))
)


def _adjacent(start: int, length: int) -> list[tuple[date, date]]:
    """The page's own spans: *length* days from *start*, and as many just before."""
    first = DAY + timedelta(days=start)
    return [
        (first, first + timedelta(days=length - 1)),
        (first - timedelta(days=length), first - timedelta(days=1)),
    ]


spans = st.one_of(
    st.builds(_adjacent, st.integers(1, 6), st.integers(1, 6)),
    st.lists(a_span, min_size=1, max_size=3),  # any: gaps, overlaps, the same twice
)


def model(rows, span: tuple[date, date], scale: str) -> dict[str, metrics.Summary]:
    seen: dict[str, Counter[int]] = {}
    for offset, device, sc, score, flag, n in rows:
        if sc == scale and span[0] <= DAY + timedelta(days=offset) <= span[1]:
            counted = seen.setdefault(device, Counter())
            if not flag:
                counted[score] += n
    return {d: metrics.summarize(scale, c) for d, c in seen.items()}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(rows=hour_rows, spans=spans, scale=st.sampled_from(SCALES))
def test_each_span_is_what_the_rows_say(hq, rows, spans, scale):
    with hq.sessions() as s, s.begin():
        s.execute(delete(HourCount))
        for offset, device, sc, score, flag, n in rows:
            s.add(HourCount(store_id="s1", day=(DAY + timedelta(days=offset)).isoformat(),
                            hour=10, device_id=device, survey_id="default",
                            question_id="overall", config_version=1, scale=sc, score=score,
                            flag=flag, reason="", n=n))  # fmt: skip
    with hq.sessions() as s:
        store = s.get(Store, "s1")
        found = device_periods(s, store, spans, scale)
        assert found == [model(rows, span, scale) for span in spans]
        assert [device_summaries(s, store, *span, scale) for span in spans] == found
        # a split of the page (one kiosk) narrows every span alike
        k1 = device_periods(s, store, spans, scale, HourCount.device_id == "k1")
        assert k1 == [{d: v for d, v in f.items() if d == "k1"} for f in found]
