"""What an admin does about the chain's tree and its people: regions, which region a store
is in, users' roles and scopes, scoped API tokens, removing a user or a token.

Plain functions over a session, used by ``hymio hq …``, the admin pages and the tests. Each
checks everything before it changes anything, and names what is wrong.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hq.core.errors import HQError, InputError, UnknownStoreError
from hq.core.names import check_id, one_line
from hq.people.access import check_role, check_scope, regions_under
from hq.people.admin import _add, check_email
from hq.people.audit import CLI, record
from hq.tables.models import Region, Store
from hq.tables.people import (
    ApiToken,
    LoginSession,
    OidcIdentity,
    PasswordLink,
    RecoveryCode,
    SecondFactor,
    User,
)
from kiosk.timekeeping.localtime import to_utc_text


def add_region(
    session: Session,
    region_id: str,
    name: str,
    parent: str | None,
    now: datetime,
    actor: str = CLI,
) -> Region:
    """A region of the chain, under *parent* (``None``: directly under the chain)."""
    check_id("region id", region_id)
    name = one_line("region name", name)
    if parent and session.get(Region, parent) is None:
        raise HQError(f"no region {parent!r} to put region {region_id!r} under")
    region = Region(id=region_id, name=name, parent_id=parent or None)
    region.created_at = to_utc_text(now)
    record(session, actor, "add", "region", region_id, {"name": name, "parent": parent or ""}, now)
    _add(session, region, f"region {region_id!r}")
    return region


def move_region(session: Session, region_id: str, parent: str | None, actor: str = CLI) -> None:
    """Put *region_id* under *parent*; refused if that would make a loop."""
    region = session.get(Region, region_id)
    if region is None:
        raise HQError(f"no region {region_id!r}")
    if parent:
        if session.get(Region, parent) is None:
            raise HQError(f"no region {parent!r}")
        if parent in regions_under(session, region_id):
            raise HQError(f"region {parent!r} is under {region_id!r}: that would be a loop")
    changes = {"parent": [region.parent_id or "", parent or ""]}
    region.parent_id = parent or None
    record(session, actor, "move", "region", region_id, changes)
    session.commit()


def set_store_region(
    session: Session, store_id: str, region_id: str | None, actor: str = CLI
) -> None:
    """Put the store in *region_id* (``None``: directly under the chain)."""
    store = session.get(Store, store_id)
    if store is None:
        raise UnknownStoreError(f"no store {store_id!r}")
    if region_id and session.get(Region, region_id) is None:
        raise HQError(f"no region {region_id!r}; add it with hymio hq add-region")
    changes = {"region": [store.region_id or "", region_id or ""]}
    store.region_id = region_id or None
    record(session, actor, "move", "store", store_id, changes)
    session.commit()


def remove_region(session: Session, region_id: str, actor: str = CLI) -> None:
    """Remove an empty region (no stores, no regions, no user or token scoped to it)."""
    if session.get(Region, region_id) is None:
        raise HQError(f"no region {region_id!r}")
    if session.scalar(select(Store.id).where(Store.region_id == region_id).limit(1)):
        raise HQError(f"region {region_id!r} still has stores; move them first")
    if session.scalar(select(Region.id).where(Region.parent_id == region_id).limit(1)):
        raise HQError(f"region {region_id!r} still has regions under it; move them first")
    scope = f"region:{region_id}"
    for table, name in ((User.scope, "users"), (ApiToken.scope, "API tokens")):
        if session.scalar(select(table).where(table == scope).limit(1)):
            raise HQError(f"{name} are scoped to region {region_id!r}; change them first")
    session.execute(delete(Region).where(Region.id == region_id))
    record(session, actor, "remove", "region", region_id, {})
    session.commit()


def set_role(
    session: Session,
    username: str,
    role: str,
    scope: str = "",
    email: str | None = None,
    actor: str = CLI,
) -> None:
    """Give *username* *role* over *scope* (and an e-mail address, if given); their live
    sessions see the change at their next page."""
    user = session.get(User, username)
    if user is None:
        raise HQError(f"no user {username!r}; add it with hymio hq add-user")
    check_role(role, check_scope(session, scope))
    before = {"role": user.role, "scope": user.scope, "email": user.email}
    user.role, user.scope = role, scope
    if email is not None:
        user.email = check_email(email)
    after = {"role": user.role, "scope": user.scope, "email": user.email}
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    record(session, actor, "set-role", "user", username, changes)
    session.commit()


def remove_user(session: Session, username: str, actor: str = CLI) -> None:
    """Remove a user; every session of theirs ends with them, and their password links,
    second factor and identity at the chain's provider go too (a new user of the same name
    inherits none of them)."""
    if session.get(User, username) is None:
        raise HQError(f"no user {username!r}")
    session.execute(delete(LoginSession).where(LoginSession.username == username))
    for table in (PasswordLink, SecondFactor, RecoveryCode, OidcIdentity):
        session.execute(delete(table).where(table.username == username))
    session.execute(delete(User).where(User.username == username))
    record(session, actor, "remove", "user", username, {})
    session.commit()


def set_token_scope(session: Session, name: str, scope: str, actor: str = CLI) -> None:
    """Let the API token *name* read only *scope* ("": the whole chain)."""
    check_scope(session, scope)
    if scope and session.scalar(select(ApiToken.role).where(ApiToken.name == name)) == "admin":
        raise InputError("an admin token sees the whole chain; give no scope")
    done = session.execute(update(ApiToken).where(ApiToken.name == name).values(scope=scope))
    if not done.rowcount:
        session.rollback()
        raise HQError(f"no API token {name!r}")
    record(session, actor, "set-scope", "token", name, {"scope": scope})
    session.commit()


def remove_token(session: Session, name: str, actor: str = CLI) -> None:
    """Remove the API token *name*; it is refused from its next request on."""
    if not session.execute(delete(ApiToken).where(ApiToken.name == name)).rowcount:
        session.rollback()
        raise HQError(f"no API token {name!r}")
    record(session, actor, "remove", "token", name, {})
    session.commit()
