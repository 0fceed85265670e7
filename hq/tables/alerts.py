"""The alert tables (migrations 0010 and 0014). Timestamps are HQ's UTC text, as in
:mod:`hq.tables.models`."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import false, true

from hq.tables.base import Base


class AlertRule(Base):
    """A rule: its *kind* (:data:`hq.alerts.kinds.KINDS`) with its *params*, over *scope*
    ("" the chain, ``region:ID``, ``store:ID``), delivered to the named *channels*."""

    __tablename__ = "alert_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(80), default="")
    params: Mapped[dict] = mapped_column(JSON)
    channels: Mapped[list] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[str] = mapped_column(String(40))
    # also to the managers of the store, each by e-mail (resolved when the alert opens)
    notify_managers: Mapped[bool] = mapped_column(Boolean, server_default=false())


class Channel(Base):
    """Where alerts go: ``email`` (addresses, comma-separated), ``webhook`` (JSON signed with
    HMAC-SHA256 of *secret*), ``slack`` or ``teams`` (their incoming-webhook URLs). A
    *digest* channel gets one message a day with the day's alerts instead of each one."""

    __tablename__ = "alert_channels"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200), default="")
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[str] = mapped_column(String(40))
    # the part of the chain it belongs to: "" (an admin's), region:ID or store:ID (a manager's)
    scope: Mapped[str] = mapped_column(String(80), server_default="")


class Alert(Base):
    """One episode of a rule being true for a store (``device_id`` "") or a kiosk.
    ``open_key`` is set while it is open, so there is at most one open episode per rule,
    store and kiosk, whichever worker finds it."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id"), index=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    device_id: Mapped[str] = mapped_column(String(64), default="")
    open_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(16))  # open, acknowledged, closed
    title: Mapped[str] = mapped_column(String(500))
    value: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict] = mapped_column(JSON)
    opened_at: Mapped[str] = mapped_column(String(40), index=True)
    updated_at: Mapped[str] = mapped_column(String(40))
    closed_at: Mapped[str | None] = mapped_column(String(40))
    closed_by: Mapped[str | None] = mapped_column(String(80))
    # who sees to it (a user who acts on the store; "" nobody yet) and by when (a local
    # day, YYYY-MM-DD, or ""); the state is its status: open, in progress (acknowledged),
    # resolved (closed)
    owner: Mapped[str] = mapped_column(String(64), server_default="")
    due: Mapped[str] = mapped_column(String(10), server_default="")


class AlertEvent(Base):
    """The history of an alert: opened, acknowledged, a comment, closed (by whom)."""

    __tablename__ = "alert_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[str] = mapped_column(String(40))
    who: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(2000), default="")


class Delivery(Base):
    """One message to one channel: an alert's, or a day's digest. ``key`` is unique, so an
    alert goes to a channel once per episode; kept until delivered, retried with backoff."""

    __tablename__ = "alert_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(64))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    message: Mapped[dict] = mapped_column(JSON)  # subject, text, and the alert's fields
    created_at: Mapped[str] = mapped_column(String(40))
    next_at: Mapped[str] = mapped_column(String(40), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[str | None] = mapped_column(String(40))
    failed: Mapped[bool] = mapped_column(Boolean, default=False)  # given up
    last_error: Mapped[str] = mapped_column(String(500), default="")
    claimed_until: Mapped[str | None] = mapped_column(String(40))


class RuleRun(Base):
    """A rule's evaluation for one window (minute): the worker that inserts it does it."""

    __tablename__ = "alert_rule_runs"
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id"), primary_key=True)
    window: Mapped[str] = mapped_column(String(40), primary_key=True)


class Subscription(Base):
    """A user's wish to hear of the alerts of *kind* ("" every kind) in the stores of
    *scope* (within what they see): each by e-mail at once (``now``) or in a daily
    ``digest``. Checked again when an alert opens (the user may have lost the store)."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (UniqueConstraint("username", "kind", "scope"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="")
    scope: Mapped[str] = mapped_column(String(80), default="")
    mode: Mapped[str] = mapped_column(String(8))  # now, digest
    created_at: Mapped[str] = mapped_column(String(40))
