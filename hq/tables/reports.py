"""The tables of scheduled reports (issue 19): who gets which report, and what was sent.

Declared on the one :class:`~hq.tables.base.Base`; :func:`hq.tables.every_table` imports
this module, so ``Base.metadata`` has these tables wherever HQ's database is opened.
"""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hq.tables.base import Base


class ReportSubscription(Base):
    """A report sent after every finished period (``daily``, ``weekly``, ``monthly``) of
    a store or a region (``scope``: ``store:ID`` or ``region:ID``) in one language, to
    users (their ``User.email`` at the time of sending) and plain e-mail addresses.

    ``last_period`` is the first day (ISO) of the last period sent in full, "" for none;
    a worker claims a period by moving ``claimed_until`` past now in a conditional
    ``UPDATE``, so two workers never send the same period (:mod:`hq.insight.scheduled.sending`).
    """

    __tablename__ = "report_subscriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    recipients: Mapped[list] = mapped_column(JSON)  # usernames and e-mail addresses
    created_by: Mapped[str] = mapped_column(String(64))
    # whose access bounds it, now and at every send: "user:NAME", or "operator" (made on
    # the command line without --by, by whoever holds HQ's database)
    creator: Mapped[str] = mapped_column(String(80), server_default="")
    created_at: Mapped[str] = mapped_column(String(40))
    last_period: Mapped[str] = mapped_column(String(10), server_default="")
    last_sent_at: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str] = mapped_column(Text, server_default="")
    claimed_until: Mapped[str] = mapped_column(String(40), server_default="")


class ReportDelivery(Base):
    """One recipient's copy of a period's report, handed to the SMTP server: a retry after
    a failure sends only to those not here. Dropped once the period is sent in full."""

    __tablename__ = "report_deliveries"
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("report_subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    sent_at: Mapped[str] = mapped_column(String(40))
