"""The tables of people's sign-in: one-time password links (:mod:`hq.people.auth.links`)
and the forgotten-password requests counted for their throttle.

A link's token is never stored: only its SHA-256, as for sessions and device tokens, so a
copy of the database opens nobody's account.
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hq.tables.base import Base


class PasswordLink(Base):
    """A link that sets *username*'s password once: an ``invite`` or a ``reset``. It is
    used up when it sets the password (``used_at``), or dead after ``expires_at``."""

    __tablename__ = "password_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[str] = mapped_column(String(40), server_default="")


class ResetRequest(Base):
    """One "forgot password" request from a client address (for the throttle)."""

    __tablename__ = "reset_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[str] = mapped_column(String(40))
