"""The what-if re-count (issue 18, hq.insight.recount) against kiosks that flag their own presses:
presses of a few kiosks and boots are flagged by ``kiosk.counting.flags.decide_flag`` as a kiosk
does, sent to HQ through ``POST /api/v1/ratings``, then re-counted from HQ's rows. The same
rules give back every stored flag; other rules give what the kiosk would have stored with
them. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hq.insight.recount import TIME_SUSPECT, read, recount, reflag
from hq.people.admin import add_device, add_store
from hq.tables.models import Store
from kiosk.counting.flags import FLAGS, FlagRules, Press, Recent, decide_flag
from kiosk.timekeeping.localtime import to_utc_text
from tests.conftest import HELSINKI

DAY = date(2026, 11, 19)  # a Thursday; HQ's clock is the next day's noon
OPENS = 8  # the store opens at 08:00; presses before it are "closed"
STUCK_AFTER = 10.0


@dataclass(frozen=True)
class Touch:
    """What a shopper (or a restart) does next at one kiosk."""

    gap_ms: int  # since the previous press, on both clocks
    score: int
    held: float = 0.0
    reboot: bool = False  # a new boot: the monotonic clock starts again
    new_database: bool = False  # a re-imaged card: a new kiosk database, seq from 1


@dataclass
class Pressed:
    """A press as a kiosk stored it."""

    device_id: str
    database_id: str
    seq: int
    boot_id: str
    mono_ns: int
    at: datetime
    score: int
    held: float


def opens_at_eight(local: datetime) -> bool:
    return local.hour >= OPENS


def kiosk_flags(
    presses: list[Pressed], window: float, thank_you: float, is_open=opens_at_eight
) -> list[str | None]:
    """The flag a kiosk stores for each press with these rules: the memory is kept from
    press to press (kiosk.store.Store.record), fresh for each new database."""
    rules = FlagRules(window, thank_you, STUCK_AFTER, is_open)
    flags, recent, where = [], Recent(), None
    for p in presses:
        if (p.device_id, p.database_id) != where:
            recent, where = Recent(), (p.device_id, p.database_id)
        press = Press(p.boot_id, p.mono_ns, p.at.astimezone(HELSINKI), True, p.held)
        flag = decide_flag(press, recent, rules)
        recent = recent.after(press, flag)
        flags.append(flag)
    return flags


def presses_of(device_id: str, touches: list[Touch], start: datetime) -> list[Pressed]:
    """The presses of one kiosk: both clocks move on by each gap; a reboot starts the
    monotonic clock again, a new database starts ``seq`` again."""
    out: list[Pressed] = []
    database, boot, seq, mono, at = str(uuid.uuid4()), str(uuid.uuid4()), 0, 5 * 10**9, start
    for t in touches:
        at += timedelta(milliseconds=t.gap_ms)
        mono += t.gap_ms * 10**6
        if t.reboot:
            boot, mono = str(uuid.uuid4()), 3 * 10**9
        if t.new_database:
            database, seq = str(uuid.uuid4()), 0
        seq += 1
        out.append(Pressed(device_id, database, seq, boot, mono, at, t.score, t.held))
    return out


_stores = itertools.count()


def open_store(hq) -> tuple[str, dict[str, str]]:
    """A new store in Helsinki with two kiosks: its id and each kiosk's token."""
    n = next(_stores)
    store_id = f"w{n}"
    with hq.sessions() as s:
        add_store(s, store_id, f"What-if {n}", "Europe/Helsinki", hq.clock.now)
        tokens = {f"{store_id}k{i}": add_device(s, store_id, f"{store_id}k{i}", hq.clock.now)
                  for i in (1, 2)}  # fmt: skip
    return store_id, tokens


