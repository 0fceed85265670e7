"""The CSV export HQ serves (``COPY`` on PostgreSQL, :mod:`hq.insight.exports.fast_csv`
elsewhere) is byte for byte what the csv module writes row by row
(:func:`hq.insight.exports.csv_file.python_chunks`), on SQLite and PostgreSQL: awkward
store names and labels (formulas, quotes, commas, line ends, non-ASCII), zones with
half-hour and 45-minute offsets and daylight saving, incomplete days, ranges, a reader's
part of the chain, and a cell the fast writer did not expect to need quoting."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from hq.fleet.surveys import read_survey_file, set_survey
from hq.insight.exports.columns import FORMULA_START
from hq.insight.exports.csv_file import csv_chunks, python_chunks
from hq.insight.exports.fast_csv import fast_chunks, formula_starts
from hq.insight.exports.rows import prepare
from hq.people.admin import add_device, add_store
from hq.tables.models import Rating, Store
from hq.tables.surveys import Comment
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.exports import at, get

AWKWARD = ["=SUM(1)", 'say "hi"', "a, b", "two\nlines", "cr\rlf\r\n", "Åbo – Turku €", "@x", "-1"]
ZONES = ["Europe/Helsinki", "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe"]
names = st.text(
    alphabet=st.sampled_from(list("ab ,\"\n\r=+-@\tåÖ€;'")), min_size=1, max_size=12
).filter(lambda n: n.strip())


def _both(hq, export) -> tuple[bytes, bytes, bytes]:
    """(the model's bytes, the served bytes, the fast writer's bytes) of *export*."""
    with hq.sessions() as s:
        model = "".join(python_chunks(s, export)).encode()
        fast = "".join(fast_chunks(s, export)).encode()
    served = b"".join(
        c if isinstance(c, bytes) else c.encode() for c in csv_chunks(hq.sessions, export)
    )
    return model, served, fast


def _awkward_chain(hq, tmp_path) -> list[str]:
    """Stores named as awkwardly as the list above, in zones far apart, each with a kiosk
    whose survey labels its reasons awkwardly too; ratings across a daylight-saving
    change, some with gaps (incomplete days). The store ids."""
    survey = tmp_path / "survey.toml"
    survey.write_text(
        '[survey.followup]\nreasons = ["queue", "wait"]\n'
        '[survey.reason_text.wait]\nfi = "=1+1, \\"x\\""\nsv = "rad\\nny"\nen = "Väntan €"\n',
        encoding="utf-8",
    )
    ids = []
    for i, name in enumerate(AWKWARD):
        store = f"a{i}"
        with hq.sessions() as s:
            add_store(s, store, "placeholder", ZONES[i % len(ZONES)], hq.clock.now)
            s.get(Store, store).name = name  # any text, as an older HQ may have kept it
            s.commit()
            token = add_device(s, store, f"{store}k", hq.clock.now)
            set_survey(s, store, "", read_survey_file(survey), hq.clock.now)
        batch, seq = [], 0
        for h in range(0, 48, 5):
            seq += 2 if h % 3 == 0 else 1  # a gap now and then: an incomplete day
            when = datetime(2026, 10, 24, 12, 7, 9, 123456, tzinfo=UTC) + timedelta(hours=h)
            batch.append(hq.rating(
                device_id=f"{store}k", store_id=store, seq=seq, recorded_at=to_utc_text(when),
                reason=["queue", "wait", None][h % 3], score=1 + h % 4,
                flag=["repeat", None, None, None][h % 4],
            ))  # fmt: skip
        assert hq.post(batch, token=token).status_code == 200
        with hq.sessions() as s:  # words beside some of them, as awkward (issue 32)
            for j, r in enumerate(batch[::3]):
                s.add(Comment(rating_id=r["id"], store_id=store, device_id=f"{store}k",
                              language="fi", text=AWKWARD[(i + j) % len(AWKWARD)],
                              created_at=r["recorded_at"], topics=["wait", "queue"][: j % 3],
                              matched={}))  # fmt: skip
            s.commit()
        ids.append(store)
    return ids


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_awkward_names_and_labels_are_written_as_the_csv_module_writes_them(hq, tmp_path, language):
    ids = _awkward_chain(hq, tmp_path)
    ranges = [(None, None), (date(2026, 10, 24), date(2026, 10, 25)), (date(2026, 10, 26), None)]
    for store in (None, ids[1], ids[3]):
        for first, last in ranges:
            with hq.sessions() as s:
                export = prepare(s, hq.clock.now, store, first, last, language)
            model, served, fast = _both(hq, export)
            assert served == model
            assert fast == model
    # What the API answers is the same bytes, and it holds the awkward text, guarded.
    model = _both(hq, prepare_all(hq))[0]
    answer = get(hq, "/api/v1/export.csv").content
    assert answer == model
    assert b"'=SUM(1)" in answer and b'"say ""hi"""' in answer and b'"two\nlines"' in answer
    assert "Åbo – Turku €".encode() in answer and b"'@x" in answer and b"'-1" in answer
    assert b"day_incomplete_reason" in answer and b",no," in answer
    assert b",wait;queue\r\n" in answer and b",wait\r\n" in answer


def prepare_all(hq):
    with hq.sessions() as s:
        return prepare(s, hq.clock.now, None, None, None, "en")


def test_a_readers_part_of_the_chain_is_written_the_same(hq, tmp_path):
    ids = _awkward_chain(hq, tmp_path)
    with hq.sessions() as s:
        export = prepare(s, hq.clock.now, None, None, None, "en", frozenset(ids[2:5]))
    model, served, fast = _both(hq, export)
    assert served == model == fast
    rows = list(csv.DictReader(io.StringIO(model.decode(), newline="")))
    assert {r["store_id"] for r in rows} == set(ids[2:5])


