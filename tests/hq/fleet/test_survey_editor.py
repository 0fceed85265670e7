"""The survey editor's domain (issue 29) on SQLite and PostgreSQL: a survey checked by the
kiosk's own model, published to the chain, a region, a store or a group of kiosks, each
publish a new version from the store's or kiosk's own count (numbers already given out
never change), opening hours kept; a campaign that runs from one local day to another and
then gives way to the standing survey, with the ETag changing at the switch; and who may
do it (admins anywhere, a manager in their own stores, an analyst nowhere)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hq.core.errors import ActionError
from hq.fleet.releases import add_to_group
from hq.fleet.survey.campaigns import cancel_campaign, schedule_campaign
from hq.fleet.survey.draft import draft_of, read_draft, survey_table
from hq.fleet.survey.publish import publications, publish_survey
from hq.fleet.survey.scopes import NotYours
from hq.fleet.surveys import set_survey, survey_for
from hq.people.access import access_of
from hq.people.admin import add_device, add_store
from hq.people.roles import add_region, set_store_region
from hq.tables.models import Device, Survey
from hq.tables.surveys import SurveyCampaign, SurveyPublication

CHRISTMAS = {
    "question_id": "christmas",
    "scale": "smiley5",
    "question": {"fi": "Löysitkö lahjan?", "sv": "Hittade du en gåva?", "en": "Found a gift?"},
    "prompt": {"fi": "Mikä jäi mieleen?", "sv": "Vad stack ut?", "en": "What stood out?"},
    "reasons": [
        {"key": "queue", "label": {"fi": "Jono", "sv": "Kön", "en": "Queue"}, "pictogram": "queue"},
        {"key": "gifts", "label": {"fi": "Lahjat", "sv": "Gåvor", "en": "Gifts"},
         "pictogram": "cart"},
    ],
    "thanks": {"fi": "Hyvää joulua!", "sv": "God jul!", "en": "Merry Christmas!"},
}  # fmt: skip


@pytest.fixture
def chain(hq):
    """s1 (k1) and s2 (k2) as the hq fixture makes them; s1 in region south; k1 in group
    pilots; an admin, a manager of s1 and an analyst."""
    with hq.sessions() as s:
        add_region(s, "south", "South", None, hq.clock.now)
        set_store_region(s, "s1", "south")
        add_to_group(s, "pilots", ["k1"])
        s.commit()
    return hq


def who(s, role, scope=""):
    return access_of(s, f"user:{role}", role, scope)


def device(s, device_id):
    return s.get(Device, device_id)


def config(hq, token=None):
    return hq.client.get("/api/v1/config", headers=hq.auth(token))


def test_a_draft_becomes_the_kiosks_own_table_and_back():
    table = survey_table(read_draft(CHRISTMAS))
    assert table["followup"] == {
        "ask": "negative",
        "reasons": ["queue", "gifts"],
        "prompt": CHRISTMAS["prompt"],
    }
    assert table["reason_pictogram"] == {"queue": "queue", "gifts": "cart"}
    assert table["thanks"]["sv"] == "God jul!"
    again = draft_of(table)
    assert again.prompt.en == "What stood out?" and again.reasons[1].pictogram == "cart"
    plain = draft_of({})
    assert plain.prompt.fi == "Mikä oli tärkein syy?" and plain.thanks.en == "Thank you!"
    assert [r.key for r in plain.reasons][:2] == ["queue", "staff"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"question": {"fi": "Moi"}}, "question.sv"),
        ({"prompt": {"fi": "Miksi?"}}, "prompt.sv"),
        ({"reasons": [{"key": "wifi", "label": {"fi": "Wifi"}}]}, "reasons.0.label.sv"),
        ({"reasons": [{"key": "queue", "pictogram": "rocket"}]}, "reasons.0.pictogram"),
        ({"scale": "smiley9"}, "scale"),
        ({"colour": "red"}, "colour"),
        ({"thanks": {"fi": "x" * 121}}, "thanks.fi"),
        ({"reasons": [{"key": "queue"}, {"key": "queue"}]}, "reasons"),
    ],
)
def test_a_survey_the_kiosk_would_refuse_names_its_field(change, field):
    with pytest.raises(ActionError) as refused:
        survey_table(read_draft({**CHRISTMAS, **change}))
    assert refused.value.field == field


def test_publish_to_a_region_gives_each_store_its_next_version_and_keeps_its_hours(chain):
    hq = chain
    with hq.sessions() as s:
        set_survey(s, "s1", "", {"survey": {}, "hours": {"sun": "closed"}}, hq.clock.now)
        before = config(hq)
        assert before.json()["version"] == 1
        published = publish_survey(s, who(s, "admin"), "region:south", read_draft(CHRISTMAS),
                                   hq.clock.now)  # fmt: skip
        assert published.versions == [{"store": "s1", "device": "", "version": 2}]
    after = config(hq)
    assert after.json()["version"] == 2 and after.headers["ETag"] != before.headers["ETag"]
    assert after.json()["hours"] == {"sun": "closed"}
    assert after.json()["survey"]["followup"]["prompt"]["sv"] == "Vad stack ut?"
    assert config(hq, hq.extra_devices["k2"]).json()["version"] == 0  # s2 is not in south


def test_publish_to_the_chain_and_to_a_group(chain):
    hq = chain
    with hq.sessions() as s:
        admin = who(s, "admin")
        first = publish_survey(s, admin, "", read_draft(CHRISTMAS), hq.clock.now)
        assert [(v["store"], v["version"]) for v in first.versions] == [("s1", 1), ("s2", 1)]
        group = {**CHRISTMAS, "question_id": "pilot"}
        second = publish_survey(s, admin, "group:pilots", read_draft(group), hq.clock.now)
        # k1's own count goes on from its store's: never a number s1's kiosks have had.
        assert second.versions == [{"store": "s1", "device": "k1", "version": 2}]
        third = publish_survey(s, admin, "store:s1", read_draft(CHRISTMAS), hq.clock.now)
        # s1 has that survey already: it keeps its version; k1 changes, above every number
        assert {(v["device"], v["version"]) for v in third.versions} == {("", 1), ("k1", 3)}
    assert config(hq).json()["version"] == 3  # a publish to the store reached k1 too
    assert config(hq).json()["survey"]["question_id"] == "christmas"


def test_a_refused_publish_changes_nothing(chain):
    hq = chain
    with hq.sessions() as s:
        bad = {**CHRISTMAS, "prompt": {"fi": "Miksi?"}}
        with pytest.raises(ActionError):
            publish_survey(s, who(s, "admin"), "", read_draft(bad), hq.clock.now)
        with pytest.raises(ActionError) as nowhere:
            publish_survey(s, who(s, "admin"), "store:nope", read_draft(CHRISTMAS), hq.clock.now)
        assert nowhere.value.field == "scope"
        with pytest.raises(ActionError):
            publish_survey(s, who(s, "admin"), "group:nobody", read_draft(CHRISTMAS), hq.clock.now)
        assert s.scalar(select(func.count()).select_from(SurveyPublication)) == 0
        assert s.scalar(select(func.count()).select_from(Survey).where(Survey.version > 0)) == 0


def test_a_manager_publishes_in_their_stores_only_and_an_analyst_nowhere(chain):
    hq = chain
    with hq.sessions() as s:
        manager = who(s, "manager", "store:s1")
        publish_survey(s, manager, "store:s1", read_draft(CHRISTMAS), hq.clock.now)
        publish_survey(s, manager, "group:pilots", read_draft(CHRISTMAS), hq.clock.now)
        for scope in ("", "region:south", "store:s2"):
            with pytest.raises(NotYours):
                publish_survey(s, manager, scope, read_draft(CHRISTMAS), hq.clock.now)
        with pytest.raises(NotYours):
            publish_survey(s, who(s, "analyst"), "store:s1", read_draft(CHRISTMAS), hq.clock.now)
        assert {p.scope for p in publications(s, manager)} == {"store:s1", "group:pilots"}
        publish_survey(s, who(s, "admin"), "store:s2", read_draft(CHRISTMAS), hq.clock.now)
        assert "store:s2" not in {p.scope for p in publications(s, manager)}


def test_a_campaign_runs_on_its_local_days_then_the_standing_survey_returns(chain):
    hq = chain
    with hq.sessions() as s:
        publish_survey(s, who(s, "admin"), "", read_draft({**CHRISTMAS, "question_id": "overall"}),
                       hq.clock.now)  # fmt: skip
        monday = date(2026, 12, 7)
        campaign = schedule_campaign(s, who(s, "admin"), "region:south", read_draft(CHRISTMAS),
                                     monday, monday + timedelta(days=6), hq.clock.now)  # fmt: skip
        assert campaign.id
    standing = config(hq)
    assert standing.json()["version"] == 1
    # 23:30 UTC on Sunday the 6th is already Monday 01:30 in Helsinki: the campaign runs.
    hq.clock.now = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    running = config(hq)
    assert running.json()["version"] == 2 and running.headers["ETag"] != standing.headers["ETag"]
    assert running.json()["survey"]["question_id"] == "christmas"
    assert config(hq, hq.extra_devices["k2"]).json()["version"] == 1  # s2: not in south
    hq.clock.now = datetime(2026, 12, 13, 21, 59, tzinfo=UTC)  # 23:59 Sunday, its last day
    assert config(hq).json()["version"] == 2
    hq.clock.now = datetime(2026, 12, 13, 22, 0, tzinfo=UTC)  # Monday the 14th in Helsinki
    back = config(hq)
    assert back.json()["version"] == 1 and back.headers["ETag"] == standing.headers["ETag"]
    with hq.sessions() as s:  # the next publish takes the number after the campaign's
        again = publish_survey(s, who(s, "admin"), "store:s1", read_draft(CHRISTMAS), hq.clock.now)
        assert again.versions[0]["version"] == 3


def test_a_cancelled_campaign_stops_and_refusals_keep_nothing(chain):
    hq = chain
    hq.clock.now = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    with hq.sessions() as s:
        admin, manager = who(s, "admin"), who(s, "manager", "store:s1")
        today = date(2026, 12, 8)
        with pytest.raises(ActionError) as backwards:
            schedule_campaign(s, admin, "", read_draft(CHRISTMAS), today, today - timedelta(1),
                              hq.clock.now)  # fmt: skip
        assert backwards.value.field == "ends_on"
        with pytest.raises(NotYours):
            schedule_campaign(s, manager, "", read_draft(CHRISTMAS), today, today, hq.clock.now)
        assert s.scalar(select(func.count()).select_from(SurveyCampaign)) == 0
        campaign = schedule_campaign(s, admin, "group:pilots", read_draft(CHRISTMAS), today,
                                     today, hq.clock.now)  # fmt: skip
        assert survey_for(s, device(s, "k1"), hq.clock.now)["survey"]["question_id"] == "christmas"
        assert survey_for(s, device(s, "k2"), hq.clock.now)["version"] == 0
        with pytest.raises(ActionError):  # not theirs to see: as if there were none
            cancel_campaign(s, who(s, "manager", "store:s2"), campaign.id, hq.clock.now)
        with pytest.raises(NotYours):
            cancel_campaign(s, who(s, "analyst"), campaign.id, hq.clock.now)
        cancel_campaign(s, manager, campaign.id, hq.clock.now)
        assert survey_for(s, device(s, "k1"), hq.clock.now)["version"] == 0


def test_a_new_store_later_added_is_not_reached_by_an_earlier_publish(chain):
    hq = chain
    with hq.sessions() as s:
        publish_survey(s, who(s, "admin"), "", read_draft(CHRISTMAS), hq.clock.now)
        add_store(s, "s3", "Turku", "Europe/Helsinki", hq.clock.now)
        add_device(s, "s3", "k3", hq.clock.now)
        assert survey_for(s, device(s, "k3"), hq.clock.now)["version"] == 0
