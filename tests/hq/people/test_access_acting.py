"""Acting within one's part of the chain (issue 19): alerts, actions and the kiosk
message, and scheduled reports are seen and changed only by those whose role covers the
store (see test_access.py for the routes and the chain they are tried on)."""

from __future__ import annotations

from sqlalchemy import select

from hq.tables.alerts import AlertEvent
from tests.hq.conftest import csrf_of
from tests.hq.people.routes import ROUTES
from tests.hq.people.test_access import (  # noqa: F401 -- chain is a fixture
    _same_shape,
    alert_of,
    chain,
    log_in_as,
    shows_hidden,
)


def test_alerts_are_seen_and_acted_on_only_within_the_readers_part(hq, chain):  # noqa: F811
    mine, theirs = alert_of(hq, "s1"), alert_of(hq, "zzstore")
    acts = [("acknowledge", {}), ("track", {"owner": "south", "due": "2026-11-27",
                                            "status": "in progress"}),
            ("comment", {"text": "looked at it"}), ("close", {})]  # fmt: skip
    routes = {p for (m, p), k in ROUTES.items() if k == "alert" and m == "POST"}
    assert routes == {f"/alerts/{{alert_id}}/{a}" for a, _ in acts}

    def history() -> list:
        with hq.sessions() as s:
            return [(e.alert_id, e.kind) for e in s.scalars(select(AlertEvent))]

    before = history()
    log_in_as(hq, "south")
    assert hq.client.get(f"/alerts/{mine}").status_code == 200
    hidden = hq.client.get(f"/alerts/{theirs}")
    assert hidden.status_code == 404 and shows_hidden(hidden.text) == []
    csrf = csrf_of(hq.client.get("/alerts").text)
    for act, data in acts:
        answer = hq.client.post(f"/alerts/{theirs}/{act}", data={**data, "csrf": csrf})
        assert answer.status_code == 404, act
    log_in_as(hq, "reader")  # an analyst sees every alert and acts on none
    assert hq.client.get(f"/alerts/{theirs}").status_code == 200
    csrf = csrf_of(hq.client.get("/alerts").text)
    for act, data in acts:
        answer = hq.client.post(f"/alerts/{mine}/{act}", data={**data, "csrf": csrf})
        assert answer.status_code == 400 and "analyst" in answer.text, act
    assert history() == before
    log_in_as(hq, "south")
    csrf = csrf_of(hq.client.get("/alerts").text)
    for act, data in acts:
        answer = hq.client.post(
            f"/alerts/{mine}/{act}", data={**data, "csrf": csrf}, follow_redirects=False
        )
        assert answer.status_code == 303, (act, answer.text[:300])
    page = hq.client.get(f"/alerts/{mine}").text
    assert "looked at it" in page and 'data-event="acknowledged"' in page
    assert 'data-event="closed"' in page and 'data-event="owner"' in page
    again = hq.client.post(f"/alerts/{mine}/acknowledge", data={"csrf": csrf})
    assert again.status_code == 400 and "closed" in again.text


def test_actions_and_the_kiosk_message_only_within_the_readers_part(hq, chain):  # noqa: F811
    from hq.tables.actions import StoreAction, StoreMessage

    forms = {"actions": {"day": "2026-11-19", "text": "a third checkout"},
             "message": {"language": "fi", "text": "Avasimme kolmannen kassan"}}  # fmt: skip
    assert {p for (m, p), k in ROUTES.items() if k == "store-act"} == {
        f"/stores/{{store_id}}/{f}" for f in forms
    }

    def kept() -> tuple:
        with hq.sessions() as s:
            actions = sorted((a.store_id, a.text) for a in s.scalars(select(StoreAction)))
            messages = sorted((m.store_id, m.text) for m in s.scalars(select(StoreMessage)))
        return actions, messages

    before = kept()
    log_in_as(hq, "south")
    csrf = csrf_of(hq.client.get("/").text)
    for form, data in forms.items():
        answer = hq.client.post(f"/stores/zzstore/{form}", data={**data, "csrf": csrf})
        nowhere = hq.client.post(f"/stores/nosuch/{form}", data={**data, "csrf": csrf})
        assert answer.status_code == nowhere.status_code == 404, form
        assert _same_shape(answer.text, nowhere.text) and "Zzhidden" not in answer.text
    log_in_as(hq, "reader")
    csrf = csrf_of(hq.client.get("/").text)
    page = hq.client.get("/stores/s1").text
    assert 'id="record-action"' not in page and 'action="/stores/s1/message"' not in page
    for form, data in forms.items():
        answer = hq.client.post(f"/stores/s1/{form}", data={**data, "csrf": csrf})
        assert answer.status_code == 403, form
    assert kept() == before
    log_in_as(hq, "south")
    csrf = csrf_of(hq.client.get("/").text)
    assert 'id="record-action"' in hq.client.get("/stores/s1").text
    for form, data in forms.items():
        answer = hq.client.post(
            f"/stores/s1/{form}", data={**data, "csrf": csrf}, follow_redirects=False
        )
        assert answer.status_code == 303, (form, answer.text[:300])
    assert kept() != before


def test_reports_are_listed_added_and_removed_only_within_the_readers_part(hq, chain):  # noqa: F811
    from hq.insight.scheduled.subscriptions import add_subscription
    from hq.tables.reports import ReportSubscription

    with hq.sessions() as s:
        theirs = add_subscription(s, "store:zzstore", "weekly", "fi", ["x@hymio.test"],
                                  "admin", hq.clock.now).id  # fmt: skip
        mine = add_subscription(s, "store:s1", "weekly", "fi", ["south"], "admin",
                                hq.clock.now).id  # fmt: skip

    def kept() -> list:
        with hq.sessions() as s:
            return sorted((r.id, r.scope) for r in s.scalars(select(ReportSubscription)))

    before = kept()
    log_in_as(hq, "south")
    page = hq.client.get("/reports").text
    assert f'data-report="{mine}"' in page and f'data-report="{theirs}"' not in page
    assert shows_hidden(page) == []
    csrf = csrf_of(page)
    for scope in ("store:zzstore", "region:north", "region:fi", ""):
        data = {"scope": scope, "period": "daily", "language": "fi", "recipients": "south",
                "csrf": csrf}  # fmt: skip
        assert hq.client.post("/reports", data=data).status_code in (400, 403), scope
    gone = hq.client.post(f"/reports/{theirs}/remove", data={"csrf": csrf})
    nowhere = hq.client.post("/reports/99999/remove", data={"csrf": csrf})
    assert gone.status_code == nowhere.status_code == 404
    assert kept() == before
    data = {"scope": "region:south", "period": "daily", "language": "fi",
            "recipients": "south", "csrf": csrf}  # fmt: skip
    assert hq.client.post("/reports", data=data, follow_redirects=False).status_code == 303
    assert len(kept()) == len(before) + 1
