"""The survey editor's pages (issue 29) through HQ's forms, on SQLite and PostgreSQL: an
admin edits, previews, publishes and schedules; a wrong value is a 400 page naming the
field with the form as sent, and nothing changes; a manager only within their stores, an
analyst not at all; every post needs the form's CSRF token; fuzzed forms never get a 5xx."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from hq.tables.models import Survey
from hq.tables.surveys import SurveyCampaign, SurveyPublication
from tests.hq.conftest import csrf_of
from tests.hq.people.routes import ROUTES
from tests.hq.people.test_access import chain, log_in_as  # noqa: F401 (fixture)

PROMPT = {"fi": "Mikä jäi mieleen?", "sv": "Vad stack ut?", "en": "What stood out?"}


def form(page: str, **over) -> dict[str, str]:
    """The editor's form as the page fills it, with *over* changed."""
    data = {"csrf": csrf_of(page) if page else ""}
    for lang, text in PROMPT.items():
        data[f"prompt_{lang}"] = text
    data.update({"question_fi": "Löysitkö lahjan?", "question_sv": "Hittade du en gåva?",
                 "question_en": "Found a gift?", "scale": "smiley4", "question_id": "christmas",
                 "ask": "negative", "reason_key_0": "queue", "reason_fi_0": "Jono",
                 "reason_sv_0": "Kön", "reason_en_0": "Queue", "reason_pictogram_0": "queue",
                 "reason_key_1": "gifts", "reason_fi_1": "Lahjat", "reason_sv_1": "Gåvor",
                 "reason_en_1": "Gifts", "reason_pictogram_1": "cart",
                 "scope": "store:s1"})  # fmt: skip
    return {**data, **over}


def counts(hq) -> tuple[int, int, int]:
    with hq.sessions() as s:
        return (
            s.scalar(select(func.count()).select_from(SurveyPublication)),
            s.scalar(select(func.count()).select_from(SurveyCampaign)),
            s.scalar(select(func.coalesce(func.sum(Survey.version), 0))),
        )


def test_an_admin_previews_publishes_and_schedules(hq, chain):  # noqa: F811
    log_in_as(hq, "admin")
    page = hq.client.get("/surveys")
    assert page.status_code == 200 and "Mikä oli tärkein syy?" in page.text  # the defaults
    shown = hq.client.post("/surveys/preview", data=form(page.text))
    assert shown.status_code == 200 and shown.text.count("Vad stack ut?") >= 3
    assert "/surveys/pictograms/cart.png" in shown.text
    assert counts(hq) == (0, 0, 0)  # a preview changes nothing
    picture = hq.client.get("/surveys/pictograms/cart.png")
    assert picture.status_code == 200 and picture.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert hq.client.get("/surveys/pictograms/nope.png").status_code == 404
    done = hq.client.post("/surveys", data=form(page.text), follow_redirects=False)
    assert done.status_code == 303 and "published=" in done.headers["location"]
    config = hq.client.get("/api/v1/config", headers=hq.auth()).json()
    assert config["version"] == 1 and config["survey"]["followup"]["prompt"] == PROMPT
    again = hq.client.get("/surveys?store=s1").text
    assert 'value="Vad stack ut?"' in again and 'data-publication="' in again
    plan = form(page.text, scope="region:south", starts_on="2026-12-14", ends_on="2026-12-20")
    planned = hq.client.post("/surveys/schedules", data=plan, follow_redirects=False)
    assert planned.status_code == 303, planned.text[:500]
    listed = hq.client.get("/surveys").text
    assert "2026-12-14" in listed and "2026-12-20" in listed
    campaign = listed.split('data-campaign="')[1].split('"')[0]
    stop = {"csrf": csrf_of(listed)}
    cancelled = hq.client.post(f"/surveys/schedules/{campaign}/cancel", data=stop,
                               follow_redirects=False)  # fmt: skip
    assert cancelled.status_code == 303


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"prompt_sv": ""}, "prompt.sv"),
        ({"question_en": ""}, "question.en"),
        ({"reason_key_2": "wifi", "reason_fi_2": "Wifi"}, "reasons.2.label.sv"),
        ({"reason_pictogram_1": "rocket"}, "reasons.1.pictogram"),
        ({"scale": "stars"}, "scale"),
        ({"scope": "store:nope"}, "scope"),
        ({"scope": "group:nobody"}, "scope"),
        ({"thanks_fi": "x" * 121}, "thanks.fi"),
        ({"question_id": "two words"}, "question_id"),
    ],
)
def test_a_wrong_value_is_a_400_naming_the_field_and_nothing_changes(hq, chain, over, field):  # noqa: F811
    log_in_as(hq, "admin")
    page = hq.client.get("/surveys").text
    for path, extra in (("/surveys", {}), ("/surveys/schedules",
                        {"starts_on": "2026-12-14", "ends_on": "2026-12-20"})):  # fmt: skip
        answer = hq.client.post(path, data=form(page, **over, **extra))
        assert answer.status_code == 400, (path, answer.status_code)
        assert f'data-field="{field}"' in answer.text, answer.text[:2000]
        assert 'name="prompt_fi" value="Mikä jäi mieleen?"' in answer.text  # the form as sent
    assert counts(hq) == (0, 0, 0)


