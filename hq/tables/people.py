"""The tables of people's sign-in: one-time password links (:mod:`hq.people.auth.links`),
the forgotten-password requests counted for their throttle, and the TOTP second factor
with its recovery codes (:mod:`hq.people.auth.totp`).

A link's token is never stored: only its SHA-256, as for sessions and device tokens, so a
copy of the database opens nobody's account.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, false
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


class SecondFactor(Base):
    """A local account's TOTP second factor (:mod:`hq.people.auth.totp`): its secret (base32;
    HQ must read it back to check a code), when it was confirmed ("" while being set up), the
    last time step a code was taken for (a code works once), and whether an admin requires
    one of this user (a row with no secret then)."""

    __tablename__ = "second_factors"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64), server_default="")
    confirmed_at: Mapped[str] = mapped_column(String(40), server_default="")
    last_step: Mapped[int] = mapped_column(Integer, server_default="0")
    required: Mapped[bool] = mapped_column(Boolean, server_default=false())


class RecoveryCode(Base):
    """A one-time recovery code of a user's second factor, kept as SHA-256."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[str] = mapped_column(String(40), server_default="")


class OidcIdentity(Base):
    """Who a user is at the chain's identity provider: its issuer and their subject there
    (:mod:`hq.people.auth.oidc`)."""

    __tablename__ = "oidc_identities"
    issuer: Mapped[str] = mapped_column(String(300), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
