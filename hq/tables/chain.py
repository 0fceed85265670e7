"""The tables of running the chain from the browser (issue 29): the audit log of every
change an admin or manager makes, and a store's exceptions to its weekly opening hours
(holidays closed, special days with other hours). The domain is :mod:`hq.people.audit`
and :mod:`hq.fleet.chain`; migration ``0018_chain`` makes them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hq.tables.base import Base


class AuditEvent(Base):
    """One change: when, who (``user:NAME``, ``token:NAME`` or ``cli``), what they did
    (``add``, ``rename``, ``retire``, …) to which object (its kind and id), and a short
    JSON of what changed. Written in the same transaction as the change itself."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(200))
    changes: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_kind_at", "kind", "at"),
        Index("ix_audit_events_actor_at", "actor", "at"),
    )


class HoursException(Base):
    """A store's own hours on one local day, instead of its weekday's: ``closed`` (a
    holiday) or ranges as the kiosk writes them (``08:00-14:00``, several joined by
    ``,``), with a note saying why."""

    __tablename__ = "store_hours_exceptions"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # local, ISO
    hours: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(200), server_default="")


class DeviceStore(Base):
    """A kiosk's store from a time on (``since``, UTC): its first store, then every move
    (:func:`hq.fleet.chain.kiosks.move_kiosk`). Ingest takes a rating stamped with any
    store the kiosk has been in (a kiosk learns its move at its next settings pull) and
    counts it there; migration ``0022_kiosk_moves`` makes it."""

    __tablename__ = "device_stores"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    since: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_device_stores_device", "device_id", "store_id"),)
