"""Concurrent batches never deadlock into a 500, and a database HQ cannot reach is a 503
with Retry-After (issue 15), on SQLite and on PostgreSQL, against a real server."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import psycopg
import requests

from tests.hq.conftest import PG, LiveServer, make_hq

ROUNDS, BATCH = 25, 200


def test_the_same_ratings_in_two_concurrent_batches_in_other_orders_never_deadlock(live_hq):
    hq, url = live_hq
    statuses: list[int] = []
    for _ in range(ROUNDS):
        batch = [hq.rating() for _ in range(BATCH)]
        start = threading.Barrier(2)

        def post(ratings, start=start):
            start.wait()
            answer = requests.post(
                f"{url}/api/v1/ratings", json={"ratings": ratings}, headers=hq.auth(), timeout=30
            )
            statuses.append(answer.status_code)

        threads = [
            threading.Thread(target=post, args=(batch,)),
            threading.Thread(target=post, args=(batch[::-1],)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert statuses == [200] * (2 * ROUNDS)
    assert hq.count() == ROUNDS * BATCH


def _allow(name: str, allowed: bool) -> None:
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS {str(allowed).lower()}")
        if not allowed:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )


def send(session, url: str, hq, what: str, body: dict):
    return session.post(f"{url}/api/v1/{what}", json=body, headers=hq.auth(), timeout=10)


@contextmanager
def database_away(hq, database_url: str, tmp_path):
    """The database out of HQ's reach: PostgreSQL refusing connections to it (and the ones
    HQ had cut), or the SQLite file's folder gone, as with an unmounted disk."""
    if database_url.startswith("postgresql"):
        name = database_url.rsplit("/", 1)[1]
        _allow(name, False)
        try:
            yield
        finally:
            _allow(name, True)
        return
    hq.app.state.engine.dispose()  # no connection left open on the old file
    os.rename(tmp_path, f"{tmp_path}.away")
    try:
        yield
    finally:
        os.rename(f"{tmp_path}.away", tmp_path)


def test_while_the_database_is_away_hq_answers_503_with_retry_after_and_recovers(
    database_url, tmp_path
):
    hq = make_hq(database_url)
    with LiveServer(hq.app) as server:
        session = requests.Session()
        assert session.get(f"{server.url}/healthz", timeout=10).status_code == 200
        kept = hq.count()
        with database_away(hq, database_url, tmp_path):
            answers = [
                session.get(f"{server.url}/healthz", timeout=10),
                send(session, server.url, hq, "ratings", {"ratings": [hq.rating()]}),
                send(session, server.url, hq, "heartbeat", {}),
                session.get(f"{server.url}/api/v1/config", headers=hq.auth(), timeout=10),
            ]
            for answer in answers:
                assert answer.status_code == 503, answer.text
                assert answer.json()["error"]["code"] == "database_unavailable"
                assert int(answer.headers["Retry-After"]) >= 1
        assert session.get(f"{server.url}/healthz", timeout=10).status_code == 200
        answer = send(session, server.url, hq, "ratings", {"ratings": [hq.rating()]})
        assert answer.status_code == 200 and hq.count() == kept + 1
    hq.app.state.engine.dispose()
