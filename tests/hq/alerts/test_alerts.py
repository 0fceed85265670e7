"""Alerts (issue 19), end to end on SQLite and PostgreSQL: ratings and heartbeats through
HQ's API, HQ's worker evaluating the rules on HQ's clock, delivery to a real SMTP server
and a webhook receiver on 127.0.0.1.

The Monday spike: 60 very unhappy presses in Kamppi on a Monday 16–18h, against eight
Mondays of ordinary 16–18h, raise exactly one alert, delivered once by e-mail and once by
webhook with a valid HMAC, which closes itself when the figures are back to normal. A
quiet store with three unhappy answers raises none.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hq.alerts.delivery import backoff
from hq.alerts.kinds import binomial_tail, check_params
from hq.alerts.manage import add_channel, add_rule
from hq.core.errors import HQError
from hq.tables.alerts import Alert, AlertEvent, Delivery
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.alert_fixtures import SECRET, verified, worker_of

HELSINKI = ZoneInfo("Europe/Helsinki")
MONDAY = datetime(2026, 11, 30, tzinfo=HELSINKI)  # a Monday


def local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


def post_at(hq, when: datetime, score: int, device: str = "k1", token: str | None = None):
    """One press at local time *when*, posted now."""
    rating = hq.rating(recorded_at=to_utc_text(when), score=score, device_id=device,
                       store_id="s1" if device == "k1" else "s2")  # fmt: skip
    answer = hq.post([rating], token=token)
    assert answer.status_code == 200, answer.text


def post_many(hq, presses: list[tuple[datetime, int]]) -> None:
    batch = [hq.rating(recorded_at=to_utc_text(t), score=s) for t, s in presses]
    for i in range(0, len(batch), 500):
        assert hq.post(batch[i : i + 500]).status_code == 200


def ordinary_hour(day: datetime, hour: int) -> list[tuple[datetime, int]]:
    """12 presses in the hour: one unhappy (2), the rest 3 and 4."""
    return [(local(day, hour, 2 + 5 * i), 2 if i == 0 else 3 + i % 2) for i in range(12)]


def setup_rule(hq, kind: str, channels: list[str], **params) -> int:
    with hq.sessions() as s:
        return add_rule(s, f"{kind} rule", kind, "", params, channels, hq.clock.now).id


def channels(hq, inbox_settings, receiver) -> list[str]:
    with hq.sessions() as s:
        add_channel(s, "ops-mail", "email", "ops@hymio.test, boss@hymio.test", hq.clock.now,
                    language="en")  # fmt: skip
        add_channel(s, "ops-hook", "webhook", receiver.url, hq.clock.now, secret=SECRET)
    return ["ops-mail", "ops-hook"]


def alerts(hq, **where) -> list[Alert]:
    with hq.sessions() as s:
        query = select(Alert).order_by(Alert.id)
        for k, v in where.items():
            query = query.where(getattr(Alert, k) == v)
        return list(s.scalars(query))


def test_the_monday_spike_raises_one_alert_delivered_once_by_each_channel(hq, smtp, webhook):
    inbox, mail = smtp
    hq.clock.now = local(MONDAY, 12).astimezone(ZoneInfo("UTC"))
    norm = []
    for week in range(1, 9):
        for hour in range(14, 20):
            norm += ordinary_hour(MONDAY - timedelta(weeks=week), hour)
    post_many(hq, norm)
    setup_rule(hq, "unhappy_share", channels(hq, mail, webhook))
    worker = worker_of(hq, mail)
    k2 = hq.extra_devices["k2"]
    today = {h: ordinary_hour(MONDAY, h) for h in (14, 15, 18, 19)}
    for h in (16, 17):  # 30 very unhappy presses an hour, and 10 ordinary ones
        today[h] = [(local(MONDAY, h, m), 1) for m in range(0, 60, 2)]
        today[h] += [(local(MONDAY, h, 1 + 6 * i), 4) for i in range(10)]
    presses = sorted(p for ps in today.values() for p in ps)
    step, t, opened_at = timedelta(minutes=10), local(MONDAY, 14, 10), []
    while t <= local(MONDAY, 20, 0):
        hq.clock.now = t.astimezone(ZoneInfo("UTC"))
        due = [p for p in presses if t - step < p[0] <= t]
        if due:
            post_many(hq, due)
        if t == local(MONDAY, 16, 30):  # the quiet store: three unhappy answers
            for m in (5, 10, 15):
                post_at(hq, local(MONDAY, 16, m), 1, device="k2", token=k2)
        opened, _ = worker.run_once()
        opened_at += [t] * opened
        t += step
    raised = alerts(hq)
    assert len(raised) == 1, [a.title for a in raised]
    alert = raised[0]
    assert alert.store_id == "s1" and "Kamppi" in alert.title
    assert local(MONDAY, 16) < opened_at[0] <= local(MONDAY, 17)
    assert alert.state == "closed" and alert.closed_by == "auto"
    assert alert.detail["answers"] >= 20 and alert.detail["p"] < 0.01
    assert alerts(hq, store_id="s2") == []  # the quiet store cried no wolf
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert "Kamppi" in message["Subject"] and "unhappy" in message["Subject"]
    assert sorted(inbox.envelopes[0][1]) == ["boss@hymio.test", "ops@hymio.test"]
    assert f"/alerts/{alert.id}" in message.get_body().get_content()
    assert len(webhook.got) == 1 and verified(webhook.got[0])
    sent = webhook.got[0]["json"]
    assert sent["alert_id"] == alert.id and sent["store_id"] == "s1"
    assert sent["kind"] == "unhappy_share"
    tampered = {**webhook.got[0], "body": webhook.got[0]["body"].replace(b"s1", b"s2")}
    assert not verified(tampered) and not verified(webhook.got[0], "another secret")


def test_a_receiver_that_fails_three_times_then_succeeds_gets_the_alert_once(hq, webhook):
    webhook.fail_first = 3
    with hq.sessions() as s:
        add_channel(s, "hook", "webhook", webhook.url, hq.clock.now, secret=SECRET)
    setup_rule(hq, "high_temperature", ["hook"])
    heartbeat = {"cpu_temperature": 81.0, "clock_synced": True}
    assert hq.client.post("/api/v1/heartbeat", json=heartbeat, headers=hq.auth()).status_code == 200
    worker = worker_of(hq, None)
    assert worker.run_once() == (1, 0)
    for attempt in range(1, 4):
        assert len(webhook.got) == attempt
        assert worker.deliver() == 0  # not due yet: it waits for its backoff
        hq.clock.now += backoff(attempt)
        delivered = worker.deliver()
        assert delivered == (1 if attempt == 3 else 0)
    assert [g["status"] for g in webhook.got] == [500, 500, 500, 200]
    assert len({g["headers"]["X-Hymio-Delivery"] for g in webhook.got}) == 1
    assert all(verified(g) for g in webhook.got)
    hq.clock.now += timedelta(hours=2)
    worker.run_once()
    assert len(webhook.accepted()) == 1 and len(webhook.got) == 4  # once, and no more
    with hq.sessions() as s:
        texts = [e.text for e in s.scalars(select(AlertEvent).where(AlertEvent.kind == "delivery"))]
    assert len(texts) == 4 and "500" in texts[0] and texts[-1].startswith("delivered")


def test_heartbeat_troubles_and_a_silent_kiosk_each_raise_an_alert_and_close_when_fixed(hq):
    for kind in ("high_temperature", "low_disk", "stuck_button", "clock_unsynced",
                 "kiosk_silent", "ratings_held"):  # fmt: skip
        setup_rule(hq, kind, [])
    bad = {"cpu_temperature": 81.0, "disk_free": 120_000_000, "stuck_buttons": [2],
           "clock_synced": False}  # fmt: skip
    assert hq.client.post("/api/v1/heartbeat", json=bad, headers=hq.auth()).status_code == 200
    first = hq.rating()
    hq.seq += 1  # seq 2 never arrives: HQ misses it
    assert hq.post([first, hq.rating()]).status_code == 200
    worker = worker_of(hq, None)
    assert worker.run_once()[0] == 6
    titles = sorted(a.title for a in alerts(hq))
    assert any("81 °C" in t for t in titles) and any("120 MB" in t for t in titles)
    assert any("stuck: 2" in t for t in titles) and any("clock not" in t for t in titles)
    assert any("k2 silent" in t for t in titles) and any("misses 1" in t for t in titles)
    hq.clock.now += timedelta(minutes=1)
    assert worker.run_once()[0] == 0  # still true: the same alerts, none new
    good = {"cpu_temperature": 50.0, "disk_free": 5_000_000_000, "stuck_buttons": [],
            "clock_synced": True}  # fmt: skip
    assert hq.client.post("/api/v1/heartbeat", json=good, headers=hq.auth()).status_code == 200
    hq.clock.now += timedelta(minutes=1)
    worker.run_once()
    still = sorted(a.title for a in alerts(hq) if a.state != "closed")
    assert len(still) == 2 and all("k2 silent" in t or "misses" in t for t in still)


def test_two_workers_in_the_same_minute_evaluate_a_rule_once(hq, webhook):
    with hq.sessions() as s:
        add_channel(s, "hook", "webhook", webhook.url, hq.clock.now, secret=SECRET)
    setup_rule(hq, "clock_unsynced", ["hook"])
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth())
    workers = [worker_of(hq, None) for _ in range(4)]
    start = threading.Barrier(len(workers))

    def run(w):
        start.wait()
        w.run_once()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(alerts(hq)) == 1
    assert len(webhook.accepted()) == 1
    with hq.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == 1


def test_a_daily_digest_channel_gets_one_message_with_the_days_alerts(hq, smtp):
    inbox, mail = smtp
    with hq.sessions() as s:
        add_channel(s, "daily", "email", "ops@hymio.test", hq.clock.now, digest=True,
                    language="en")  # fmt: skip
    setup_rule(hq, "clock_unsynced", ["daily"])
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth())
    worker = worker_of(hq, mail)
    worker.run_once()
    assert inbox.messages == []  # not each alert: the day's digest
    hq.clock.now += timedelta(days=1)
    hq.clock.now = hq.clock.now.replace(hour=7)
    worker.run_once()
    worker.run_once()
    assert len(inbox.messages) == 1
    body = inbox.messages[0].get_body().get_content()
    subject = inbox.messages[0]["Subject"]  # in the channel's language, with local times
    assert subject.startswith("[Hymiö] Alerts opened on") and subject.endswith(": 1")
    assert "clock not synchronised" in body


def test_a_mail_server_that_is_away_leaves_the_alert_to_deliver_later(hq, smtp):
    inbox, mail = smtp
    away = type(mail)(host="127.0.0.1", port=1, security="none")  # nothing listens there
    with hq.sessions() as s:
        add_channel(s, "ops-mail", "email", "ops@hymio.test", hq.clock.now)
    setup_rule(hq, "clock_unsynced", ["ops-mail"])
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth())
    assert worker_of(hq, away).run_once() == (1, 0)
    with hq.sessions() as s:
        d = s.scalars(select(Delivery)).one()
        assert d.delivered_at is None and d.attempts == 1 and "127.0.0.1:1" in d.last_error
    hq.clock.now += backoff(1)
    assert worker_of(hq, mail).deliver() == 1 and len(inbox.messages) == 1


def test_the_significance_test_and_the_rule_checks():
    assert binomial_tail(0, 10, 0.1) == 1.0
    assert binomial_tail(10, 10, 0.5) == pytest.approx(0.5**10)
    assert binomial_tail(3, 3, 0.1) == pytest.approx(0.001)  # three of three: p = 0.001
    assert binomial_tail(60, 80, 0.09) < 1e-30
    assert check_params("unhappy_share", {"min_n": "30"})["min_n"] == 30
    for kind, params, named in [
        ("nope", {}, "alert kind"),
        ("unhappy_share", {"min": 3}, "no parameter 'min'"),
        ("unhappy_share", {"alpha": 2}, "alpha"),
        ("unhappy_share", {"min_n": "many"}, "not a number"),
        ("index_below", {"days": 0}, "days"),
    ]:
        with pytest.raises(HQError, match=named):
            check_params(kind, params)


def test_channels_and_rules_that_make_no_sense_are_refused_and_nothing_is_added(hq):
    now = hq.clock.now
    with hq.sessions() as s:
        for args, named in [
            (("m", "email", "not-an-address", now), "e-mail"),
            (("h", "webhook", "ftp://x", now), "http"),
            (("h", "webhook", "http://127.0.0.1:9/x", now), "secret"),
            (("h", "pager", "http://x", now), "kind"),
        ]:
            with pytest.raises(HQError, match=named):
                add_channel(s, *args)
        with pytest.raises(HQError, match="no channel"):
            add_rule(s, "r", "low_disk", "", {}, ["nope"], now)
        with pytest.raises(HQError, match="region"):
            add_rule(s, "r", "low_disk", "region:nope", {}, [], now)
        assert s.scalar(select(func.count()).select_from(Alert)) == 0
    assert worker_of(hq, None).run_once() == (0, 0)


def test_the_worker_sends_the_weekly_report_once_its_week_is_over(hq, smtp):
    from hq.insight.scheduled.subscriptions import add_subscription
    from hq.server.worker import extra_jobs

    inbox, mail = smtp
    with hq.sessions() as s:  # on Friday 2026-11-20: the week of 16–22 Nov is its first
        add_subscription(s, "store:s1", "weekly", "en", ["boss@hymio.test"], "admin",
                         hq.clock.now)  # fmt: skip
    worker = worker_of(hq, mail)
    worker.extra.extend(extra_jobs())
    monday = MONDAY - timedelta(weeks=1)
    hq.clock.now = local(monday, 5).astimezone(ZoneInfo("UTC"))
    worker.run_once()
    assert inbox.messages == []  # the week is over, but not yet 06:00 there
    hq.clock.now = local(monday, 7).astimezone(ZoneInfo("UTC"))
    worker.run_once()
    worker.run_once()
    assert len(inbox.messages) == 1 and inbox.envelopes[0][1] == ["boss@hymio.test"]
    parts = [p.get_content_type() for p in inbox.messages[0].walk()]
    assert "application/pdf" in parts and "text/html" in parts


def test_slack_and_teams_channels_get_their_incoming_webhooks_payloads(hq, webhook, monkeypatch):
    monkeypatch.setenv("HYMIO_HQ_URL", "https://hq.example.com/")
    with hq.sessions() as s:
        add_channel(s, "chat", "slack", webhook.url + "/slack", hq.clock.now)
        add_channel(s, "teams", "teams", webhook.url + "/teams", hq.clock.now)
    setup_rule(hq, "clock_unsynced", ["chat", "teams"])
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth())
    assert worker_of(hq, None).run_once() == (1, 2)
    slack, teams = sorted(webhook.got, key=lambda g: "attachments" in g["json"])
    assert set(slack["json"]) == {"text"} and "clock not synchronised" in slack["json"]["text"]
    assert teams["json"]["type"] == "message"  # a Workflows webhook's Adaptive Card
    (attachment,) = teams["json"]["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert "clock not synchronised" in card["body"][0]["text"]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Hymiö HQ",
                                "url": "https://hq.example.com/alerts/1"}]  # fmt: skip
    assert "X-Hymio-Signature" not in slack["headers"]  # theirs are not ours to sign


def test_a_store_name_with_a_line_break_cannot_add_a_header_to_the_alert_mail(hq, smtp):
    from hq.tables.models import Store

    inbox, mail = smtp
    with hq.sessions() as s:
        s.get(Store, "s1").name = "Kamppi\r\nBcc: someone@elsewhere.test"
        s.commit()
        add_channel(s, "ops-mail", "email", "ops@hymio.test", hq.clock.now)
    setup_rule(hq, "clock_unsynced", ["ops-mail"])
    hq.client.post("/api/v1/heartbeat", json={"clock_synced": False}, headers=hq.auth())
    assert worker_of(hq, mail).run_once() == (1, 1)
    assert inbox.envelopes[0][1] == ["ops@hymio.test"] and "Bcc" not in inbox.messages[0]
    assert inbox.messages[0]["Subject"].startswith("[Hymiö] Kamppi Bcc: someone")
