"""Who may see and do what: roles over a part of the chain.

The chain is a tree: regions (which may hold regions) and stores. A user has a *role*:

- ``admin``: sees and does everything, manages users, regions, tokens and alert rules;
- ``analyst``: reads every store, acts on none;
- ``manager``: reads and acts on (alerts, actions, the kiosk message) the stores of their
  *scope* only: ``region:ID`` (that region and every region under it) or ``store:ID``.

An API token reads like an analyst over its own scope ("" is the whole chain). Every page,
API route and export asks :class:`Access` which stores it may show; a store outside it is
answered as if it did not exist (404), so its existence does not leak either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.errors import HQError
from hq.models import Region, Store, User

ROLES = ("admin", "analyst", "manager")
SCOPE_KINDS = ("region", "store")


@dataclass(frozen=True)
class Access:
    """What one user or token may see (``stores``, ``None``: every store) and do."""

    who: str  # "user:NAME" or "token:NAME"
    role: str
    scope: str = ""
    stores: frozenset[str] | None = None

    @property
    def username(self) -> str | None:
        return self.who.removeprefix("user:") if self.who.startswith("user:") else None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def whole_chain(self) -> bool:
        return self.stores is None

    def sees(self, store_id: str | None) -> bool:
        """Whether this reader may see the store *store_id*."""
        return store_id is not None and (self.stores is None or store_id in self.stores)

    def acts_on(self, store_id: str | None) -> bool:
        """Whether this reader may act on the store (alerts, actions, kiosk message)."""
        return self.role in ("admin", "manager") and self.sees(store_id)

    def visible(self, stores: Iterable[Store]) -> list[Store]:
        """The *stores* this reader may see, in their order."""
        return [s for s in stores if self.sees(s.id)]


def parse_scope(scope: str) -> tuple[str, str] | None:
    """``("region", ID)`` or ``("store", ID)`` of *scope*; ``None`` for the whole chain; an
    :class:`HQError` naming it if it is neither."""
    if scope == "":
        return None
    kind, _, ident = scope.partition(":")
    if kind not in SCOPE_KINDS or not ident:
        raise HQError(
            f"scope {scope!r} is not one of: empty (the whole chain), region:ID, store:ID"
        )
    return kind, ident


def check_scope(session: Session, scope: str) -> str:
    """*scope*, if it names a region or store HQ has (or is the whole chain)."""
    parsed = parse_scope(scope)
    if parsed is not None:
        kind, ident = parsed
        if session.get(Region if kind == "region" else Store, ident) is None:
            raise HQError(f"scope {scope!r}: there is no {kind} {ident!r}")
    return scope


def check_role(role: str, scope: str) -> str:
    """*role* if it is one of :data:`ROLES` and fits *scope* (a manager needs a part)."""
    if role not in ROLES:
        raise HQError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "manager" and not scope:
        raise HQError("a manager needs a scope: region:ID or store:ID")
    if role != "manager" and scope:
        raise HQError(f"an {role} sees the whole chain; give no scope (or make them a manager)")
    return role


def regions_under(session: Session, region_id: str) -> set[str]:
    """*region_id* and every region below it."""
    children: dict[str | None, list[str]] = {}
    for rid, parent in session.execute(select(Region.id, Region.parent_id)):
        children.setdefault(parent, []).append(rid)
    found, todo = set(), [region_id]
    while todo:
        rid = todo.pop()
        if rid not in found:
            found.add(rid)
            todo.extend(children.get(rid, ()))
    return found


def stores_in(session: Session, scope: str) -> frozenset[str] | None:
    """The ids of the stores of *scope*; ``None`` for the whole chain."""
    parsed = parse_scope(scope)
    if parsed is None:
        return None
    kind, ident = parsed
    if kind == "store":
        return frozenset([ident]) if session.get(Store, ident) is not None else frozenset()
    regions = regions_under(session, ident)
    return frozenset(session.scalars(select(Store.id).where(Store.region_id.in_(regions))))


def access_of(session: Session, who: str, role: str, scope: str) -> Access:
    """The :class:`Access` of a user or token; a scope that no longer parses sees nothing."""
    try:
        stores = stores_in(session, scope) if role != "admin" else None
    except HQError:
        stores = frozenset()
    if role not in ROLES or (role == "manager" and stores is None):
        stores = frozenset()
    return Access(who, role, scope, stores)


def user_access(session: Session, user: User) -> Access:
    """The :class:`Access` of the dashboard user *user*."""
    return access_of(session, f"user:{user.username}", user.role, user.scope)


def covers(session: Session, access: Access, scope: str) -> bool:
    """Whether *access* sees every store of *scope* (an :class:`HQError` if it does not
    parse): a report of it holds nothing that is not theirs."""
    if access.whole_chain:
        return True
    wanted = stores_in(session, scope)
    return wanted is not None and wanted <= access.stores


def region_path(session: Session, region_id: str | None) -> list[Region]:
    """The regions from the top of the tree down to *region_id*."""
    path: list[Region] = []
    seen: set[str] = set()
    while region_id is not None and region_id not in seen:
        seen.add(region_id)
        region = session.get(Region, region_id)
        if region is None:
            break
        path.append(region)
        region_id = region.parent_id
    return path[::-1]
