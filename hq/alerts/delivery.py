"""Delivering alerts: e-mail (:mod:`hq.core.mail`) and webhooks, each delivery kept in
``alert_deliveries`` until its channel took it, retried with backoff (30 s, 1 min, 2 min,
… up to an hour between tries; given up after :data:`MAX_ATTEMPTS`, and shown so).

A webhook gets the alert as JSON, signed: ``X-Hymio-Signature: sha256=HEX``, the
HMAC-SHA256 with the channel's secret of ``TIMESTAMP.BODY`` (``X-Hymio-Timestamp``, Unix
seconds), so a receiver can check it came from HQ and is fresh. ``X-Hymio-Delivery`` is
the same on every retry of one delivery, for receivers that may see one twice (a timeout
after they took it). A Slack channel gets its incoming webhook's ``{"text": …}``; a Teams
channel gets an Adaptive Card for a Workflows webhook (:func:`adaptive_card`; Microsoft
retires the Office 365 connectors and their MessageCard).
Any answer but a 2xx is a failure (redirects are not followed).

Several workers may run: a delivery is claimed (a conditional ``UPDATE``) before it is sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from contextlib import nullcontext
from datetime import datetime, timedelta
from email.message import EmailMessage

import requests
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from hq.alerts.targets import TargetRefusedError, WebhookPolicy, guarded, refusal
from hq.alerts.texts import link
from hq.core.errors import HQError
from hq.core.mail import MailError, MailSettings, send
from hq.tables.alerts import Alert, AlertEvent, AlertRule, Channel, Delivery
from hq.tables.people import User
from kiosk.timekeeping.localtime import to_utc_text

KINDS = ("email", "webhook", "slack", "teams")
USER = "user:"  # a delivery to one person (hq.alerts.subscriptions)
MAX_ATTEMPTS = 30  # about a day of tries
CLAIM = timedelta(minutes=2)
TIMEOUT = 10.0


def backoff(attempts: int) -> timedelta:
    """The wait after the *attempts*-th failed try."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Hymio-Signature`` of *body* sent at *timestamp*."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def text_of(m: dict) -> str:
    """The plain text of an alert's, a digest's or a test's message."""
    if m.get("test"):
        return f"{m['title']}\n\n{m['text']}\n{link(m['link'])}"
    if "alerts" in m:
        lines = [f"- {a['title']} ({link(a['link'])})" for a in m["alerts"]]
        return f"{m['title']}\n\n" + "\n".join(lines)
    where = f"store {m['store_id']}" + (f", kiosk {m['device_id']}" if m.get("device_id") else "")
    return f"{m['title']}\n\nRule: {m['rule']} ({m['kind']}), {where}.\n{link(m['link'])}"


def payload(channel: Channel, m: dict) -> dict:
    """What *channel* is sent (a webhook's whole message; Slack's and Teams' text card)."""
    if channel.kind == "slack":
        return {"text": text_of(m)}
    if channel.kind == "teams":
        return adaptive_card(m)
    return m


def adaptive_card(m: dict) -> dict:
    """The message a Teams channel's Workflows webhook ("Post to a channel when a webhook
    request is received") takes: one Adaptive Card (1.4) with the title, the text and,
    when ``HYMIO_HQ_URL`` makes the link absolute, a button that opens the alert."""
    title, *rest = text_of(m).split("\n\n", 1)
    body = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": rest[0] if rest else "", "wrap": True},
    ]
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard", "version": "1.4", "body": body}  # fmt: skip
    url = link(m.get("link", ""))
    if url.startswith(("https://", "http://")):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Hymiö HQ", "url": url}]
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": card,
    }]}  # fmt: skip


