"""The tables of "you said, we did" (issue 19): what a store did, and the line its kiosks
show after the thank-you. The domain is :mod:`hq.actions.log`; migration ``0011`` makes them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hq.tables.base import Base

ACTION_LENGTH = 500  # characters of an action's text
MESSAGE_LENGTH = 90  # characters of a kiosk message: one line on the thank-you screen


class StoreAction(Base):
    """Something staff or a manager did at a store on a local day ("third checkout opened
    at 16–18"), recorded against that day so the trend charts can mark it."""

    __tablename__ = "store_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"))
    day: Mapped[str] = mapped_column(String(10))  # local, ISO
    text: Mapped[str] = mapped_column(String(ACTION_LENGTH))
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_store_actions_store_day", "store_id", "day"),)


class StoreMessage(Base):
    """The one line a store's kiosks show after the thank-you in one language (fi, sv or
    en), pulled with the survey settings."""

    __tablename__ = "store_messages"
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    text: Mapped[str] = mapped_column(String(MESSAGE_LENGTH))
    author: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[str] = mapped_column(String(40))