def send(hq, store_id: str, tokens: dict, presses: list[Pressed], flags: list) -> None:
    """Each kiosk sends its stored presses to HQ, as sync does."""
    for device, token in tokens.items():
        batch = [
            {
                **hq.rating(),
                "id": str(uuid.uuid4()),
                "device_id": device,
                "store_id": store_id,
                "database_id": p.database_id,
                "seq": p.seq,
                "score": p.score,
                "recorded_at": to_utc_text(p.at),
                "boot_id": p.boot_id,
                "mono_ns": p.mono_ns,
                "flag": flag,
            }
            for p, flag in zip(presses, flags, strict=True)
            if p.device_id == device
        ]
        if batch:
            answer = hq.post(batch, token)
            assert answer.status_code == 200, answer.text
            assert answer.json()["accepted"] == len(batch)


def read_all(hq, store_id: str, day: date) -> list:
    """The rows the re-count reads for the store's local *day*."""
    with hq.sessions() as s:
        return list(read(s, s.get(Store, store_id), day, day))


def ordered(presses: list[Pressed], flags: list) -> dict[tuple, str | None]:
    return {(p.device_id, p.database_id, p.seq): f for p, f in zip(presses, flags, strict=True)}


GAPS = st.integers(0, 3_000) | st.integers(0, 12_000) | st.integers(12_000, 200_000)
TOUCHES = st.builds(
    Touch,
    gap_ms=GAPS,
    score=st.integers(1, 4),
    held=st.sampled_from([0.0] * 12 + [0.4, STUCK_AFTER + 1]),
    reboot=st.sampled_from([False] * 9 + [True]),
    new_database=st.sampled_from([False] * 24 + [True]),
)
WINDOWS = st.sampled_from([0.0, 1.0, 3.0, 6.0, 30.0]) | st.floats(0, 60)
THANK_YOUS = st.sampled_from([0.5, 3.0, 5.0]) | st.floats(0.5, 12)