def _post(
    http: requests.Session, channel: Channel, key: str, m: dict, policy: WebhookPolicy
) -> None:
    policy.check_url(channel.target)  # resolved now; the adapter checks what it connects to
    body = json.dumps(payload(channel, m), sort_keys=True, ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Hymio-Delivery": key}
    if channel.kind == "webhook":
        headers |= {
            "X-Hymio-Timestamp": stamp,
            "X-Hymio-Signature": sign(channel.secret, stamp, body),
        }
    try:
        answer = http.post(channel.target, data=body, headers=headers, timeout=TIMEOUT,
                           allow_redirects=False)  # fmt: skip
    except requests.RequestException as e:
        if (why := refusal(e)) is not None:  # resolved elsewhere since the check above
            raise TargetRefusedError(why) from None
        raise HQError(f"{channel.target}: {type(e).__name__}: {e}") from None
    if not 200 <= answer.status_code < 300:
        raise HQError(f"{channel.target} answered {answer.status_code} {answer.reason}")


def _mail(settings: MailSettings | None, channel: Channel, m: dict, session=None) -> None:
    """An alert's e-mail in the channel's (the person's) language with its reasons and
    chart (:mod:`hq.alerts.mail`) when *session* is given; plain text otherwise."""
    if settings is None:
        raise HQError("no SMTP server: set HYMIO_SMTP_HOST for hymio hq worker")
    if session is not None and "alert_id" in m and "opened_at" in m:
        from hq.alerts.mail import compose  # it reads the figures; delivery need not

        message = compose(session, m, channel.language or "en")
    elif session is not None and "alerts" in m and "day" in m:  # a person's or a channel's
        from hq.alerts.mail import compose_digest

        message = compose_digest(session, m, channel.language or "en")
    else:
        message = EmailMessage()
        message["Subject"] = " ".join(f"[Hymiö] {m['title']}".split())[:250]  # one line
        message.set_content(text_of(m))
    message["To"] = ", ".join(a.strip() for a in channel.target.split(",") if a.strip())
    try:
        send(settings, message)
    except MailError as e:
        raise HQError(str(e)) from None


def send_one(
    channel: Channel, key: str, m: dict, mail: MailSettings | None,
    http: requests.Session, policy: WebhookPolicy, session: Session | None = None,
) -> None:  # fmt: skip
    """Send *m* to *channel* now (*http* guarded by *policy*); an :class:`HQError` saying
    why not (a :class:`TargetRefusedError` if HQ will not post there)."""
    if channel.kind == "email":
        _mail(mail, channel, m, session)
    else:
        _post(http, channel, key, m, policy)


def _claim(session: Session, delivery_id: int, now: datetime) -> bool:
    at = to_utc_text(now)
    done = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.delivered_at.is_(None),
               or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < at))
        .values(claimed_until=to_utc_text(now + CLAIM))
    )  # fmt: skip
    session.commit()
    return done.rowcount == 1


def deliver_due(
    sessions: sessionmaker[Session],
    now: datetime,
    mail: MailSettings | None,
    http: requests.Session | None = None,
    lock=None,
    policy: WebhookPolicy | None = None,
) -> int:
    """Try every delivery that is due; how many were delivered. Webhooks go only where
    *policy* allows (default: ``HYMIO_WEBHOOK_ALLOW_NETWORKS``), through *http* with
    :func:`hq.alerts.targets.guarded` mounted on it."""
    policy = policy or WebhookPolicy.from_env()
    lock, http = lock or nullcontext(), guarded(http or requests.Session(), policy)
    delivered = 0
    with sessions() as session:
        due = session.scalars(
            select(Delivery.id)
            .where(Delivery.delivered_at.is_(None), Delivery.failed.is_(False),
                   Delivery.next_at <= to_utc_text(now))
            .order_by(Delivery.next_at).limit(200)
        ).all()  # fmt: skip
        for delivery_id in due:
            with lock:
                claimed = _claim(session, delivery_id, now)
            if claimed:
                delivered += _try(sessions, delivery_id, now, mail, http, lock, policy)
    return delivered


