"""What an admin does from the command line: stores, devices, tokens, users, sessions.

Plain functions over a session, used by ``hymio hq …`` and by the tests.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hq.core.errors import (
    DuplicateError,
    HQError,
    LanguageError,
    UnknownDeviceError,
    UnknownStoreError,
)
from hq.core.names import check_id, one_line
from hq.people import sessions as login_sessions
from hq.people.access import check_role, check_scope, check_token_role
from hq.people.audit import CLI, record
from hq.people.credentials import hash_password, new_token, token_hash
from hq.tables.models import Device, DeviceEnrolment, Region, Store
from hq.tables.people import ApiToken, User
from kiosk.settings.survey import LANGUAGES
from kiosk.timekeeping.localtime import to_utc_text, zone

# Good enough to catch a typo; the SMTP server has the last word.
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def check_email(address: str) -> str:
    """*address* stripped, if it looks like one e-mail address (or is empty)."""
    address = address.strip()
    if address and (len(address) > 254 or not EMAIL.match(address)):
        raise HQError(f"e-mail {address!r} is not an address like name@example.com")
    return address


def _add(session: Session, row, what: str) -> None:
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise DuplicateError(f"{what} already exists") from None


def add_store(
    session: Session,
    store_id: str,
    name: str,
    timezone: str,
    now: datetime,
    region_id: str | None = None,
    actor: str = CLI,
) -> Store:
    """A new store in *region_id* (``None``: directly under the chain); its days and
    hours are counted in *timezone* (IANA name). *actor* is who adds it, for the audit
    log (:mod:`hq.people.audit`), as in every change below."""
    check_id("store id", store_id)
    try:
        zone(timezone)
    except ValueError as e:
        raise HQError(str(e)) from None
    name = one_line("store name", name)
    if region_id and session.get(Region, region_id) is None:
        raise HQError(f"no region {region_id!r}; add it with hymio hq add-region")
    store = Store(id=store_id, name=name, timezone=timezone, created_at=to_utc_text(now))
    store.region_id = region_id or None
    changes = {"name": name, "timezone": timezone, "region": region_id or ""}
    record(session, actor, "add", "store", store_id, changes, now)
    _add(session, store, f"store {store_id!r}")
    return store


def add_device(
    session: Session, store_id: str, device_id: str, now: datetime, actor: str = CLI
) -> str:
    """A new device in *store_id*; returns its token (HQ keeps only the hash)."""
    check_id("device id", device_id)
    if session.get(Store, store_id) is None:
        raise UnknownStoreError(f"no store {store_id!r}; add it first with hymio hq add-store")
    token = new_token()
    at = to_utc_text(now)
    session.add(DeviceEnrolment(device_id=device_id, added_how="add-device", enrolled_at=at))
    device = Device(id=device_id, store_id=store_id, token_hash=token_hash(token), created_at=at)
    record(session, actor, "add", "device", device_id, {"store": store_id}, now)
    _add(session, device, f"device {device_id!r}")
    return token


def rotate_token(
    session: Session, device_id: str, actor: str = CLI, now: datetime | None = None
) -> str:
    """A new token for *device_id*; the old one stops working at once."""
    device = session.get(Device, device_id)
    if device is None:
        raise UnknownDeviceError(f"no device {device_id!r}")
    token = new_token()
    device.token_hash = token_hash(token)
    record(session, actor, "rotate-token", "device", device_id, {}, now)
    session.commit()
    return token


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise HQError("the password is too short: use at least 10 characters")


def _check_language(language: str) -> str:
    if language not in ("", *LANGUAGES):
        raise LanguageError(
            f"language {language!r} is not one of {', '.join(LANGUAGES)}"
            " (or empty for the browser's choice)"
        )
    return language


def add_user(
    session: Session,
    username: str,
    password: str,
    now: datetime,
    language: str = "",
    role: str = "admin",
    scope: str = "",
    email: str = "",
    actor: str = CLI,
) -> None:
    """A dashboard user; the password is kept as an argon2 hash. They read the dashboard
    in *language* (fi, sv or en; "" for the language their browser asks for), as *role*
    over *scope* (:mod:`hq.people.access`), and get e-mail (alerts, reports) at *email*."""
    check_id("username", username)
    _check_password(password)
    check_role(role, check_scope(session, scope))
    user = User(
        username=username,
        password_hash=hash_password(password),
        created_at=to_utc_text(now),
        language=_check_language(language),
        role=role,
        scope=scope,
        email=check_email(email),
    )
    changes = {"role": role, "scope": scope, "email": user.email, "language": language}
    record(session, actor, "add", "user", username, changes, now)
    _add(session, user, f"user {username!r}")


def set_language(session: Session, username: str, language: str, actor: str = CLI) -> None:
    """The language *username* reads the dashboard in ("": the browser's); an unknown
    language is a :class:`LanguageError` and changes nothing."""
    _check_language(language)
    user = session.get(User, username)
    if user is None:
        raise HQError(f"no user {username!r}; add it with hymio hq add-user")
    user.language = language
    record(session, actor, "set-language", "user", username, {"language": language})
    session.commit()


def set_password(session: Session, username: str, password: str, actor: str = CLI) -> int:
    """A new password for *username*; every session of theirs ends. Returns how many."""
    user = session.get(User, username)
    if user is None:
        raise HQError(f"no user {username!r}; add it with hymio hq add-user")
    _check_password(password)
    user.password_hash = hash_password(password)
    record(session, actor, "set-password", "user", username, {})
    session.flush()
    return login_sessions.end_all(session, username)  # commits the new hash with it


def end_sessions(session: Session, username: str, actor: str = CLI) -> int:
    """End every dashboard session of *username* at once; returns how many there were."""
    if session.get(User, username) is None:
        raise HQError(f"no user {username!r}")
    record(session, actor, "end-sessions", "user", username, {})
    return login_sessions.end_all(session, username)


def add_api_token(
    session: Session,
    name: str,
    now: datetime,
    scope: str = "",
    role: str = "analyst",
    actor: str = CLI,
) -> str:
    """A token for scripts over the stores of *scope* ("": the whole chain) with the rights
    of *role* (``analyst``: reads only; ``manager``: changes its scope's stores; ``admin``:
    everything, the admin API too); returns it once."""
    check_id("token name", name)
    scope = check_scope(session, scope)
    check_token_role(role, scope)
    token = new_token()
    row = ApiToken(name=name, token_hash=token_hash(token), created_at=to_utc_text(now))
    row.scope, row.role = scope, role
    record(session, actor, "add", "token", name, {"scope": scope, "role": role}, now)
    _add(session, row, f"API token {name!r}")
    return token


def check_target(session: Session, store_id: str, device_id: str) -> None:
    """A store (``device_id`` empty) or one of its devices that settings are set for; an
    :class:`UnknownStoreError` or :class:`UnknownDeviceError` naming it if there is none."""
    if session.get(Store, store_id) is None:
        raise UnknownStoreError(f"no store {store_id!r}; add it with hymio hq add-store")
    if device_id:
        device = session.get(Device, device_id)
        if device is None or device.store_id != store_id:
            raise UnknownDeviceError(f"no device {device_id!r} in store {store_id!r}")
