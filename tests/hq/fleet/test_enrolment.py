"""Enrolment (issue 17): kiosks register themselves with a code from ``hymio hq
enroll-code``. Fifty enrol at once from a code for fifty against a real ``hymio hq serve``
with two worker processes, on SQLite and PostgreSQL: exactly fifty devices, the next is
refused, each token uploads. A wrong, expired or used-up code and a taken id change
nothing and say why; wrong codes from one address are throttled."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select, text

from hq.fleet.enrolment import FAILURES, WINDOW, make_code
from hq.people.admin import add_store
from hq.tables.database import open_database
from hq.tables.models import Device, DeviceEnrolment, EnrolCode
from hymio.cli import main
from tests.hq.served import hymio, rating, served


def test_fifty_kiosks_enrol_at_once_from_a_code_for_fifty_and_the_51st_is_refused(
    database_url, tmp_path
):
    engine, sessions = open_database(database_url)
    with sessions() as s:
        add_store(s, "s1", "Kamppi", "Europe/Helsinki", datetime.now(UTC))
    made = hymio("hq", "enroll-code", "--store", "s1", "--uses", "50", "--database", database_url)
    assert made.returncode == 0, made.stderr
    code = made.stdout.splitlines()[1]
    assert len(code) == 14 and code.count("-") == 2
    with served(database_url, tmp_path / "hq.log", "--workers", "2") as base:

        def enrol(n: int) -> requests.Response:
            body = {"code": code.lower(), "device_id": f"pi-{n:02d}"}  # case does not matter
            return requests.post(f"{base}/api/v1/enrol", json=body, timeout=60)

        with ThreadPoolExecutor(51) as pool:
            answers = list(pool.map(enrol, range(51)))
        ok = [a.json() for a in answers if a.status_code == 201]
        refused = [a for a in answers if a.status_code != 201]
        assert len(ok) == 50
        assert [(a.status_code, a.json()["error"]["code"]) for a in refused] == [
            (403, "code_used_up")
        ]
        assert "all 50 kiosks" in refused[0].json()["error"]["message"]
        assert len({a["token"] for a in ok}) == 50
        assert {a["store_id"] for a in ok} == {"s1"}
        with requests.Session() as http:
            for a in ok:
                sent = http.post(
                    f"{base}/api/v1/ratings",
                    json={"ratings": [rating(a["device_id"], "s1", 1)]},
                    headers={"Authorization": f"Bearer {a['token']}"},
                    timeout=30,
                )
                assert sent.status_code == 200 and sent.json()["accepted"] == 1, sent.text
        again = enrol(99)
        assert again.status_code == 403 and again.json()["error"]["code"] == "code_used_up"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Device)) == 50
        hows = s.execute(select(DeviceEnrolment.added_how, func.count()).group_by("added_how"))
        assert dict(hows.all()) == {"enrolled": 50}
        row = s.scalar(select(EnrolCode))
        assert (row.uses, row.uses_left) == (50, 0)
        # HQ keeps only the code's hash: the code is nowhere in its table.
        dumped = str(s.execute(text("SELECT * FROM enrol_codes")).all())
        assert code.replace("-", "") not in dumped and code not in dumped
    engine.dispose()


def _state(hq) -> list:
    with hq.sessions() as s:
        return [
            s.execute(text("SELECT id, store_id, token_hash FROM devices ORDER BY id")).all(),
            s.execute(text("SELECT id, uses_left FROM enrol_codes ORDER BY id")).all(),
            s.execute(text("SELECT device_id FROM device_enrolments ORDER BY 1")).all(),
        ]


def _enrol(hq, code: str, device: str):
    return hq.client.post("/api/v1/enrol", json={"code": code, "device_id": device})


def test_a_wrong_expired_used_up_code_or_a_taken_id_changes_nothing_and_says_why(hq):
    with hq.sessions() as s:
        good = make_code(s, "s2", 1, 7, hq.clock.now)
        old = make_code(s, "s1", 5, 7, hq.clock.now - timedelta(days=8))
    before = _state(hq)
    for code, device, status, why, says in [
        ("AAAA-BBBB-CCCC", "pi-1", 403, "wrong_code", "no such enrol code"),
        (old, "pi-1", 403, "code_expired", "expired at"),
        (good, "k1", 409, "device_taken", "'k1' is taken"),
    ]:
        answer = _enrol(hq, code, device)
        assert answer.status_code == status, answer.text
        assert answer.json()["error"]["code"] == why
        assert says in answer.json()["error"]["message"]
        assert _state(hq) == before
    answer = _enrol(hq, f" {good.replace('-', '')} ", "pi-1")  # spaces and no dashes: the same
    assert answer.status_code == 201, answer.text
    assert answer.json()["store_id"] == "s2" and answer.json()["device_id"] == "pi-1"
    config = hq.client.get("/api/v1/config", headers=hq.auth(answer.json()["token"]))
    assert config.status_code == 200
    after = _state(hq)
    used_up = _enrol(hq, good, "pi-2")
    assert used_up.status_code == 403 and used_up.json()["error"]["code"] == "code_used_up"
    assert _state(hq) == after


def test_wrong_codes_from_one_address_are_throttled_then_forgotten(hq):
    with hq.sessions() as s:
        good = make_code(s, "s1", 3, 7, hq.clock.now)
    assert _enrol(hq, good, "pi-ok").status_code == 201  # successes are not counted
    for n in range(FAILURES):
        assert _enrol(hq, f"WRONG-{n:04d}", "pi-x").status_code == 403
    before = _state(hq)
    throttled = _enrol(hq, good, "pi-x")  # even the right code waits
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "too_many_tries"
    assert int(throttled.headers["Retry-After"]) == WINDOW.seconds
    assert _state(hq) == before
    hq.clock.now += WINDOW + timedelta(seconds=1)
    assert _enrol(hq, good, "pi-x").status_code == 201
    with hq.sessions() as s:
        assert s.get(EnrolCode, 1).uses_left == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--store", "nowhere"], "--store: there is no store 'nowhere'"),
        (["--store", "s1", "--uses", "0"], "--uses: 0: give 1 to"),
        (["--store", "s1", "--expires", "0"], "--expires: 0.0: give more than 0"),
        (["--store", "s1", "--expires", "nan"], "--expires: nan"),
    ],
)
def test_enroll_code_refuses_what_cannot_be_and_makes_none(tmp_path, capsys, args, says):
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    store = ["--id", "s1", "--name", "Kamppi", "--timezone", "Europe/Helsinki"]
    assert main(["hq", "add-store", "--database", url, *store]) == 0
    assert main(["hq", "enroll-code", "--database", url, *args]) == 2  # a usage error
    assert says in capsys.readouterr().err
    engine, sessions = open_database(url)
    with sessions() as s:
        assert s.scalars(select(EnrolCode)).all() == []
    engine.dispose()