def _person(session: Session, name: str) -> Channel | None:
    """One person's e-mail as a channel (not kept): their address as it is now."""
    user = session.get(User, name.removeprefix(USER))
    if user is None or not user.email:
        return None
    return Channel(name=name, kind="email", target=user.email, secret="", digest=False,
                   language=user.language or "", scope="")  # fmt: skip


def _try(sessions, delivery_id: int, now: datetime, mail, http, lock, policy) -> int:
    with sessions() as session:
        d = session.get(Delivery, delivery_id)
        channel = _person(session, d.channel) if d.channel.startswith(USER) else None
        channel = channel or session.get(Channel, d.channel)
        error, refused = "", False
        try:
            if channel is None and d.channel.startswith(USER):
                raise HQError(f"{d.channel} no longer exists or has no e-mail address")
            if channel is None:
                raise HQError(f"channel {d.channel!r} no longer exists")
            send_one(channel, d.key, d.message, mail, http, policy, session)
        except TargetRefusedError as e:  # not a failure to try again: HQ will not post there
            error, refused = str(e)[:500], True
        except HQError as e:
            error = str(e)[:500]
        with lock:
            d = session.get(Delivery, delivery_id)
            at = to_utc_text(now)
            d.attempts += 1
            d.claimed_until = None
            if error:
                d.last_error = error
                d.failed = refused or d.attempts >= MAX_ATTEMPTS
                d.next_at = to_utc_text(now + backoff(d.attempts))
            else:
                d.delivered_at, d.last_error = at, ""
            if d.alert_id is not None:
                what = f"{'not delivered' if error else 'delivered'} to {d.channel}"
                what = f"refused delivery to {d.channel}" if refused else what
                text = f"{what} (try {d.attempts}{': ' + error if error else ''})"
                session.add(AlertEvent(alert_id=d.alert_id, at=at, who="hq",
                                       kind="delivery", text=text[:2000]))  # fmt: skip
            session.commit()
    return 0 if error else 1


def queue_digests(session: Session, now: datetime) -> int:
    """For each digest channel, one message with the alerts opened on the UTC day before
    *now* by the rules that name it (none if there were none); how many were queued."""
    day = (now - timedelta(days=1)).date()
    start = to_utc_text(datetime.combine(day, datetime.min.time(), tzinfo=now.tzinfo))
    end = to_utc_text(datetime.combine(day + timedelta(days=1), datetime.min.time(),
                                       tzinfo=now.tzinfo))  # fmt: skip
    queued = 0
    for channel in session.scalars(select(Channel).where(Channel.digest)).all():
        key = f"digest:{channel.name}:{day.isoformat()}"
        if session.scalar(select(Delivery.id).where(Delivery.key == key)):
            continue
        alerts = _alerts_for(session, channel.name, start, end)
        if not alerts:
            continue
        m = {
            "title": f"Hymiö: {len(alerts)} alert(s) on {day.isoformat()}",
            "day": str(day),
            "alerts": [
                {
                    "alert_id": a.id,
                    "title": a.title,
                    "store_id": a.store_id,
                    "device_id": a.device_id or None,
                    "state": a.state,
                    "opened_at": a.opened_at,
                    "link": f"/alerts/{a.id}",
                }
                for a in alerts
            ],
        }
        session.add(Delivery(key=key, channel=channel.name, alert_id=None, message=m,
                             created_at=to_utc_text(now), next_at=to_utc_text(now),
                             attempts=0, failed=False, last_error=""))  # fmt: skip
        queued += 1
    session.commit()
    return queued


def _alerts_for(session: Session, channel: str, start: str, end: str) -> list[Alert]:
    rules = [r.id for r in session.scalars(select(AlertRule)) if channel in (r.channels or [])]
    if not rules:
        return []
    query = (
        select(Alert)
        .where(Alert.rule_id.in_(rules), Alert.opened_at >= start, Alert.opened_at < end)
        .order_by(Alert.opened_at)
    )
    return list(session.scalars(query))
