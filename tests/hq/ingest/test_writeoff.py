"""Writing off ratings lost for good (issue 30): a range of a kiosk's ratings that will
never reach HQ (a card that died) kept its days "incomplete, may still change" forever.
An admin writes it off with a reason (the fleet page, the API, the CLI: one function);
completeness then counts it as lost, the days are complete and say "40 lost (reason)".
Only an admin may; a range HQ does not lack is refused naming the field. On SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from hq.ingest.completeness import completeness
from hq.people.admin import add_user
from hymio.cli import main
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import PASSWORD, csrf_of, log_in
from tests.hq.people.test_access import log_in_as

REASON = "the SD card died"


def post_with_gaps(hq) -> None:
    """k1's seq 1–10 two days ago, 51–60 yesterday and 81–90 today: 11–50 and 61–80 lack."""
    batch = []
    for first, days_ago in ((1, 2), (51, 1), (81, 0)):
        at = hq.clock.now.replace(hour=10) - timedelta(days=days_ago)
        batch += [hq.rating(seq=first + i, recorded_at=to_utc_text(at + timedelta(minutes=i)))
                  for i in range(10)]  # fmt: skip
    assert hq.post(batch).status_code == 200


def lacks(hq) -> tuple[int, int, bool]:
    with hq.sessions() as s:
        c = completeness(s, "k1")
        return c.missing, c.lost, c.complete


def test_an_admin_writes_off_lost_ratings_and_their_days_are_complete(hq, database_url):
    post_with_gaps(hq)
    with hq.sessions() as s:
        add_user(s, "ana", PASSWORD, hq.clock.now, "en", "analyst")
    assert lacks(hq) == (60, 0, False)
    log_in(hq)
    page = hq.client.get("/stores/s1").text
    assert 'data-complete="no"' in page and "data-lost" not in page

    form = {"device": "k1", "first_seq": "11", "last_seq": "50", "reason": REASON}
    log_in_as(hq, "ana")  # an analyst: 403, nothing changed
    fleet = hq.client.get("/fleet").text
    assert 'id="write-off"' not in fleet
    answer = hq.client.post("/fleet/write-offs", data={**form, "csrf": csrf_of(fleet)})
    assert answer.status_code == 403
    api = "/api/v1/devices/k1/write-offs"
    body = {"first_seq": 61, "last_seq": 80, "reason": "flood"}
    assert hq.client.post(api, json=body).status_code == 403
    assert hq.client.post(api, json=body, headers=hq.auth(hq.reader_token)).status_code == 403
    assert lacks(hq) == (60, 0, False)

    log_in(hq)
    fleet = hq.client.get("/fleet").text
    assert "k1 (Kamppi): 11–50 61–80" in fleet  # the ranges HQ lacks, to choose from
    csrf = csrf_of(fleet)
    for bad, field in (({"first_seq": "5", "last_seq": "15"}, "first_seq"),  # received ones
                       ({"first_seq": "x"}, "first_seq"), ({"last_seq": "-3"}, "last_seq"),
                       ({"reason": " "}, "reason"), ({"device": "nope"}, "device")):  # fmt: skip
        answer = hq.client.post("/fleet/write-offs", data={**form, **bad, "csrf": csrf})
        assert answer.status_code == 400, bad
        assert f'data-field="{field}"' in answer.text and "nothing was changed" in answer.text
    assert lacks(hq) == (60, 0, False)
    answer = hq.client.post("/fleet/write-offs", data={**form, "csrf": csrf},
                            follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/fleet"
    assert lacks(hq) == (20, 40, False)

    wrong = hq.client.post(api, json={**body, "first_seq": 55})
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "bad_first_seq"
    done = hq.client.post(api, json=body)
    assert done.status_code == 201, done.text
    expected = {"device_id": "k1", "database_id": "legacy", "first_seq": 61, "last_seq": 80,
                "lost": 60, "reason": "flood", "complete": True}  # fmt: skip
    assert {k: v for k, v in done.json().items() if k != "id"} == expected
    assert lacks(hq) == (0, 60, True)
    gaps = hq.client.get("/api/v1/devices/k1/gaps", headers=hq.auth(hq.reader_token)).json()
    assert gaps["complete"] and gaps["lost"] == 60 and gaps["missing"] == 0

    page = hq.client.get("/stores/s1").text
    assert 'data-complete="no"' not in page  # no day says it may still change
    lost = re.search(r'<span data-lost="60">complete, (.*?)</span>', page).group(1)
    assert lost == f"40 lost ({REASON}); 20 lost (flood)"
    fleet = hq.client.get("/fleet").text
    assert f'data-lost="60">60 lost ({REASON}; flood)' in fleet
    assert 'id="write-off"' not in fleet  # nothing lacks any more

    # the command line calls the same function: nothing left to write off is exit 2
    args = ["hq", "write-off", "--database", database_url, "--device", "k1",
            "--first-seq", "61", "--last-seq", "62", "--reason", "again"]  # fmt: skip
    assert main(args) == 2
    assert lacks(hq) == (0, 60, True)


def test_the_command_line_writes_off_the_tail_a_dead_kiosk_never_sent(hq, database_url, capsys):
    post_with_gaps(hq)
    beat = {"version": "1", "databases": [{"database_id": "legacy", "last_seq": 120,
                                             "pending": 0, "held": 0}]}  # fmt: skip
    assert hq.client.post("/api/v1/heartbeat", json=beat, headers=hq.auth()).status_code == 200
    with hq.sessions() as s:
        assert completeness(s, "k1").not_received == 30
    args = ["hq", "write-off", "--database", database_url, "--device", "k1",
            "--first-seq", "91", "--last-seq", "120", "--reason", REASON]  # fmt: skip
    assert main(args) == 0
    assert "wrote off seq 91–120 of k1 (legacy) as lost" in capsys.readouterr().out
    with hq.sessions() as s:
        c = completeness(s, "k1")
        assert (c.not_received, c.missing, c.lost) == (0, 60, 30)
