"""Property tests of the wire format: valid ratings round-trip, anything else is refused
with a ValidationError (never another exception), and HQ answers it without a 500."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from hq.ingest.wire import RatingIn
from kiosk.counting.scales import SCALES
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import make_hq

idents = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,20}\Z")
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m))


@st.composite
def ratings(draw) -> dict:
    scale = draw(st.sampled_from(sorted(SCALES)))
    sc = SCALES[scale]
    when = draw(st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)))
    offset = draw(offsets)
    local = when.replace(tzinfo=UTC).astimezone(timezone(offset))
    return {
        "id": str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))),
        "device_id": draw(idents),
        "store_id": draw(idents),
        "database_id": draw(idents),
        "seq": draw(st.integers(1, 2**62)),
        "survey_id": draw(idents),
        "question_id": draw(idents),
        "config_version": draw(st.integers(0, 2**31 - 1)),
        "scale": scale,
        "score": draw(st.integers(sc.low, sc.high)),
        "source": draw(st.sampled_from(["button", "touch"])),
        "reason": draw(st.none() | st.from_regex(r"\A[a-z][a-z0-9_]{0,31}\Z")),
        "recorded_at": local.isoformat(),
        "clock_synced": draw(st.booleans()),
        "boot_id": draw(st.from_regex(r"\A[A-Za-z0-9-]{1,64}\Z")),
        "mono_ns": draw(st.integers(0, 2**63 - 1)),
        "flag": draw(st.sampled_from([None, "repeat", "lockout", "stuck", "closed"])),
    }


@given(ratings())
@settings(max_examples=300)
def test_every_valid_rating_is_kept_as_sent_with_its_time_in_utc(rating):
    parsed = RatingIn.model_validate(rating).model_dump()
    assert {k: v for k, v in parsed.items() if k != "recorded_at"} == {
        k: v for k, v in rating.items() if k != "recorded_at"
    }
    assert parsed["recorded_at"] == to_utc_text(datetime.fromisoformat(rating["recorded_at"]))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(ratings(), st.sampled_from(sorted(RatingIn.model_fields)), json_values)
@settings(max_examples=300)
def test_a_changed_field_is_accepted_or_refused_by_name_never_crashes(rating, field, value):
    changed = {**rating, field: value}
    try:
        RatingIn.model_validate(changed)
    except ValidationError as e:
        assert field in str(e) or "score" in str(e)


@pytest.fixture(scope="module")
def wire_hq(tmp_path_factory):
    hq = make_hq(f"sqlite:///{tmp_path_factory.mktemp('wire') / 'hq.db'}", rate=1e6, burst=10**6)
    yield hq
    hq.app.state.engine.dispose()


@given(st.sampled_from(sorted(RatingIn.model_fields)), json_values)
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_hq_answers_any_mangled_rating_with_a_clear_error_and_stores_nothing(wire_hq, field, value):
    before = wire_hq.count()
    rating = wire_hq.rating()
    answer = wire_hq.post([{**rating, field: value}])
    assert answer.status_code in (200, 403, 409, 422), answer.text
    if answer.status_code != 200:
        assert set(answer.json()) == {"error"}
        assert wire_hq.count() == before
    else:
        assert wire_hq.count() == before + 1


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30T10:00:00.000000+00:00",  # the stored form, but no such day
        "2026-13-01T10:00:00.000000+00:00",
        "2026-11-22T24:00:00.000000+00:00",
        "2026-11-22T10:60:00.000000+00:00",
    ],
)
def test_a_time_in_the_stored_form_that_is_no_real_time_is_refused(text):
    """The stored form is taken as sent without being rewritten, but only if it is a real time."""
    rating = {**_valid(), "recorded_at": text}
    with pytest.raises(ValidationError, match="recorded_at"):
        RatingIn.model_validate(rating)
    good = {**rating, "recorded_at": "2026-11-22T10:00:00.000000+00:00"}
    assert RatingIn.model_validate(good).recorded_at == good["recorded_at"]


def _valid() -> dict:
    return {
        "id": "0192f3a4-5b6c-7d8e-9f00-112233445566", "device_id": "k1", "store_id": "s1",
        "database_id": "db1", "seq": 1, "survey_id": "default", "question_id": "overall",
        "config_version": 1, "scale": "smiley4", "score": 3, "source": "button",
        "reason": None, "recorded_at": "2026-11-22T10:00:00.000000+00:00",
        "clock_synced": True, "boot_id": "b00t", "mono_ns": 1, "flag": None,
    }  # fmt: skip