def test_a_cell_that_needs_quoting_where_none_was_expected_is_quoted_all_the_same(hq):
    # Ids and keys come through the wire format's patterns; one that did not (an older
    # HQ, a hand-made row) is written by the csv module, not as a broken line.
    assert hq.post([hq.rating(recorded_at=at(2026, 11, 19, 8, 30), reason="queue")]).status_code
    with hq.sessions() as s:
        s.execute(update(Rating).values(survey_id='odd, "survey"\nid', source="=cmd"))
        s.commit()
    export = prepare_all(hq)
    model, served, fast = _both(hq, export)
    assert fast == model
    assert served == model or hq.sessions().get_bind().dialect.name == "postgresql"
    assert b'"odd, ""survey""\nid"' in fast


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=names,
    tz=st.sampled_from(ZONES),
    minutes=st.lists(st.integers(-900, 900), min_size=1, max_size=20),
    ranged=st.booleans(),
)
def test_any_name_zone_and_time_is_written_as_the_csv_module_writes_it(
    hq, name, tz, minutes, ranged
):
    store_id = f"x{uuid.uuid4().hex[:8]}"
    with hq.sessions() as s:
        add_store(s, store_id, "placeholder", tz, hq.clock.now)
        s.get(Store, store_id).name = name
        s.commit()
        token = add_device(s, store_id, f"{store_id}k", hq.clock.now)
    base = datetime(2026, 10, 25, tzinfo=UTC)
    batch = [
        hq.rating(
            device_id=f"{store_id}k", store_id=store_id, seq=seq, reason="queue",
            recorded_at=to_utc_text(base + timedelta(minutes=m, microseconds=seq * 7919)),
        )
        for seq, m in enumerate(minutes, 1)
    ]  # fmt: skip
    assert hq.post(batch, token=token).status_code == 200
    first, last = (date(2026, 10, 24), date(2026, 10, 25)) if ranged else (None, None)
    for store in (store_id, None):
        with hq.sessions() as s:
            export = prepare(s, hq.clock.now, store, first, last, "en")
        model, served, fast = _both(hq, export)
        assert served == model
        assert fast == model


def test_ordinary_rows_are_written_by_the_fast_writer_not_the_csv_module(hq, monkeypatch):
    """The fast writer's own counts hold for ordinary rows, with and without a comment
    (a comment's empty topics end a line in ",\\r\\n"): no chunk falls back to the csv
    module, which is several times slower."""
    from hq.insight.exports import fast_csv

    batch = [hq.rating(recorded_at=at(2026, 11, 19, 8, m), reason="queue") for m in range(9)]
    assert hq.post(batch).status_code == 200
    with hq.sessions() as s:
        for i, r in enumerate(batch[:3]):
            s.add(Comment(rating_id=r["id"], store_id="s1", device_id="k1", language="fi",
                          text=["Jono oli pitkä", "a, b", ""][i], created_at=r["recorded_at"],
                          topics=[["queue"], [], ["queue", "staff"]][i], matched={}))  # fmt: skip
        s.commit()

    def refuse(self, chunk):
        raise AssertionError("a chunk of ordinary rows went to the csv module")

    for commented in (True, False):
        export = prepare_all(hq)
        export.with_comments = commented
        with hq.sessions() as s:
            model = "".join(python_chunks(s, export))
            monkeypatch.setattr(fast_csv._Rows, "_by_csv_module", refuse)
            fast = "".join(fast_chunks(s, export))
            monkeypatch.undo()
        assert fast == model and fast.count("\r\n") == 10


@given(st.text(alphabet=st.sampled_from(list(',\n\r\t=+-@"a €ä\x00\ud800\U0001f600'))) | st.text())
def test_formula_starts_are_counted_as_a_regular_expression_finds_them(text):
    # The plain model: a comma or a line feed, then a character a formula starts with.
    starts = re.compile("[,\n][" + re.escape("".join(FORMULA_START)) + "]")
    assert formula_starts(text) == len(starts.findall(text))


def test_a_store_added_while_the_export_runs_is_left_out_and_the_rest_written(hq):
    # Its rows sort between the stores the export knows (s1 < s1a < s3): the writer skips
    # them and takes the next store's rows with that store's own name and bounds.
    with hq.sessions() as s:
        add_store(s, "s3", "=Third", "Asia/Kathmandu", hq.clock.now)
        token3 = add_device(s, "s3", "k3", hq.clock.now)
    times = [at(2026, 11, 19, 8, m) for m in range(3)]
    assert hq.post([hq.rating(recorded_at=t, reason="queue") for t in times]).status_code == 200
    third = [hq.rating(device_id="k3", store_id="s3", seq=i, recorded_at=t)
             for i, t in enumerate(times, 1)]  # fmt: skip
    assert hq.post(third, token=token3).status_code == 200
    export = prepare_all(hq)
    with hq.sessions() as s:
        add_store(s, "s1a", "Added later", "Europe/Helsinki", hq.clock.now)
        token = add_device(s, "s1a", "k1a", hq.clock.now)
    later = [hq.rating(device_id="k1a", store_id="s1a", seq=i, recorded_at=t)
             for i, t in enumerate(times, 1)]  # fmt: skip
    assert hq.post(later, token=token).status_code == 200
    model, served, fast = _both(hq, export)
    assert fast == model
    assert served == model
    rows = list(csv.DictReader(io.StringIO(fast.decode(), newline="")))
    assert [r["store_id"] for r in rows] == ["s1"] * 3 + ["s3"] * 3
    assert {r["store_name"] for r in rows if r["store_id"] == "s3"} == {"'=Third"}
