"""The survey editor's API twin (issue 29) on SQLite and PostgreSQL: the same flow as the
page through ``/api/v1/surveys`` with an admin token; a manager token within its stores
only; an analyst token nothing; a wrong field a 400 naming it; fuzzed bodies never a 5xx
and a refusal changes nothing; the routes in the OpenAPI document."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from hq.people.admin import add_api_token
from tests.hq.dashboard.survey.test_survey_pages import counts
from tests.hq.people.test_access import chain  # noqa: F401 (fixture)

SURVEY = {
    "question_id": "christmas",
    "question": {"fi": "Löysitkö lahjan?", "sv": "Hittade du en gåva?", "en": "Found a gift?"},
    "prompt": {"fi": "Mikä jäi mieleen?", "sv": "Vad stack ut?", "en": "What stood out?"},
    "reasons": [{"key": "queue", "pictogram": "queue"},
                {"key": "gifts", "label": {"fi": "Lahjat", "sv": "Gåvor", "en": "Gifts"},
                 "pictogram": "cart"}],
    "thanks": {"fi": "Hyvää joulua!", "sv": "God jul!", "en": "Merry Christmas!"},
}  # fmt: skip


@pytest.fixture
def tokens(hq, chain):  # noqa: F811
    with hq.sessions() as s:
        admin = add_api_token(s, "config-as-code", hq.clock.now, role="admin")
        south = add_api_token(s, "south-admin", hq.clock.now, "region:south", role="manager")
    bearer = lambda t: {"Authorization": f"Bearer {t}"}  # noqa: E731
    return bearer(admin), bearer(south), bearer(hq.reader_token)


def test_publish_and_schedule_through_the_api(hq, tokens):
    admin, _, _ = tokens
    made = hq.client.post("/api/v1/surveys", json={"scope": "store:s1", "survey": SURVEY},
                          headers=admin)  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["versions"] == [{"store": "s1", "device": "", "version": 1}]
    config = hq.client.get("/api/v1/config", headers=hq.auth()).json()
    assert config["survey"]["followup"]["prompt"]["sv"] == "Vad stack ut?"
    assert config["survey"]["reason_pictogram"] == {"queue": "queue", "gifts": "cart"}
    listed = hq.client.get("/api/v1/surveys", headers=admin).json()["publications"]
    assert [p["scope"] for p in listed] == ["store:s1"]
    plan = {"scope": "", "survey": SURVEY, "starts_on": "2026-12-14", "ends_on": "2026-12-20"}
    planned = hq.client.post("/api/v1/surveys/schedules", json=plan, headers=admin)
    assert planned.status_code == 201, planned.text
    campaign = planned.json()
    assert {(v["store"], v["version"]) for v in campaign["versions"]} >= {("s1", 2), ("s2", 1)}
    hq.clock.now = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)
    assert hq.client.get("/api/v1/config", headers=hq.auth()).json()["version"] == 2
    stop = hq.client.post(f"/api/v1/surveys/schedules/{campaign['id']}/cancel", headers=admin)
    assert stop.status_code == 200 and stop.json()["cancelled_at"]
    assert hq.client.get("/api/v1/config", headers=hq.auth()).json()["version"] == 1
    assert hq.client.post("/api/v1/surveys/schedules/99/cancel", headers=admin).status_code == 404


def test_a_manager_token_within_its_stores_and_an_analyst_token_nothing(hq, tokens):
    _, south, analyst = tokens
    for scope in ("", "store:s2", "store:zzstore", "region:north"):
        answer = hq.client.post("/api/v1/surveys", json={"scope": scope, "survey": SURVEY},
                                headers=south)  # fmt: skip
        assert answer.status_code == 403, scope
    assert counts(hq) == (0, 0, 0)
    mine = hq.client.post("/api/v1/surveys", json={"scope": "store:s1", "survey": SURVEY},
                          headers=south)  # fmt: skip
    assert mine.status_code == 201
    for path in ("/api/v1/surveys", "/api/v1/surveys/schedules"):
        assert hq.client.get(path, headers=analyst).status_code == 403
        assert hq.client.post(path, json={"scope": "store:s1", "survey": SURVEY,
                              "starts_on": "2026-12-14", "ends_on": "2026-12-20"},
                              headers=analyst).status_code == 403  # fmt: skip
    assert hq.client.post("/api/v1/surveys", json={"survey": SURVEY}).status_code == 401
    assert counts(hq)[0] == 1


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"scope": "store:s1", "survey": {**SURVEY, "prompt": {"fi": "Miksi?"}}}, "prompt.sv"),
        ({"scope": "store:s1", "survey": {**SURVEY, "scale": 4}}, "scale"),
        ({"scope": "store:nope", "survey": SURVEY}, "scope"),
        ({"scope": 7, "survey": SURVEY}, "scope"),
        ({"scope": "store:s1", "survey": SURVEY, "colour": "red"}, "colour"),
        (
            {
                "scope": "store:s1",
                "survey": {**SURVEY, "reasons": [{"key": "queue", "pictogram": "rocket"}]},
            },
            "reasons.0.pictogram",
        ),
        ({"scope": "store:s1"}, "survey"),
    ],
)
def test_a_wrong_field_is_a_400_naming_it(hq, tokens, body, named):
    admin, _, _ = tokens
    answer = hq.client.post("/api/v1/surveys", json=body, headers=admin)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"].startswith(named), answer.json()
    assert counts(hq) == (0, 0, 0)


def _mutate(rng: random.Random, value):
    choices = [None, True, -1, 2**70, "", "x" * 300, "\x00", [], {}, "store:s1", "2026-02-30"]
    if isinstance(value, dict) and value and rng.random() < 0.7:
        key = rng.choice(list(value))
        return {**value, key: _mutate(rng, value[key])}
    if isinstance(value, list) and value and rng.random() < 0.7:
        i = rng.randrange(len(value))
        return [*value[:i], _mutate(rng, value[i]), *value[i + 1 :]]
    return rng.choice(choices)


def test_fuzzed_bodies_get_no_5xx_and_a_refusal_changes_nothing(hq, tokens):
    admin, _, _ = tokens
    rng = random.Random(2929)
    plan = {"scope": "", "survey": SURVEY, "starts_on": "2026-12-14", "ends_on": "2026-12-20"}
    for i in range(150):
        path, base = rng.choice([("/api/v1/surveys", {"scope": "", "survey": SURVEY}),
                                 ("/api/v1/surveys/schedules", plan)])  # fmt: skip
        body = _mutate(rng, base)
        before = counts(hq)
        raw = json.dumps(body) if rng.random() < 0.9 else json.dumps(body)[: rng.randint(0, 40)]
        answer = hq.client.post(
            path, content=raw, headers={**admin, "Content-Type": "application/json"}
        )
        assert answer.status_code < 500, (i, body, answer.text)
        if answer.status_code != 201:
            assert counts(hq) == before, (i, body)


def test_the_routes_are_in_the_openapi_document(hq):
    schema = hq.client.get("/openapi.json").json()
    for path in ("/api/v1/surveys", "/api/v1/surveys/schedules",
                 "/api/v1/surveys/schedules/{campaign_id}/cancel"):  # fmt: skip
        assert path in schema["paths"], path
    body = schema["paths"]["/api/v1/surveys"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/Publish")
    assert "SurveyDraft" in schema["components"]["schemas"]