def test_more_questions_in_turn_are_published_and_previewed(hq, chain):  # noqa: F811
    log_in_as(hq, "admin")
    page = hq.client.get("/surveys").text
    turn = {
        "alternate_id_0": "checkout",
        "alternate_fi_0": "Sujuiko kassalla?",
        "alternate_sv_0": "Gick det bra i kassan?",
        "alternate_en_0": "Was checkout smooth?",
    }
    shown = hq.client.post("/surveys/preview", data=form(page, **turn))
    assert shown.status_code == 200 and shown.text.count("Gick det bra i kassan?") == 2
    refused = hq.client.post("/surveys", data=form(page, **{**turn, "alternate_sv_0": ""}))
    assert refused.status_code == 400 and 'data-field="alternates.0.question.sv"' in refused.text
    taken = hq.client.post("/surveys", data=form(page, **{**turn, "alternate_id_0": "christmas"}))
    assert taken.status_code == 400 and 'data-field="alternates.0.question_id"' in taken.text
    assert counts(hq) == (0, 0, 0)
    done = hq.client.post("/surveys", data=form(page, **turn), follow_redirects=False)
    assert done.status_code == 303
    config = hq.client.get("/api/v1/config", headers=hq.auth()).json()
    assert config["survey"]["alternates"][0]["question"]["en"] == "Was checkout smooth?"
    assert 'name="alternate_id_0" value="checkout"' in hq.client.get("/surveys?store=s1").text


def test_bad_campaign_days_are_named(hq, chain):  # noqa: F811
    log_in_as(hq, "admin")
    page = hq.client.get("/surveys").text
    wrong = [
        ({"starts_on": "14.12.2026", "ends_on": "2026-12-20"}, "starts_on"),
        ({"starts_on": "2026-12-20", "ends_on": "2026-12-14"}, "ends_on"),
        ({"starts_on": "2020-01-01", "ends_on": "2020-01-02"}, "ends_on"),
    ]
    for days, field in wrong:
        answer = hq.client.post("/surveys/schedules", data=form(page, **days))
        assert answer.status_code == 400 and f'data-field="{field}"' in answer.text
    assert counts(hq) == (0, 0, 0)


def test_a_manager_edits_their_stores_only_and_an_analyst_nothing(hq, chain):  # noqa: F811
    log_in_as(hq, "south")  # the manager of region south: store s1
    page = hq.client.get("/surveys")
    assert page.status_code == 200
    assert 'value="store:s1"' in page.text and 'value="store:zzstore"' not in page.text
    assert '<option value=""' not in page.text.split('id="scope"')[1].split("</select>")[0]
    for scope in ("", "store:s2", "store:zzstore", "region:north"):
        answer = hq.client.post("/surveys", data=form(page.text, scope=scope))
        assert answer.status_code == 403, scope
        assert "your own stores only" in answer.text
    for odd in ("zzstore", "%2e%2e", "x" * 300):  # not theirs, or none: the defaults
        shown = hq.client.get(f"/surveys?store={odd}")
        assert shown.status_code == 200 and 'value="Miten onnistuimme tänään?"' in shown.text
    assert hq.client.get("/surveys?store=s1%00").status_code == 400  # HQ refuses a NUL
    assert counts(hq) == (0, 0, 0)
    mine = hq.client.post("/surveys", data=form(page.text, scope="region:south"),
                          follow_redirects=False)  # fmt: skip
    assert mine.status_code == 303
    log_in_as(hq, "reader")
    assert hq.client.get("/surveys").status_code == 403
    csrf = csrf_of(hq.client.get("/").text)
    for (method, path), kind in ROUTES.items():
        if kind == "survey" and method == "POST" and not path.startswith("/api/"):
            answer = hq.client.post(path.replace("{campaign_id}", "1"), data=form("", csrf=csrf))
            assert answer.status_code == 403, path
    assert counts(hq)[0] == 1


def test_every_post_needs_the_forms_csrf_token(hq, chain):  # noqa: F811
    log_in_as(hq, "admin")
    page = hq.client.get("/surveys").text
    for path in ("/surveys", "/surveys/preview", "/surveys/schedules"):
        answer = hq.client.post(path, data=form(page, csrf="forged"))
        assert answer.status_code == 403, path
    hq.client.cookies.clear()
    assert hq.client.post("/surveys", data=form(page), follow_redirects=False).status_code == 303
    assert counts(hq) == (0, 0, 0)


def test_fuzzed_forms_get_no_5xx_and_a_refusal_changes_nothing(hq, chain):  # noqa: F811
    log_in_as(hq, "admin")
    page = hq.client.get("/surveys").text
    fields = [*form(page), "starts_on", "ends_on", "reason_key_5", "zz"]
    rng = random.Random(29)
    alphabet = string.printable + "åäö€\u200b\ufeff\x00\U0001f600"
    hq.clock.now = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    for i in range(120):
        data = form(page)
        for name in rng.sample(fields, rng.randint(1, 5)):
            size = rng.choice([0, 1, 5, 40, 130, 500])
            data[name] = "".join(rng.choice(alphabet) for _ in range(size))
        data["csrf"] = csrf_of(page)
        path = rng.choice(["/surveys", "/surveys/preview", "/surveys/schedules"])
        before = counts(hq)
        answer = hq.client.post(path, data=data, follow_redirects=False)
        assert answer.status_code < 500, (i, path, data)
        if answer.status_code != 303:
            assert counts(hq) == before, (i, path)
