"""send_due_reports against a real SMTP server on 127.0.0.1: a period is sent once per
recipient even with several workers at once; a server that is down, or refuses one
recipient, leaves the period unsent and the next call sends only what is missing; a
worker that died holding a claim does not keep the report back for long. SQLite and
PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from hq.insight.scheduled.sending import LEASE, send_due_reports
from hq.insight.scheduled.subscriptions import add_subscription
from hq.tables.reports import ReportDelivery, ReportSubscription
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import free_port
from tests.hq.mailbox import Mailbox
from tests.hq.report_data import LAST_WEEK, MONDAY, spread

TO = ["a@example.com", "b@example.com"]


@pytest.fixture
def weekly(hq):
    """Store s1 with two weeks of ratings and a weekly report of it to two addresses."""
    spread(hq, "k1", "s1", LAST_WEEK - timedelta(days=7), 14, 10, seed=5)
    with hq.sessions() as s:
        row = add_subscription(s, "store:s1", "weekly", "en", TO, "admin",
                               MONDAY - timedelta(days=3))  # fmt: skip
    hq.report_id = row.id
    return hq


def state(hq) -> ReportSubscription:
    with hq.sessions() as s:
        return s.get(ReportSubscription, hq.report_id)


def test_a_server_that_is_down_leaves_the_period_unsent_and_the_next_call_sends_it(
    weekly, tmp_path
):
    hq = weekly
    with Mailbox(tmp_path) as box:
        down = box.settings(port=free_port())  # nothing listens there
        assert send_due_reports(hq.sessions, MONDAY, down) == 0
        row = state(hq)
        assert row.last_period == "2026-11-09" and row.claimed_until == ""  # not sent, free
        assert "Connection refused" in row.last_error and row.last_sent_at is None
        assert send_due_reports(hq.sessions, MONDAY + timedelta(minutes=1), box.settings()) == 2
        assert sorted(m["To"] for m in box.messages) == TO
        row = state(hq)
        assert (row.last_period, row.last_error) == ("2026-11-16", "")
        assert send_due_reports(hq.sessions, MONDAY + timedelta(minutes=2), box.settings()) == 0
        # a week later, the next week: once more, and only that one
        week_after = MONDAY + timedelta(days=7)
        assert send_due_reports(hq.sessions, week_after, box.settings()) == 2
        assert state(hq).last_period == "2026-11-23"
        subjects = [m["Subject"] for m in box.messages]
    assert subjects[2:] == ["Hymiö report: Kamppi, week 48: 2026-11-23 – 2026-11-29"] * 2


def test_a_recipient_refused_gets_the_one_copy_missing_at_the_next_call(weekly, tmp_path):
    hq = weekly
    with Mailbox(tmp_path) as box:
        box.handler.refuse.add("b@example.com")
        assert send_due_reports(hq.sessions, MONDAY, box.settings()) == 1
        assert "b@example.com" in state(hq).last_error
        assert state(hq).last_period == "2026-11-09"  # not sent in full: not marked sent
        box.handler.refuse.clear()
        assert send_due_reports(hq.sessions, MONDAY + timedelta(minutes=1), box.settings()) == 1
        assert [m["To"] for m in box.messages] == TO  # each exactly once
    assert state(hq).last_period == "2026-11-16"
    with hq.sessions() as s:  # the copies' record is dropped once the period is sent
        assert s.scalar(select(func.count()).select_from(ReportDelivery)) == 0


def test_several_workers_at_once_send_each_copy_once(weekly, tmp_path):
    hq = weekly
    counts, start = [], threading.Barrier(4)
    with Mailbox(tmp_path) as box:

        def worker():
            start.wait()
            counts.append(send_due_reports(hq.sessions, MONDAY, box.settings()))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(counts) == [0, 0, 0, 2]
        assert sorted(m["To"] for m in box.messages) == TO


def test_a_claim_left_by_a_worker_that_died_lapses(weekly, tmp_path):
    hq = weekly
    with hq.sessions() as s:  # another worker claimed the period, then died
        alive = to_utc_text(MONDAY + timedelta(minutes=10))
        s.execute(update(ReportSubscription).values(claimed_until=alive))
        s.commit()
    with Mailbox(tmp_path) as box:
        assert send_due_reports(hq.sessions, MONDAY, box.settings()) == 0
        assert box.messages == []
        assert send_due_reports(hq.sessions, MONDAY + LEASE, box.settings()) == 2
        assert len(box.messages) == 2
