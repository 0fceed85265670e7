"""A second factor for local accounts: TOTP (RFC 6238, 30-second steps, 6 digits; pyotp).

A user turns it on from their account page: HQ makes a secret (:func:`start`), shows it as
a QR code of its ``otpauth://`` URI (:func:`qr_svg`, segno) and as text, and keeps it only
once the user types a code their app shows (:func:`confirm`); they get
:data:`RECOVERY_COUNT` one-time recovery codes then (kept as SHA-256), shown once. From
then on a login asks for a code after the password (:func:`check_code`): a code of the
step before, now or after is taken (a clock that is 30 s off), each step once, and a
recovery code once. Wrong codes are throttled per user: :data:`MAX_FAILURES` in
:data:`hq.people.login.WINDOW`, from anywhere, then a wait.

An admin can **require** it of a user (:func:`require`; the next login sets it up before
any page) and **reset** it (:func:`reset`; a lost phone: the secret and codes go, and the
user sets it up again if it is required). The secret itself is kept readable (HQ must
compute the codes): protect the database and its backups as you protect the password file.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import AbstractContextManager
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hq.core.client_address import address_key
from hq.core.errors import InputError
from hq.people.login import WINDOW
from hq.tables.people import LoginFailure, RecoveryCode, SecondFactor, User
from kiosk.timekeeping.localtime import to_utc_text

ISSUER = "Hymiö HQ"
RECOVERY_COUNT = 10
MAX_FAILURES = 5
STEP = 30


def _row(db: Session, username: str) -> SecondFactor | None:
    return db.get(SecondFactor, username)


def is_on(db: Session, username: str) -> bool:
    """Whether *username* has a confirmed second factor (a login asks for a code)."""
    row = _row(db, username)
    return row is not None and bool(row.secret and row.confirmed_at)


def is_required(db: Session, username: str) -> bool:
    """Whether an admin requires a second factor of *username*."""
    row = _row(db, username)
    return row is not None and bool(row.required)


def login_step(db: Session, username: str) -> str | None:
    """What a login with the right password still needs: ``"code"`` (a TOTP or recovery
    code), ``"setup"`` (required but not set up: set it up first) or ``None``."""
    if is_on(db, username):
        return "code"
    return "setup" if is_required(db, username) else None


def start(db: Session, username: str) -> str:
    """A new, unconfirmed secret for *username* (replacing one being set up); returns it.
    One already confirmed stays until it is turned off or reset."""
    if is_on(db, username):
        raise InputError("totp: the second factor is on already; turn it off first")
    row = _row(db, username) or SecondFactor(username=username, required=False)
    row.secret, row.confirmed_at, row.last_step = pyotp.random_base32(), "", 0
    db.add(row)
    db.commit()
    return row.secret


def uri(username: str, secret: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(text: str) -> str:
    """*text* as a QR code, an inline SVG (no script, no outside file)."""
    return segno.make(text, error="m").svg_inline(scale=4, border=2, title="otpauth")


def pending_secret(db: Session, username: str) -> str | None:
    """The secret being set up for *username*, if any."""
    row = _row(db, username)
    return row.secret if row is not None and row.secret and not row.confirmed_at else None


def _step_of(secret: str, code: str, now: datetime, last: int) -> int | None:
    """The time step (-1, 0 or +1 around *now*) whose code is *code*, if it is after *last*."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp, here = pyotp.TOTP(secret), int(now.timestamp()) // STEP
    for step in (here - 1, here, here + 1):
        if step > last and secrets.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _recovery_hash(code: str) -> str:
    return hashlib.sha256("".join(code.split()).lower().encode("utf-8", "replace")).hexdigest()


def confirm(db: Session, username: str, code: str, now: datetime) -> list[str]:
    """Turn the second factor on if *code* is the pending secret's; returns the new recovery
    codes (shown once). A wrong code is an :class:`InputError` naming ``code``."""
    row = _row(db, username)
    if row is None or not row.secret or row.confirmed_at:
        raise InputError("code: there is no second factor being set up; start again")
    step = _step_of(row.secret, code, now, row.last_step)
    if step is None:
        raise InputError("code: that is not the code the app shows now; try the next one")
    row.confirmed_at, row.last_step = to_utc_text(now), step
    db.execute(delete(RecoveryCode).where(RecoveryCode.username == username))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_COUNT)]
    db.add_all(RecoveryCode(username=username, code_hash=_recovery_hash(c)) for c in codes)
    db.commit()
    return codes


def recovery_left(db: Session, username: str) -> int:
    """How many unused recovery codes *username* has."""
    return db.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.username == username, RecoveryCode.used_at == "")
    )


def _key(username: str) -> str:
    return f"2fa:{username}"


def failures(db: Session, username: str, now: datetime) -> int:
    """Wrong codes for *username* within the window, from anywhere."""
    since = to_utc_text(now - WINDOW)
    return db.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == _key(username), LoginFailure.at > since)
    )


def check_code(
    db: Session,
    lock: AbstractContextManager,
    username: str,
    code: str,
    host: str | None,
    now: datetime,
) -> bool | None:
    """Whether *code* is *username*'s TOTP code now (each step once) or an unused recovery
    code (used up); ``None`` when too many wrong codes came in the window (not checked)."""
    if failures(db, username, now) >= MAX_FAILURES:
        return None
    with lock:
        row = db.get(SecondFactor, username, populate_existing=True)  # as it is now
        if row is None or not (row.secret and row.confirmed_at):
            return False
        step = _step_of(row.secret, code, now, row.last_step)
        if step is not None:
            row.last_step = step
            db.commit()
            return True
        spare = db.scalar(
            select(RecoveryCode).where(
                RecoveryCode.username == username,
                RecoveryCode.code_hash == _recovery_hash(code[:40]),
                RecoveryCode.used_at == "",
            )
        )
        if spare is not None:
            spare.used_at = to_utc_text(now)
            db.commit()
            return True
        db.add(
            LoginFailure(address=address_key(host), username=_key(username), at=to_utc_text(now))
        )
        db.commit()
    return False


def turn_off(db: Session, username: str) -> None:
    """Forget *username*'s secret and recovery codes (a reset, or the user turning it off);
    whether it is required stays."""
    row = _row(db, username)
    if row is not None:
        row.secret, row.confirmed_at, row.last_step = "", "", 0
    db.execute(delete(RecoveryCode).where(RecoveryCode.username == username))
    db.commit()


def _user(db: Session, username: str) -> User:
    user = db.get(User, username) if isinstance(username, str) else None
    if user is None:
        raise InputError(f"username: no user {username!r}")
    return user


def require(db: Session, username: str, required: bool) -> None:
    """An admin requires a second factor of *username* (or stops requiring it)."""
    _user(db, username)
    row = _row(db, username) or SecondFactor(username=username, secret="", confirmed_at="")
    row.required = required
    db.add(row)
    db.commit()


def reset(db: Session, username: str) -> None:
    """An admin's reset (a lost phone): the secret and recovery codes go."""
    _user(db, username)
    turn_off(db, username)
