"""The JSON SQLite writes for each rating sync sends (``sync.wire.unsent``) is, byte for
byte, the JSON of the rating built in Python: taps and buttons, repeats, follow-up
reasons, an unsynchronised clock, a forked database."""

from __future__ import annotations

import dataclasses

from sync.wire import cut, encode, unsent
from tests.conftest import make_context


def test_sqlites_json_of_each_rating_is_the_ratings_own(tmp_path, clock):
    from kiosk.store.store import Store

    context = dataclasses.replace(make_context(device_id="k1"), reasons=("queue", "staff"))
    with Store(tmp_path / "r.db", context, clock=clock) as store:
        clock.synced = False
        store.record(1, "button")
        store.record(1, "button")  # at once again: flagged
        clock.synced = True
        clock.advance(30)
        asked = store.record(2, "touch", followup_seconds=20)
        store.set_reason(asked.id, "queue")
        clock.advance(60)
        fourth = store.record(4, "button", held=0.2)
        store.fork(store.database_id, fourth.seq)  # the fourth and what follows go on there
        clock.advance(60)
        store.record(3, "touch")
        clock.advance(60)
        wanted = store.oldest_unsynced(100)
        got = unsent(store, 100)
    assert len(wanted) == 5
    assert None in {r.flag for r in wanted} and len({r.flag for r in wanted}) == 2  # one flagged
    assert {r.reason for r in wanted} == {None, "queue"}
    assert {r.clock_synced for r in wanted} == {True, False}
    assert len({r.database_id for r in wanted}) == 2
    assert [part for _, part in got] == [encode(r) for r in wanted]
    assert [(u.id, u.seq, u.database_id) for u, _ in got] == [
        (r.id, r.seq, r.database_id) for r in wanted
    ]
    [batch] = cut(got)
    assert batch.body.startswith(b'{"ratings":[{"id":')
