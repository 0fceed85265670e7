"""The whole chain through the API alone (issue 29), on SQLite and PostgreSQL, with one
admin API token and nothing else: a region, a store with its hours and a holiday, an
enrolment code; a kiosk enrols with the code of its link and uploads; a survey with a new
follow-up prompt and reasons in fi, sv and en published and a campaign scheduled for next
week, both in the kiosk's settings when their day comes; a Swedish e-mail channel tested
and a rule that fires at a real SMTP server (aiosmtpd), in Swedish; the alert then owned
and resolved, and a person subscribed, through the API too."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from hq.people.admin import add_api_token
from hq.server.app import create_app
from kiosk.timekeeping.localtime import to_utc_text
from tests.e2e.chain_flow import CAMPAIGN, GIFTS, PROMPT, THANKS
from tests.hq.alert_fixtures import worker_of
from tests.hq.conftest import NOON, Clock
from tests.hq.dashboard.test_alert_setup import mail_env

SURVEY = {
    "question_id": "overall",
    "question": {"fi": "Miten onnistuimme?", "sv": "Hur gick det?", "en": "How did we do?"},
    "prompt": PROMPT,
    "reasons": [{"key": "queue", "pictogram": "queue"},
                {"key": "gifts", "label": GIFTS, "pictogram": "cart"}],
    "thanks": THANKS,
}  # fmt: skip


def rating(seq: int, score: int, at: datetime) -> dict:
    return {
        "id": str(uuid.uuid4()), "device_id": "pi-itis", "store_id": "itis", "seq": seq,
        "survey_id": "default", "question_id": "overall", "config_version": 1,
        "scale": "smiley4", "score": score, "source": "button", "reason": None,
        "recorded_at": to_utc_text(at), "clock_synced": True, "boot_id": "b1",
        "mono_ns": seq, "flag": None,
    }  # fmt: skip


def test_the_chain_through_the_api_alone(database_url, smtp, monkeypatch):
    inbox, mail = smtp
    mail_env(monkeypatch, mail)
    clock = Clock(NOON)  # Friday 20 November 2026, noon in Helsinki
    app = create_app(database_url, clock=clock)
    with app.state.sessions() as s:
        token = add_api_token(s, "config-as-code", clock.now, "", "admin")
    monkeypatch.setenv("HYMIO_HQ_URL", "https://hq.hymio.test")  # for the invite's link
    admin = {"Authorization": f"Bearer {token}"}
    client = TestClient(app)
    try:

        def call(method: str, path: str, status: int = 200, **kw):
            answer = client.request(method, path, headers=kw.pop("headers", admin), **kw)
            assert answer.status_code == status, (path, answer.text)
            return answer.json() if answer.content else None

        region = call("POST", "/api/v1/regions", 201, json={"id": "south", "name": "Etelä"})
        assert region == {"id": "south", "name": "Etelä", "parent": ""}
        assert call("GET", "/api/v1/regions") == [region]
        maria = {
            "username": "maria",
            "email": "maria@hymio.test",
            "role": "manager",
            "scope": "region:south",
            "language": "sv",
        }
        invited = call("POST", "/api/v1/users", 201, json=maria)
        assert invited["purpose"] == "invite" and len(inbox.messages) == 1
        store = call("POST", "/api/v1/stores", 201,
                     json={"id": "itis", "name": "Itis", "region": "south"})  # fmt: skip
        assert store["region"] == "south" and store["timezone"] == "Europe/Helsinki"
        hours = call("PUT", "/api/v1/stores/itis/hours", json={"mon": "08:00-21:00",
                                                               "sun": "closed"})  # fmt: skip
        assert hours["week"]["mon"] == "08:00-21:00" and hours["week"]["sun"] == "closed"
        holiday = call("PUT", "/api/v1/stores/itis/exceptions/2026-12-06",
                       json={"hours": "closed", "note": "Itsenäisyyspäivä"})  # fmt: skip
        assert {"day": "2026-12-06", "hours": "closed"}.items() <= holiday["exceptions"][0].items()

        code = call("POST", "/api/v1/enrolment-codes", 201,
                    json={"store_id": "itis", "uses": 1, "days": 7})  # fmt: skip
        link = urlsplit(code["link"])
        assert link.scheme == "hymio-enrol" and "<svg" in code["qr_svg"]
        enrolled = call("POST", "/api/v1/enrol", 201, headers={},
                        json={"code": parse_qs(link.query)["code"][0],
                              "device_id": "pi-itis"})  # fmt: skip
        assert enrolled["store_id"] == "itis"
        kiosk = {"Authorization": f"Bearer {enrolled['token']}"}
        sent = [rating(1, 1, clock.now - timedelta(minutes=5))]
        taken = call("POST", "/api/v1/ratings", headers=kiosk, json={"ratings": sent})
        assert taken["accepted"] == 1, taken

        published = call("POST", "/api/v1/surveys", 201,
                         json={"scope": "store:itis", "survey": SURVEY})  # fmt: skip
        # version 1 was the store's hours: every change the kiosk must take is a version
        assert published["versions"] == [{"store": "itis", "device": "", "version": 2}]
        campaign = {**SURVEY, "question_id": "christmas", "question": CAMPAIGN}
        planned = call("POST", "/api/v1/surveys/schedules", 201,
                       json={"scope": "store:itis", "survey": campaign,
                             "starts_on": "2026-11-23", "ends_on": "2026-11-29"})  # fmt: skip
        assert planned["starts_on"] == "2026-11-23"
        config = call("GET", "/api/v1/config", headers=kiosk)
        assert config["survey"]["followup"]["prompt"] == PROMPT
        assert config["survey"]["reason_text"]["gifts"] == GIFTS
        assert config["hours"]["sun"] == "closed"
        clock.now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 08:00 in Helsinki
        config = call("GET", "/api/v1/config", headers=kiosk)
        assert config["survey"]["question"] == CAMPAIGN
        assert config["survey"]["question_id"] == "christmas"
        clock.now = NOON

        channel = call("POST", "/api/v1/alert-channels", 201,
                       json={"name": "butik", "kind": "email", "target": "butik@hymio.test",
                             "language": "sv", "scope": "region:south"})  # fmt: skip
        assert channel["language"] == "sv"
        tested = call("POST", "/api/v1/alert-channels/butik/test")
        assert tested["delivered"] is True
        assert inbox.messages[1]["Subject"] == (
            "[Hymiö] Hymiö: ett testmeddelande till kanalen butik"
        )
        rule = call("POST", "/api/v1/alert-rules", 201,
                    json={"name": "Itis index", "kind": "index_below", "scope": "store:itis",
                          "params": {"value": 60, "days": 1, "min_n": 1},
                          "channels": ["butik"]})  # fmt: skip
        assert rule["params"] == {"value": 60.0, "days": 1, "min_n": 1}
        subscribed = call("POST", "/api/v1/users/maria/subscriptions", 201,
                          json={"kind": "index_below", "scope": "store:itis"})  # fmt: skip
        assert subscribed["mode"] == "now"
        hq = type("HQ", (), {"sessions": app.state.sessions, "clock": clock, "app": app})
        assert worker_of(hq, mail).run_once() == (1, 2)
        by = {m["To"]: m for m in inbox.messages[2:]}
        assert by["butik@hymio.test"]["Subject"].startswith("[Hymiö] Itis: index 0,0 under 60,0")
        assert by["maria@hymio.test"]["Subject"].startswith("[Hymiö] Itis: index 0,0 under 60,0")

        [alert] = call("GET", "/api/v1/alerts")
        assert (alert["store_id"], alert["status"], alert["owner"]) == ("itis", "open", "")
        owned = {"owner": "maria", "due": "2026-11-27", "status": "in progress"}
        tracked = call("PUT", f"/api/v1/alerts/{alert['id']}/tracking", json=owned)
        assert (tracked["status"], tracked["owner"], tracked["due"]) == (
            "in progress", "maria", "2026-11-27",
        )  # fmt: skip
        acted = {(e["who"], e["kind"], e["text"]) for e in tracked["history"] if e["who"] != "hq"}
        who = "token:config-as-code"
        assert acted == {(who, "owner", "maria"), (who, "due", "2026-11-27"),
                         (who, "acknowledged", "")}  # fmt: skip
        done = call("PUT", f"/api/v1/alerts/{alert['id']}/tracking",
                    json={"owner": "maria", "due": "", "status": "resolved"})  # fmt: skip
        assert done["status"] == "resolved" and call("GET", "/api/v1/alerts") == []
    finally:
        client.close()
        app.state.engine.dispose()
