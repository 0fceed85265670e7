"""The survey a kiosk gets is resolved from what is published when it asks (issue 29): a
store added to a region after the region's publish, a kiosk put into a group, a store
moved to another region get that part's survey and campaigns without a new publish; the
stores that had it keep their versions, no publication is added, and asking again keeps
the version. On SQLite and PostgreSQL, through ``GET /api/v1/config``."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import requests
from sqlalchemy import func, select

from hq.fleet.chain.kiosks import move_kiosk
from hq.fleet.chain.stores import create_store, move_store
from hq.fleet.releases import add_to_group
from hq.fleet.survey.campaigns import schedule_campaign
from hq.fleet.survey.draft import read_draft
from hq.fleet.survey.publish import publish_survey
from hq.fleet.surveys import set_survey
from hq.people.access import access_of
from hq.people.admin import add_device
from hq.people.roles import add_region, set_store_region
from hq.tables.models import Survey
from hq.tables.surveys import SurveyCampaignTarget, SurveyPublication
from tests.hq.fleet.test_survey_editor import CHRISTMAS
from tests.hq.migrating import migrate

WINTER = {**CHRISTMAS, "question_id": "winter", "scale": "smiley4"}
PILOT = {**CHRISTMAS, "question_id": "pilot", "scale": "smiley3"}
NORTH = {**CHRISTMAS, "question_id": "north"}
MONDAY = date(2026, 12, 7)


def admin(s):
    return access_of(s, "user:admin", "admin", "")


def later(hq, hours: float = 1) -> datetime:
    hq.clock.now += timedelta(hours=hours)
    return hq.clock.now


def asks(hq, token: str | None = None) -> tuple[int, str, str]:
    """What the kiosk of *token* gets: its version, question and the answer's ETag."""
    answer = hq.client.get("/api/v1/config", headers=hq.auth(token))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return body["version"], body["survey"].get("question_id", ""), answer.headers["ETag"]


def versions(hq) -> dict[tuple[str, str], int]:
    with hq.sessions() as s:
        return {(r.store_id, r.device_id): r.version for r in s.scalars(select(Survey))}


def published(hq) -> int:
    with hq.sessions() as s:
        return s.scalar(select(func.count()).select_from(SurveyPublication))


def test_a_store_added_after_the_region_publish_gets_its_survey_and_campaign(hq):
    with hq.sessions() as s:
        add_region(s, "south", "South", None, hq.clock.now)
        set_store_region(s, "s1", "south")
        s.commit()
        publish_survey(s, admin(s), "region:south", read_draft(WINTER), later(hq))
        schedule_campaign(s, admin(s), "region:south", read_draft(CHRISTMAS),
                          MONDAY, MONDAY + timedelta(days=6), later(hq))  # fmt: skip
    assert asks(hq)[:2] == (1, "winter")
    with hq.sessions() as s:  # a new store in the south, with a kiosk: no publish since
        create_store(s, None, "s3", "Hervanta", "Europe/Helsinki", "south", later(hq))
        k3 = add_device(s, "s3", "k3", hq.clock.now)
        s.commit()
    had, publications = versions(hq), published(hq)
    first = asks(hq, k3)
    assert first[:2] == (1, "winter")  # s3's first version: the region's survey
    assert asks(hq, k3) == first  # asking again: the same version, the same answer
    assert published(hq) == publications  # no new publish, no new version elsewhere
    assert {k: v for k, v in versions(hq).items() if k[0] != "s3"} == had
    with hq.sessions() as s:  # the row names the publication it came from
        row = s.scalar(select(Survey).where(Survey.store_id == "s3", Survey.device_id == ""))
        publication = s.scalar(select(SurveyPublication))
        assert row.publication_id == publication.id and row.version == 1

    # The region's campaign week, in Helsinki: s3 runs it under a version of its own.
    hq.clock.now = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    running = asks(hq, k3)
    assert running[:2] == (2, "christmas") and asks(hq)[:2] == (2, "christmas")
    assert asks(hq, k3) == running
    with hq.sessions() as s:
        targets = s.execute(
            select(SurveyCampaignTarget.store_id, SurveyCampaignTarget.version)
        ).all()
    assert sorted(tuple(t) for t in targets) == [("s1", 2), ("s3", 2)]
    hq.clock.now = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)  # after it: the standing survey
    assert asks(hq, k3) == first
    with hq.sessions() as s:  # its next publish takes the number after the campaign's
        again = publish_survey(s, admin(s), "store:s3", read_draft(NORTH), later(hq))
        assert again.versions == [{"store": "s3", "device": "", "version": 3}]


