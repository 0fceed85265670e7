"""The tables of people and their sign-in: the users of the dashboard and the API tokens
of scripts (what each may see and do: :mod:`hq.people.access`), the dashboard's sessions
(:mod:`hq.people.sessions`) and the failed logins its throttle counts
(:mod:`hq.people.login`); one-time password links (:mod:`hq.people.auth.links`), the
forgotten-password requests counted for their throttle, and the TOTP second factor with
its recovery codes (:mod:`hq.people.auth.totp`); who a user is at the chain's identity
provider (:mod:`hq.people.auth.oidc`).

A token or a link is never stored: only its SHA-256, as for sessions and device tokens, so
a copy of the database opens nobody's account.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from hq.tables.base import Base


class User(Base):
    """A person who may log in to the dashboard; the password is kept as an argon2 hash.
    What they may see and do is their ``role`` over their ``scope`` (:mod:`hq.people.access`)."""

    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))
    # fi, sv or en; "" for the language the browser asks for (Accept-Language)
    language: Mapped[str] = mapped_column(String(8), server_default="")
    role: Mapped[str] = mapped_column(String(16), server_default="analyst")
    # "" (the whole chain), "region:ID" or "store:ID"
    scope: Mapped[str] = mapped_column(String(80), server_default="")
    email: Mapped[str] = mapped_column(String(254), server_default="")
    # when an admin deactivated them ("" while active): no login, kept for the record
    deactivated_at: Mapped[str] = mapped_column(String(40), server_default="")


class ApiToken(Base):
    """A token for scripts; kept as SHA-256. It reads (and, with the role ``manager`` or
    ``admin``, changes) the stores of its ``scope`` only, as a user of its ``role`` would
    (:mod:`hq.people.access`); the default role ``analyst`` only reads."""

    __tablename__ = "api_tokens"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(80), server_default="")
    role: Mapped[str] = mapped_column(String(16), server_default="analyst")


class LoginSession(Base):
    """A browser logged in to the dashboard: the SHA-256 of the random id its signed cookie
    carries, whose it is, and until when it holds. Deleting the row logs the browser out."""

    __tablename__ = "sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[str] = mapped_column(String(40))
    last_seen_at: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[str] = mapped_column(String(40))


class LoginFailure(Base):
    """A failed dashboard login, or one being checked: what the login throttle counts, per
    client address and per username from that address (shared by every HQ process)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(80))
    at: Mapped[str] = mapped_column(String(40), index=True)

    __table_args__ = (Index("ix_login_failures_address_at", "address", "at"),)


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