def test_the_same_rules_give_back_every_stored_flag_and_others_those_of_a_kiosk(hq):
    seen: Counter[str] = Counter()

    @settings(max_examples=60, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(
        kiosks=st.lists(st.lists(TOUCHES, min_size=1, max_size=30), min_size=1, max_size=2),
        first_gap=st.integers(0, 150),
        rules=st.tuples(WINDOWS, THANK_YOUS),
        other=st.tuples(WINDOWS, THANK_YOUS | st.none()),
    )
    def check(kiosks, first_gap, rules, other):
        window, thank_you = rules
        store_id, tokens = open_store(hq)
        start = datetime(2026, 11, 19, 7, 58, tzinfo=HELSINKI) + timedelta(seconds=first_gap)
        presses = [p for device, touches in zip(tokens, kiosks, strict=False)
                   for p in presses_of(device, touches, start)]  # fmt: skip
        stored = kiosk_flags(presses, window, thank_you)
        send(hq, store_id, tokens, presses, stored)

        with hq.sessions() as s:
            store = s.get(Store, store_id)
            rows = list(read(s, store, DAY, DAY, chunk=7))
        assert len(rows) == len(presses) and all(r.counts for r in rows)
        again = {(r.device_id, r.database_id, r.seq): f for r, f in reflag(rows, *rules)}
        assert again == ordered(presses, stored)
        same = recount(rows, window, thank_you)
        assert (same.left_out, same.let_in) == (0, 0)
        assert same.recounted.counts == same.stored.counts

        w2, t2 = other[0], thank_you if other[1] is None else other[1]
        direct = kiosk_flags(presses, w2, t2)
        again = {(r.device_id, r.database_id, r.seq): f for r, f in reflag(rows, w2, t2)}
        assert again == ordered(presses, direct)
        result = recount(rows, w2, t2)
        want = Counter((p.score, f) for p, f in zip(presses, direct, strict=True))
        assert result.recounted.counts == Counter(
            {("smiley4", s, f): n for (s, f), n in want.items()}
        )
        was_counted = [f is None for f in stored]
        now_counted = [f is None for f in direct]
        pairs = list(zip(was_counted, now_counted, strict=True))
        assert result.left_out == pairs.count((True, False))
        assert result.let_in == pairs.count((False, True))
        counted = sum(now_counted)
        assert result.recounted.summary("smiley4").count == counted
        seen.update(f for f in stored + direct if f)
        seen.update(left_out=result.left_out, let_in=result.let_in)

    check()
    # The presses reached every flag, and the re-count moved ratings both ways.
    assert set(seen) == {*FLAGS, "left_out", "let_in"}, seen


def test_a_press_let_out_of_a_lockout_says_thank_you_and_locks_out_the_next(hq):
    """Presses at 0, 2 and 2.5 s: with a 3 s thank-you the second is a lockout; with 1 s
    it is a repeat, says thank you, and so locks out the third (the memory follows the
    re-counted flags, not the stored ones)."""
    store_id, tokens = open_store(hq)
    device = next(iter(tokens))
    at = datetime(2026, 11, 19, 12, 0, tzinfo=HELSINKI)
    presses = presses_of(device, [Touch(0, 4), Touch(2000, 4), Touch(500, 4)], at)
    stored = kiosk_flags(presses, 6.0, 3.0)
    assert stored == [None, "lockout", "lockout"]
    send(hq, store_id, tokens, presses, stored)
    rows = read_all(hq, store_id, DAY)
    assert [f for _row, f in reflag(rows, 6.0, 1.0)] == [None, "repeat", "lockout"]
    assert kiosk_flags(presses, 6.0, 1.0) == [None, "repeat", "lockout"]


def test_the_presses_just_before_the_first_day_judge_its_first_presses(hq):
    """A press at 23:59:58 and another at 00:00:02: the second is a repeat within 6 s,
    and stays one when the next day alone is re-counted with 6 s (the lead-in)."""
    store_id, tokens = open_store(hq)
    device = next(iter(tokens))
    late = datetime(2026, 11, 18, 23, 59, 58, tzinfo=HELSINKI)
    presses = presses_of(device, [Touch(0, 4), Touch(4000, 4), Touch(20_000, 2)], late)
    stored = kiosk_flags(presses, 6.0, 3.0, is_open=lambda _local: True)
    assert stored == [None, "repeat", None]
    send(hq, store_id, tokens, presses, stored)
    with hq.sessions() as s:
        store = s.get(Store, store_id)
        same = recount(read(s, store, DAY, DAY), 6.0, 3.0)
        shorter = recount(read(s, store, DAY, DAY), 3.0, 3.0)
    assert same.lead_in == 1 and same.stored.total == 2
    assert (same.left_out, same.let_in) == (0, 0)
    assert same.recounted.by_flag() == Counter({"repeat": 1})
    assert (shorter.left_out, shorter.let_in) == (0, 1)
    assert shorter.recounted.by_flag() == Counter()
    assert shorter.recounted.summary("smiley4").count == 2


def test_time_suspect_stays_and_its_press_still_counts_for_the_memory(hq):
    """HQ marks ratings dated two days ahead of its clock; the re-count leaves them out
    whatever the window, and each press is still judged against the one before it."""
    store_id, tokens = open_store(hq)
    device = next(iter(tokens))
    ahead = datetime(2026, 11, 22, 12, 0, tzinfo=HELSINKI)
    presses = presses_of(device, [Touch(0, 1), Touch(4000, 4), Touch(30_000, 4)], ahead)
    stored = kiosk_flags(presses, 6.0, 3.0, is_open=lambda _local: True)
    assert stored == [None, "repeat", None]
    send(hq, store_id, tokens, presses, stored)
    with hq.sessions() as s:
        store = s.get(Store, store_id)
        rows = list(read(s, store, ahead.date(), ahead.date()))
    assert [f for _row, f in reflag(rows, 40.0, 3.0)] == [None, "repeat", "repeat"]
    result = recount(rows, 40.0, 3.0)
    assert result.stored.by_flag() == Counter({TIME_SUSPECT: 3})
    assert result.recounted.by_flag() == Counter({TIME_SUSPECT: 3})
    assert (result.left_out, result.let_in) == (0, 0)
    assert result.recounted.summary("smiley4").count == 0
