"""Alerts for people (issue 30), on SQLite and PostgreSQL, with a real SMTP server: a user
subscribes to alert kinds within what they see, at once or in a daily digest; a rule may
go to the managers of the store, resolved from the people as they are when it opens;
each person gets their own e-mail; refusals name the field and change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hq.alerts.manage import operator
from hq.alerts.setup import save_rule
from hq.people.admin import add_user, set_language
from hq.people.roles import add_region, set_role, set_store_region
from hq.tables.alerts import Subscription
from tests.hq.alert_fixtures import worker_of
from tests.hq.conftest import PASSWORD, csrf_of
from tests.hq.people.test_access import log_in_as


@pytest.fixture
def staff(hq):
    """s1 in south (manager south), s2 in north (manager north); an analyst, an admin
    with an e-mail address (boss), and a manager with none (quiet)."""
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "south", "South", None, now)
        add_region(s, "north", "North", None, now)
        set_store_region(s, "s1", "south")
        set_store_region(s, "s2", "north")
        for name, role, scope in [("south", "manager", "region:south"),
                                  ("north", "manager", "region:north"),
                                  ("reader", "analyst", ""), ("boss", "admin", ""),
                                  ("quiet", "manager", "store:s1")]:  # fmt: skip
            email = "" if name == "quiet" else f"{name}@hymio.test"
            add_user(s, name, PASSWORD, now, role=role, scope=scope, email=email)
    return hq


def subscribe(hq, who: str, kind: str, scope: str, mode: str):
    log_in_as(hq, who)
    csrf = csrf_of(hq.client.get("/alerts").text)
    data = {"kind": kind, "scope": scope, "mode": mode, "csrf": csrf}
    return hq.client.post("/alerts/subscriptions", data=data, follow_redirects=False)


def fire(hq, mail, managers: bool = False) -> None:
    """A clock rule with no channel; both kiosks' clocks go off; the worker runs."""
    with hq.sessions() as s:
        save_rule(s, operator(s), hq.clock.now, name="Clocks", kind="clock_unsynced", scope="",
                  params={}, channels=[], notify_managers=managers)  # fmt: skip
    for token in (hq.token, hq.extra_devices["k2"]):
        hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth(token))
    assert worker_of(hq, mail).run_once()[0] == 2


def to(inbox) -> list[tuple[str, str]]:
    return sorted((rcpt[0], m["Subject"]) for (_, rcpt), m in zip(inbox.envelopes, inbox.messages,
                                                                 strict=True))  # fmt: skip


def test_subscribers_hear_at_once_or_in_the_digest_of_what_they_see(staff, smtp):
    hq, (inbox, mail) = staff, smtp
    assert subscribe(hq, "south", "clock_unsynced", "store:s1", "now").status_code == 303
    assert subscribe(hq, "reader", "", "", "digest").status_code == 303
    with hq.sessions() as s:
        set_language(s, "reader", "sv")
    assert subscribe(hq, "north", "low_disk", "region:north", "now").status_code == 303
    page = hq.client.get("/alerts").text  # north's own list
    assert "A kiosk&#39;s disk is nearly full" in page and "North" in page
    fire(hq, mail)
    assert [(r, "Kamppi" in s) for r, s in to(inbox)] == [("south@hymio.test", True)]
    hq.clock.now += timedelta(days=1)
    hq.clock.now = hq.clock.now.replace(hour=7)
    worker_of(hq, mail).run_once()
    assert [r for r, _ in to(inbox)] == ["reader@hymio.test", "south@hymio.test"]
    digest = next(m for (_, rcpt), m in zip(inbox.envelopes, inbox.messages, strict=True)
                  if rcpt == ["reader@hymio.test"])  # fmt: skip
    assert digest["Subject"] == "[Hymiö] Larm som öppnades fre 20 nov. 2026: 2"
    text = digest.get_content()
    assert "Kamppi: kiosken k1s klocka är inte synkroniserad · fre 20 nov. 2026 12:00" in text
    assert "Tampere" in text
    worker_of(hq, mail).run_once()  # once a day
    assert len(inbox.messages) == 2


def test_a_rule_for_the_managers_of_the_store_and_admins_who_subscribed(staff, smtp):
    hq, (inbox, mail) = staff, smtp
    assert subscribe(hq, "boss", "clock_unsynced", "store:s2", "now").status_code == 303
    with hq.sessions() as s:  # north moves to s1's region before anything fires
        set_role(s, "north", "manager", "store:s1")
    fire(hq, mail, managers=True)
    got = to(inbox)
    assert [r for r, s in got if "Kamppi" in s] == ["north@hymio.test", "south@hymio.test"]
    assert [r for r, s in got if "Tampere" in s] == ["boss@hymio.test"]  # no manager of s2 now
    # a manager who stops seeing the store stops hearing of it: the next episode
    with hq.sessions() as s:
        set_role(s, "north", "manager", "region:north")
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": True}, headers=hq.auth())
    hq.clock.now += timedelta(minutes=1)
    worker_of(hq, mail).run_once()
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth())
    hq.clock.now += timedelta(minutes=1)
    before = len(inbox.messages)
    assert worker_of(hq, mail).run_once()[0] == 1
    new = sorted(rcpt[0] for _, rcpt in inbox.envelopes[before:])
    assert new == ["south@hymio.test"]


def test_a_subscription_out_of_reach_is_refused_naming_the_field(staff):
    hq = staff
    for who, kind, scope, mode, field in [
        ("south", "clock_unsynced", "store:s2", "now", "scope"),
        ("south", "clock_unsynced", "region:north", "now", "scope"),
        ("south", "clock_unsynced", "", "now", "scope"),
        ("south", "pager", "store:s1", "now", "kind"),
        ("south", "", "store:s1", "hourly", "mode"),
        ("south", "", "store:nope", "now", "scope"),
        ("quiet", "", "store:s1", "now", "email"),
    ]:
        answer = subscribe(hq, who, kind, scope, mode)
        assert answer.status_code == 400, (who, kind, scope, mode, answer.status_code)
        assert f'data-field="{field}"' in answer.text
    assert subscribe(hq, "south", "", "store:s1", "now").status_code == 303
    with hq.sessions() as s:
        mine = s.scalar(select(Subscription.id))
    log_in_as(hq, "north")  # not theirs to stop
    csrf = csrf_of(hq.client.get("/alerts").text)
    answer = hq.client.post(f"/alerts/subscriptions/{mine}/remove", data={"csrf": csrf})
    assert answer.status_code == 404
    answer = hq.client.post("/alerts/subscriptions", data={"kind": "", "scope": "store:s2",
                                                           "mode": "now", "csrf": "x"})  # fmt: skip
    assert answer.status_code == 403
    with hq.sessions() as s:
        assert [(x.username, x.scope) for x in s.scalars(select(Subscription))] == [
            ("south", "store:s1")
        ]
    log_in_as(hq, "south")
    csrf = csrf_of(hq.client.get("/alerts").text)
    answer = hq.client.post(f"/alerts/subscriptions/{mine}/remove", data={"csrf": csrf},
                            follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    with hq.sessions() as s:
        assert s.scalar(select(Subscription.id)) is None
