"""An alert's owner, due day and status (issue 30), set from the alert page, on SQLite and
PostgreSQL: only a user who acts on the store may own it; a bad day, status or owner is
a 400 naming the field and changes nothing; a resolved alert stays resolved."""

from __future__ import annotations

from sqlalchemy import select

from hq.tables.alerts import Alert, AlertEvent
from tests.hq.conftest import csrf_of
from tests.hq.people.test_access import alert_of, chain, log_in_as  # noqa: F401


def tracked(hq, alert_id: int) -> tuple:
    with hq.sessions() as s:
        a = s.get(Alert, alert_id)
        events = [e.kind for e in s.scalars(select(AlertEvent).where(AlertEvent.alert_id == a.id))]
        return a.owner, a.due, a.state, events


def test_the_owner_due_day_and_status_are_set_from_the_alert_page(hq, chain):  # noqa: F811
    mine = alert_of(hq, "s1")
    log_in_as(hq, "south")
    page = hq.client.get(f"/alerts/{mine}").text
    assert 'id="track"' in page and '<option value="south"' in page
    assert '<option value="reader"' not in page  # an analyst acts on nothing
    csrf = csrf_of(page)

    def track(**data):
        return hq.client.post(f"/alerts/{mine}/track", data={**data, "csrf": csrf},
                              follow_redirects=False)  # fmt: skip

    before = tracked(hq, mine)
    for data, field in [
        ({"owner": "reader", "due": "", "status": "open"}, "owner"),
        ({"owner": "nobody", "due": "", "status": "open"}, "owner"),
        ({"owner": "", "due": "2026-02-30", "status": "open"}, "due"),
        ({"owner": "", "due": "tomorrow", "status": "open"}, "due"),
        ({"owner": "", "due": "1999-12-31", "status": "open"}, "due"),
        ({"owner": "", "due": "", "status": "done"}, "status"),
    ]:
        answer = track(**data)
        assert answer.status_code == 400 and f'data-field="{field}"' in answer.text, data
    assert tracked(hq, mine) == before
    assert track(owner="admin", due="2026-11-27", status="in progress").status_code == 303
    owner, due, state, events = tracked(hq, mine)
    assert (owner, due, state) == ("admin", "2026-11-27", "acknowledged")
    assert events[-3:] == ["owner", "due", "acknowledged"]
    page = hq.client.get(f"/alerts/{mine}").text
    assert "Fri 2026-11-27" in page and 'id="owner">admin<' in page
    assert track(owner="admin", due="", status="open").status_code == 303
    assert tracked(hq, mine)[1:3] == ("", "open")
    assert track(owner="south", due="", status="resolved").status_code == 303
    assert tracked(hq, mine)[:3] == ("south", "", "closed")
    answer = track(owner="south", due="", status="open")
    assert answer.status_code == 400 and 'data-field="status"' in answer.text
    assert tracked(hq, mine)[2] == "closed"