def test_a_kiosk_put_into_a_group_gets_the_groups_survey_and_campaign(hq):
    k2 = hq.extra_devices["k2"]
    with hq.sessions() as s:
        add_to_group(s, "pilots", ["k1"])
        publish_survey(s, admin(s), "", read_draft(WINTER), later(hq))
        publish_survey(s, admin(s), "group:pilots", read_draft(PILOT), later(hq))
    assert asks(hq)[:2] == (2, "pilot")
    assert asks(hq, k2)[:2] == (1, "winter")  # not in the group
    publications = published(hq)
    with hq.sessions() as s:
        add_to_group(s, "pilots", ["k2"])
    in_group = asks(hq, k2)
    assert in_group[:2] == (2, "pilot")  # s2's next version, the group's survey
    assert asks(hq, k2) == in_group and published(hq) == publications
    assert versions(hq)[("s2", "")] == 1  # the store's own stays for its other kiosks
    assert asks(hq)[:2] == (2, "pilot")  # k1 keeps its version

    with hq.sessions() as s:  # a group campaign reaches the kiosk that joined later
        schedule_campaign(s, admin(s), "group:pilots", read_draft(CHRISTMAS),
                          MONDAY, MONDAY + timedelta(days=6), later(hq))  # fmt: skip
    hq.clock.now = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    assert asks(hq, k2)[:2] == (3, "christmas") and asks(hq)[:2] == (3, "christmas")
    hq.clock.now = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
    assert asks(hq, k2) == in_group


def test_a_kiosk_moved_to_a_store_of_the_group_s_publish_keeps_the_group_s_survey(hq):
    k2 = hq.extra_devices["k2"]
    with hq.sessions() as s:
        add_to_group(s, "pilots", ["k2"])
        publish_survey(s, admin(s), "group:pilots", read_draft(PILOT), later(hq))
        set_survey(s, "s1", "", {"survey": {"scale": "smiley5"}, "hours": {}}, later(hq))
    assert asks(hq, k2)[:2] == (1, "pilot")
    with hq.sessions() as s:
        move_kiosk(s, None, "k2", "s1", later(hq))
    assert asks(hq, k2)[:2] == (2, "pilot")  # in s1 now: s1's next version, the same survey
    assert asks(hq)[:2] == (1, "")  # k1, not in the group, keeps s1's own


def test_a_store_moved_to_another_region_gets_that_region_s_survey(hq):
    k2 = hq.extra_devices["k2"]
    with hq.sessions() as s:
        add_region(s, "north", "North", None, hq.clock.now)
        add_region(s, "south", "South", None, hq.clock.now)
        set_store_region(s, "s2", "north")
        set_store_region(s, "s1", "south")
        s.commit()
        # the north's publish is the older one: the store's row is newer, yet it moved
        publish_survey(s, admin(s), "region:north", read_draft(NORTH), later(hq))
        publish_survey(s, admin(s), "region:south", read_draft(WINTER), later(hq))
    assert asks(hq)[:2] == (1, "winter") and asks(hq, k2)[:2] == (1, "north")
    publications = published(hq)
    with hq.sessions() as s:
        move_store(s, None, "s1", "north", later(hq))
    moved = asks(hq)
    assert moved[:2] == (2, "north")  # a new version of s1: its figures never blend the two
    assert asks(hq) == moved and asks(hq, k2)[:2] == (1, "north")
    assert published(hq) == publications
    with hq.sessions() as s:
        move_store(s, None, "s1", "south", later(hq))
    assert asks(hq)[:2] == (3, "winter")  # back in the south: its survey again, never 1 again


