"""The actions in the API, and the kiosk message in the survey settings (issue 19), on
SQLite and PostgreSQL: ``GET /api/v1/stores/{id}/actions`` for a read token or a
dashboard session; ``GET /api/v1/config`` carries the store's message, only the
languages that have one, and a new message is a new ETag, so kiosks pull it again."""

from __future__ import annotations

from datetime import timedelta

from hq.actions.log import record_action, set_message
from hq.fleet.surveys import set_survey
from tests.hq.conftest import log_in


def act(hq, day: str, text: str, store: str = "s1") -> None:
    with hq.sessions() as s:
        record_action(s, store, day, text, "admin", hq.clock.now)


def say(hq, language: str, text: str, store: str = "s1") -> None:
    with hq.sessions() as s:
        set_message(s, store, language, text, "admin", hq.clock.now)


def test_the_actions_of_a_store_are_read_by_day_range(hq):
    act(hq, "2026-11-18", "Third checkout opened at 16–18")
    act(hq, "2026-10-01", "New queue signs")
    act(hq, "2026-11-19", "Elsewhere", store="s2")
    reader = hq.auth(hq.reader_token)
    answer = hq.client.get("/api/v1/stores/s1/actions", headers=reader)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["store_id"], body["timezone"]) == ("s1", "Europe/Helsinki")
    # By default the 30 days up to today in the store: 2026-10-22 … 2026-11-20.
    assert [(a["day"], a["text"], a["author"]) for a in body["actions"]] == [
        ("2026-11-18", "Third checkout opened at 16–18", "admin")
    ]
    assert body["actions"][0]["created_at"] == "2026-11-20T10:00:00.000000+00:00"
    ranged = hq.client.get(
        "/api/v1/stores/s1/actions?from=2026-09-01&to=2026-11-30", headers=reader
    )
    assert [a["text"] for a in ranged.json()["actions"]] == [
        "New queue signs",
        "Third checkout opened at 16–18",
    ]
    one = hq.client.get("/api/v1/stores/s1/actions?from=2026-10-01&to=2026-10-01", headers=reader)
    assert [a["day"] for a in one.json()["actions"]] == ["2026-10-01"]


def test_the_actions_route_refuses_clearly(hq):
    reader = hq.auth(hq.reader_token)
    answer = hq.client.get(
        "/api/v1/stores/s1/actions?from=2026-11-20&to=2026-11-01", headers=reader
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_range"
    answer = hq.client.get("/api/v1/stores/nope/actions", headers=reader)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_store"
    assert (
        hq.client.get("/api/v1/stores/s1/actions?from=2026-02-30", headers=reader).status_code
        == 422
    )
    assert hq.client.get("/api/v1/stores/s1/actions").status_code == 401
    assert (
        hq.client.get("/api/v1/stores/s1/actions", headers=hq.auth()).status_code == 401
    )  # a device
    log_in(hq)  # the dashboard's session reads it too
    assert hq.client.get("/api/v1/stores/s1/actions").status_code == 200


def config(hq, etag: str | None = None, token: str | None = None):
    headers = {**hq.auth(token), **({"If-None-Match": etag} if etag else {})}
    return hq.client.get("/api/v1/config", headers=headers)


def test_the_config_carries_the_stores_message_and_a_change_is_a_new_etag(hq):
    with hq.sessions() as s:
        set_survey(s, "s1", "", {"survey": {"scale": "smiley5"}, "hours": {}}, hq.clock.now)
    plain = config(hq)
    # Without a message the answer is what it was before messages existed: no new key,
    # so no kiosk of a store without a message pulls its settings again after an upgrade.
    assert set(plain.json()) == {"version", "survey", "hours", "staff"}
    assert config(hq, plain.headers["ETag"]).status_code == 304

    say(hq, "fi", "Avasimme kolmannen kassan")
    say(hq, "sv", "Vi öppnade en tredje kassa")
    told = config(hq, plain.headers["ETag"])
    assert told.status_code == 200 and told.headers["ETag"] != plain.headers["ETag"]
    assert told.json()["message"] == {
        "fi": "Avasimme kolmannen kassan",
        "sv": "Vi öppnade en tredje kassa",
    }  # only the languages that have one
    assert told.json()["version"] == plain.json()["version"] == 1  # the question is the same
    assert config(hq, told.headers["ETag"]).status_code == 304

    say(hq, "sv", "Tre kassor öppna 16–18")
    changed = config(hq, told.headers["ETag"])
    assert (
        changed.status_code == 200 and changed.json()["message"]["sv"] == "Tre kassor öppna 16–18"
    )
    # Another store's kiosk gets none of it.
    assert "message" not in config(hq, token=hq.extra_devices["k2"]).json()

    say(hq, "fi", "")
    say(hq, "sv", "")
    cleared = config(hq, changed.headers["ETag"])
    assert cleared.status_code == 200 and "message" not in cleared.json()
    assert cleared.headers["ETag"] == plain.headers["ETag"]  # back to the answer without


def test_a_message_reaches_kiosks_of_a_store_without_survey_settings(hq):
    say(hq, "en", "We opened a third checkout")
    hq.clock.now += timedelta(minutes=1)
    body = config(hq).json()
    assert body["version"] == 0 and body["message"] == {"en": "We opened a third checkout"}
