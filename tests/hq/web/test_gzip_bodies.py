"""gzip request bodies (issue 20): accepted and stored like plain ones; the 1 MiB limit
holds after unpacking (a zip bomb is a 413 that writes nothing); a broken or cut stream is
a 400, any other coding a 415; every API answer says ``Accept-Encoding: gzip``. On SQLite
and PostgreSQL."""

from __future__ import annotations

import gzip
import json

import pytest

from hq.ingest.wire import MAX_BODY
from hq.web.errors_http import gunzip


def post_raw(hq, body: bytes, **headers: str):
    return hq.client.post(
        "/api/v1/ratings",
        content=body,
        headers={**hq.auth(), "Content-Type": "application/json", **headers},
    )


def test_a_gzip_batch_is_stored_as_sent(hq):
    batch = [hq.rating(score=s) for s in (1, 2, 3, 4)]
    body = gzip.compress(json.dumps({"ratings": batch}).encode())
    answer = post_raw(hq, body, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 4, "duplicates": 0, "repaired": 0}
    assert answer.headers["Accept-Encoding"] == "gzip"
    # The same batch plain is the same ratings again.
    assert hq.post(batch).json() == {"accepted": 0, "duplicates": 4, "repaired": 0}
    assert hq.count() == 4


def test_a_body_that_unpacks_past_the_limit_is_a_413_and_writes_nothing(hq):
    good = json.dumps({"ratings": [hq.rating()]}).encode()
    padded = good[:-1] + b" " * (MAX_BODY + 10) + b"}"  # valid JSON, too big once unpacked
    bomb = gzip.compress(padded)
    assert len(bomb) < 10_000  # what is sent is small
    answer = post_raw(hq, bomb, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"
    assert "once unpacked" in answer.json()["error"]["message"]
    assert hq.count() == 0


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"not gzip at all", "incorrect header check"),
        # mtime=0: the bytes name the test, and must be the same on every test process
        (gzip.compress(b'{"ratings": []}', mtime=0)[:-6], "cut short"),
        (gzip.compress(b'{"ratings": []}', mtime=0) + b"junk", "after the end"),
    ],
    ids=["not gzip", "cut short", "junk after the end"],
)
def test_a_broken_gzip_body_is_a_400_naming_what_is_wrong(hq, body, why):
    answer = post_raw(hq, body, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "bad_gzip"
    assert why in error["message"]
    assert hq.count() == 0


def test_another_coding_is_a_415_that_says_gzip_is_taken(hq):
    body = json.dumps({"ratings": [hq.rating()]}).encode()
    answer = post_raw(hq, body, **{"Content-Encoding": "br"})
    assert answer.status_code == 415
    assert answer.json()["error"]["code"] == "unsupported_encoding"
    assert "'br'" in answer.json()["error"]["message"]
    assert answer.headers["Accept-Encoding"] == "gzip"
    assert hq.count() == 0


def test_a_gzip_heartbeat_is_taken_too(hq):
    body = gzip.compress(json.dumps({"pending": 3, "version": "0.3"}).encode())
    answer = hq.client.post(
        "/api/v1/heartbeat",
        content=body,
        headers={**hq.auth(), "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 200, answer.text


def test_gunzip_stops_at_the_limit_without_unpacking_the_rest():
    packed = gzip.compress(b"0" * 50_000_000)  # 50 MB of zeros in about 50 KB
    assert gunzip(packed, 1000) is None
    assert gunzip(gzip.compress(b"x" * 1000), 1000) == b"x" * 1000
