"""A report goes out only while its creator may still see every store of its scope
(issue 27, finding 1): removed, demoted, given another part, or a report made before
the rule (a store manager's of their region) sends nothing, to plain addresses and users
alike, and the reports page and ``hymio hq reports`` say why. Migration 0013 records the
creator of the reports already there. On SQLite and PostgreSQL."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from hq.insight.scheduled.sending import send_due_reports
from hq.insight.scheduled.subscriptions import add_subscription
from hq.people.roles import remove_user, set_role, set_store_region
from hq.tables.database import open_database
from hq.tables.reports import ReportSubscription
from hymio.cli import main
from tests.hq.conftest import PASSWORD
from tests.hq.mailbox import Mailbox
from tests.hq.migrating import migrated
from tests.hq.people.test_access import log_in_as
from tests.hq.report_data import MONDAY, four_regions

TO = ["evil@example.com", "south"]


@pytest.fixture
def regions(hq):
    """Regions south (s1, s2, s3), north (n1) and west (w1), and their managers."""
    four_regions(hq, PASSWORD)
    return hq


def subscribe(hq, scope: str, by: str | None) -> int:
    with hq.sessions() as s:
        return add_subscription(s, scope, "weekly", "en", TO, by, MONDAY - timedelta(days=3)).id


def row(hq, report: int) -> ReportSubscription:
    with hq.sessions() as s:
        return s.get(ReportSubscription, report)


def legacy(hq, scope: str, creator: str) -> int:
    """A subscription as one made before the creator was checked."""
    with hq.sessions() as s:
        done = s.execute(
            insert(ReportSubscription).values(
                scope=scope, period="weekly", language="en", recipients=TO, created_by=creator,
                creator=f"user:{creator}", created_at="2026-11-01T00:00:00Z",
                last_period="2026-11-09", last_error="", claimed_until="")
        )  # fmt: skip
        s.commit()
        return done.inserted_primary_key[0]


CHANGES = {  # what may happen to a report's creator
    "removed": lambda s: remove_user(s, "south"),
    "demoted": lambda s: set_role(s, "south", "manager", "store:s1"),
    "moved": lambda s: set_role(s, "south", "manager", "region:north"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_report_whose_creator_may_no_longer_see_it_sends_nothing_and_says_why(
    regions, tmp_path, capsys, database_url, change
):
    hq = regions
    report = subscribe(hq, "region:south", "south")
    with hq.sessions() as s:
        CHANGES[change](s)
    with Mailbox(tmp_path) as box:
        assert send_due_reports(hq.sessions, MONDAY, box.settings()) == 0
        assert box.messages == []
    why = row(hq, report).last_error
    assert why.startswith("its creator south ") and "region:south" in why
    assert row(hq, report).last_period == "2026-11-09"  # not marked sent either
    log_in_as(hq, "admin")
    page = html.unescape(hq.client.get("/reports").text)
    assert f"Not sent: {why}" in page
    assert main(["hq", "reports", "--database", database_url]) == 0
    assert f"\tnot sent: {why}" in capsys.readouterr().out
    if change != "removed":  # given back what they had, it goes out again
        with hq.sessions() as s:
            set_role(s, "south", "manager", "region:south")
        with Mailbox(tmp_path) as box:
            later = MONDAY + timedelta(minutes=1)
            assert send_due_reports(hq.sessions, later, box.settings()) == 2
            assert sorted(m["To"] for m in box.messages) == ["evil@example.com", "south@hymio.test"]
        assert "Not sent" not in hq.client.get("/reports").text


def test_a_store_managers_report_of_their_region_made_before_the_rule_sends_nothing(
    regions, tmp_path
):
    hq = regions
    report = legacy(hq, "region:west", "westone")  # w1 was west's only store
    with hq.sessions() as s:
        set_store_region(s, "n1", "west")  # and now it has another
    with Mailbox(tmp_path) as box:
        assert send_due_reports(hq.sessions, MONDAY, box.settings()) == 0
        assert box.messages == []
    assert row(hq, report).last_error.startswith("its creator westone may no longer see")


def test_the_control_a_report_whose_creator_sees_it_goes_out(regions, tmp_path):
    hq = regions
    report = subscribe(hq, "region:south", "south")
    command_line = subscribe(hq, "store:n1", None)  # the operator's: the whole chain
    with Mailbox(tmp_path) as box:
        assert send_due_reports(hq.sessions, MONDAY, box.settings()) == 3
    assert row(hq, report).last_error == ""
    # the user south still gets no report of a store outside their region
    assert row(hq, command_line).last_error.startswith("not sent to south: ")
    assert row(hq, command_line).creator == "operator"
    assert row(hq, report).creator == "user:south"


def test_migration_0013_records_the_creator_of_the_reports_already_there(hq, database_url):
    hq.app.state.engine.dispose()
    with migrated(database_url, "0012", down=True) as conn:  # before 0013, three reports
        for by in ("admin", "cli", "gone"):
            conn.execute(
                text(
                    "INSERT INTO report_subscriptions (scope, period, language, recipients,"
                    " created_by, created_at, last_period, last_error, claimed_until)"
                    " VALUES ('store:s1', 'weekly', 'en', '[\"a@example.com\"]', :by,"
                    " '2026-11-01T00:00:00Z', '2026-11-09', '', '')"
                ),
                {"by": by},
            )
    engine, sessions = open_database(database_url)
    with sessions() as s:
        t = ReportSubscription
        found = dict(s.execute(select(t.created_by, t.creator)).all())
    engine.dispose()
    assert found == {"admin": "user:admin", "cli": "operator", "gone": "user:gone"}