def test_a_survey_set_for_the_store_after_the_publish_stands(hq):
    with hq.sessions() as s:
        add_region(s, "south", "South", None, hq.clock.now)
        set_store_region(s, "s1", "south")
        s.commit()
        publish_survey(s, admin(s), "region:south", read_draft(WINTER), later(hq))
        assert set_survey(s, "s1", "", {"survey": {"scale": "nps"}, "hours": {}}, later(hq)) == 2
    version, question, _ = asks(hq)
    assert (version, question) == (2, "")
    assert asks(hq)[0] == 2 and published(hq) == 1


def test_migration_0022_names_the_publication_each_kept_survey_came_from(hq, database_url):
    with hq.sessions() as s:
        add_region(s, "north", "North", None, hq.clock.now)
        add_region(s, "south", "South", None, hq.clock.now)
        set_store_region(s, "s2", "north")
        set_store_region(s, "s1", "south")
        s.commit()
        add_device(s, "s2", "k4", hq.clock.now)
        s.commit()
        publish_survey(s, admin(s), "region:north", read_draft(NORTH), later(hq))
        publish_survey(s, admin(s), "region:south", read_draft(WINTER), later(hq))
        set_survey(s, "s2", "k4", {"survey": {"scale": "nps"}, "hours": {}}, later(hq))
    migrate(database_url, "0021", down=True)  # an HQ of before, upgraded
    migrate(database_url, "0022")
    with hq.sessions() as s:
        ids = dict(s.execute(select(SurveyPublication.scope, SurveyPublication.id)).tuples().all())
        rows = {(r.store_id, r.device_id): r.publication_id for r in s.scalars(select(Survey))}
    # each row from a publish names it; k4's own, set after, names none
    assert rows == {("s2", ""): ids["region:north"], ("s1", ""): ids["region:south"],
                    ("s2", "k4"): None}  # fmt: skip
    migrate(database_url, "head")  # and on to today's HQ (the later migrations change devices)
    with hq.sessions() as s:  # so s1, moved north, takes the north's (older) survey
        move_store(s, None, "s1", "north", later(hq))
    assert asks(hq)[:2] == (2, "north")


def test_the_kiosks_of_a_new_store_asking_at_once_get_one_version(live_hq):
    hq, url = live_hq
    with hq.sessions() as s:
        add_region(s, "south", "South", None, hq.clock.now)
        set_store_region(s, "s1", "south")
        s.commit()
        create_store(s, None, "s1b", "Kamppi 2", "Europe/Helsinki", "", hq.clock.now)
        publish_survey(s, admin(s), "region:south", read_draft(WINTER), later(hq))
        schedule_campaign(s, admin(s), "region:south", read_draft(CHRISTMAS),
                          MONDAY, MONDAY + timedelta(days=6), later(hq))  # fmt: skip
        tokens = [add_device(s, "s1b", f"k-{i}", hq.clock.now) for i in range(6)]
        s.commit()
        move_store(s, None, "s1b", "south", later(hq))
    hq.clock.now = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # in the campaign's week
    start = threading.Barrier(len(tokens))

    def ask(token: str) -> tuple[int, int, str]:
        start.wait(10)
        answer = requests.get(f"{url}/api/v1/config", headers=hq.auth(token), timeout=30)
        body = answer.json()
        return answer.status_code, body.get("version"), body.get("survey", {}).get("question_id")

    with ThreadPoolExecutor(len(tokens)) as pool:
        answers = list(pool.map(ask, tokens))
    # HQ may ask one to come back (a 503 with Retry-After, as for any busy moment): never a 500
    assert {a[0] for a in answers} <= {200, 503} and any(a[0] == 200 for a in answers)
    assert {a[1:] for a in answers if a[0] == 200} <= {(2, "christmas")}
    assert [asks(hq, t)[:2] for t in tokens] == [(2, "christmas")] * len(tokens)
    with hq.sessions() as s:
        rows = s.scalars(select(Survey).where(Survey.store_id == "s1b")).all()
        targets = s.scalars(
            select(SurveyCampaignTarget).where(SurveyCampaignTarget.store_id == "s1b")
        ).all()
    assert [(r.device_id, r.version) for r in rows] == [("", 1)]
    assert [(t.device_id, t.version) for t in targets] == [("", 2)]
