"""Who may see and do what: roles over a part of the chain.

The chain is a tree: regions (which may hold regions) and stores. A user has a *role*:

- ``admin``: sees and does everything, manages users, regions, tokens and alert rules;
- ``analyst``: reads every store, acts on none;
- ``manager``: reads and acts on (alerts, actions, the kiosk message, reports) the stores
  of their *scope* only: ``region:ID`` (that region and every region under it) or
  ``store:ID``.

An API token reads like an analyst over its own scope ("" is the whole chain); an admin
token (whole chain only) may also do what an admin does through the API.

**Scopes are read once**, by :func:`scope_spelling` (the spelling) and :func:`normal_scope`
(it names a region or store HQ has). A scope is written exactly one way: ``""`` for the
whole chain, ``region:ID`` or ``store:ID`` with the kind in lower case and the id exactly
as HQ has it (ids are case-sensitive). Anything else is refused, never guessed at:
whitespace of any kind anywhere (a trailing space, an NBSP, a tab), another case of the
kind (``STORE:s1``), compatibility forms (full-width letters), a space at the colon, a
``/`` or anything after the id. When folding those (Unicode NFKC, stripping whitespace,
lower-casing the kind) would give a scope, the refusal says that spelling, so the person
can write it; HQ never stores or checks anything but the exact spelling.

**Every decision is one function**, :func:`permits`, over the tree as it is now
(:class:`Tree`) and a scope read as above. A manager may see (and act on) only what lies
within their own scope *by the tree*: their store, or their region, a region under it,
or a store in one of those. It is compared by scope, not by the stores a scope has
today, so a manager of a region's only store may not take its whole region (which may
grow). A scope with no store at all is never "covered" for anyone but a whole-chain
reader. Every page, API route, export, command and the report sender asks it, through
:class:`Access`; a store outside a reader's part is answered as if it did not exist (404),
so its existence does not leak either.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import N_, InputError
from hq.tables.models import Region, Store
from hq.tables.people import User

ROLES = ("admin", "analyst", "manager")
SCOPE_KINDS = ("region", "store")


class ScopeError(InputError):
    """A scope is not the exact spelling of the chain, a region or a store HQ has;
    ``field`` names the field. ``text`` and ``values`` as :class:`hq.core.errors.ActionError`."""

    def __init__(self, field: str, text: str, **values: object):
        super().__init__(f"{field}: {text.format(**values)}")
        self.field, self.text, self.values = field, text, values


@dataclass(frozen=True)
class Scope:
    """A part of the chain: ``chain`` (every store), a ``region`` or a ``store``."""

    kind: str
    ident: str = ""

    def __str__(self) -> str:
        return "" if self.kind == "chain" else f"{self.kind}:{self.ident}"


CHAIN = Scope("chain")


def _folded(text: str) -> str:
    """*text* as a person probably meant it: NFKC, no whitespace, the kind in lower case."""
    text = "".join(unicodedata.normalize("NFKC", text).split())
    kind, colon, ident = text.partition(":")
    return f"{kind.lower()}{colon}{ident}"


def scope_spelling(text: str, field: str = "scope") -> Scope:
    """*text* as a :class:`Scope` if it is spelled exactly as a scope is written (the
    whole chain, ``region:ID``, ``store:ID``; see the module); a :class:`ScopeError`
    naming *field* otherwise. Whether that region or store exists is not asked here."""
    folded = _folded(text)
    if folded != text:
        raise ScopeError(
            field,
            N_("{value} is not how a scope is written: write it as {normal}"),
            value=repr(text),
            normal=repr(folded),
        )
    if text == "":
        return CHAIN
    kind, _, ident = text.partition(":")
    if kind not in SCOPE_KINDS or not ident:
        raise ScopeError(field, N_("{value} is not store:ID or region:ID"), value=repr(text))
    return Scope(kind, ident)


@dataclass(frozen=True)
class Tree:
    """The chain as it is now: each region's parent and each store's region (``None``:
    directly under the chain)."""

    regions: Mapping[str, str | None] = field(default_factory=dict)
    stores: Mapping[str, str | None] = field(default_factory=dict)

    def has(self, scope: Scope) -> bool:
        """Whether *scope* names the chain or a region or store there is."""
        if scope.kind == "chain":
            return True
        return scope.ident in (self.regions if scope.kind == "region" else self.stores)

    def regions_under(self, region_id: str) -> frozenset[str]:
        """*region_id* and every region below it."""
        children: dict[str | None, list[str]] = {}
        for rid, parent in self.regions.items():
            children.setdefault(parent, []).append(rid)
        found, todo = set(), [region_id]
        while todo:
            rid = todo.pop()
            if rid not in found:
                found.add(rid)
                todo.extend(children.get(rid, ()))
        return frozenset(found)

    def path_up(self, region_id: str | None) -> list[str]:
        """*region_id* and the regions above it, up to the chain (a loop ends it)."""
        out: list[str] = []
        while region_id is not None and region_id in self.regions and region_id not in out:
            out.append(region_id)
            region_id = self.regions[region_id]
        return out

    def stores_of(self, scope: Scope) -> frozenset[str]:
        """The ids of the stores of *scope* now (none for a scope that names nothing)."""
        if scope.kind == "chain":
            return frozenset(self.stores)
        if scope.kind == "store":
            return frozenset([scope.ident]) if scope.ident in self.stores else frozenset()
        under = self.regions_under(scope.ident) if scope.ident in self.regions else ()
        return frozenset(s for s, region in self.stores.items() if region in under)

    def within(self, outer: Scope, inner: Scope) -> bool:
        """Whether *inner* lies inside *outer* by the tree (each a scope there is)."""
        if not (self.has(outer) and self.has(inner)):
            return False
        if outer.kind == "chain" or outer == inner:
            return True
        if outer.kind == "store" or inner.kind == "chain":
            return False
        start = inner.ident if inner.kind == "region" else self.stores[inner.ident]
        return outer.ident in self.path_up(start)


def load_tree(session: Session) -> Tree:
    """The chain's :class:`Tree` as the database has it now."""
    return Tree(
        regions=dict(session.execute(select(Region.id, Region.parent_id)).all()),
        stores=dict(session.execute(select(Store.id, Store.region_id)).all()),
    )


def normal_scope(text: str, tree: Tree, field: str = "scope") -> Scope:
    """*text* as a :class:`Scope`, if it is spelled exactly (:func:`scope_spelling`) and
    names the chain or a region or store of *tree*; a :class:`ScopeError` naming *field*
    otherwise."""
    scope = scope_spelling(text, field)
    if not tree.has(scope):
        what = N_("there is no region {id}")
        if scope.kind == "store":
            what = N_("there is no store {id}")
        raise ScopeError(field, what, id=repr(scope.ident))
    return scope


def permits(tree: Tree, role: str, own: Scope | None, wanted: Scope, act: bool = False) -> bool:
    """The one decision: whether a reader with *role* over *own* (``None``: a stored
    scope that names nothing) may see everything of *wanted* (and act on it, if *act*)."""
    if role not in ROLES or not tree.has(wanted):
        return False
    if role == "admin":
        return True
    if (act and role == "analyst") or own is None or not tree.has(own):
        return False
    if own.kind == "chain":  # a manager of the whole chain is a mistake: they see nothing
        return role != "manager"
    return tree.within(own, wanted) and bool(tree.stores_of(wanted))


def read_stored(tree: Tree, text: str) -> Scope | None:
    """A scope as stored (a user's, a token's, a rule's, a report's); ``None`` if it no
    longer names anything HQ has."""
    try:
        return normal_scope(text, tree)
    except ScopeError:
        return None


@dataclass(frozen=True)
class Access:
    """What one user or token may see and do; every question goes to :func:`permits`.
    ``stores`` is what it sees (``None``: every store), for the queries' filters."""

    who: str  # "user:NAME" or "token:NAME"
    role: str
    own: Scope | None
    tree: Tree
    stores: frozenset[str] | None = None

    @property
    def username(self) -> str | None:
        return self.who.removeprefix("user:") if self.who.startswith("user:") else None

    @property
    def scope(self) -> str:
        return str(self.own) if self.own is not None else ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def whole_chain(self) -> bool:
        return self.stores is None

    @property
    def reads_raw(self) -> bool:
        """Whether this reader may export single ratings (not only figures): admins and
        analysts, users or API tokens; never a manager (issue 30)."""
        return self.role in ("admin", "analyst")

    def covers(self, wanted: Scope, act: bool = False) -> bool:
        """Whether this reader sees everything of *wanted* (a report of it holds nothing
        that is not theirs), and may act on it if *act*."""
        return permits(self.tree, self.role, self.own, wanted, act)

    def sees(self, store_id: str | None) -> bool:
        """Whether this reader may see the store *store_id*."""
        return store_id is not None and self.covers(Scope("store", store_id))

    def acts_on(self, store_id: str | None) -> bool:
        """Whether this reader may act on the store (alerts, actions, kiosk message)."""
        return store_id is not None and self.covers(Scope("store", store_id), act=True)

    def edits_topics(self, store_id: str | None) -> bool:
        """Whether this reader may set the topics of the store's comments by hand
        (issue 32): admins and analysts, users or API tokens, of a store they see; never a
        manager, whose store the comments judge."""
        return self.role in ("admin", "analyst") and self.sees(store_id)

    def acts_on_any(self) -> bool:
        """Whether this reader may act on at least one store (a form or route that changes
        stores' data is refused outright otherwise)."""
        return any(self.acts_on(s) for s in self.tree.stores)

    def places(self, region_id: str | None) -> bool:
        """Whether this reader may put a store in *region_id* (``None``: directly under
        the chain), by adding or moving it: an admin anywhere; a manager of a region in
        that region or one under it (even one with no store yet); nobody else."""
        if self.is_admin:
            return True
        if self.role != "manager" or self.own is None or region_id is None:
            return False
        return self.tree.within(self.own, Scope("region", region_id))

    def visible(self, stores: Iterable[Store]) -> list[Store]:
        """The *stores* this reader may see, in their order."""
        return [s for s in stores if self.sees(s.id)]


def access_in(tree: Tree, who: str, role: str, scope: str) -> Access:
    """The :class:`Access` of a user or token over *tree*; a scope that no longer names
    anything sees nothing."""
    own = read_stored(tree, scope)
    if role == "admin" or (role in ROLES and own == CHAIN and role != "manager"):
        return Access(who, role, own, tree, None)
    stores = frozenset(s for s in tree.stores if permits(tree, role, own, Scope("store", s)))
    return Access(who, role, own, tree, stores)


def access_of(session: Session, who: str, role: str, scope: str) -> Access:
    """The :class:`Access` of a user or token, over the tree as it is now."""
    return access_in(load_tree(session), who, role, scope)


def user_access(session: Session, user: User, tree: Tree | None = None) -> Access:
    """The :class:`Access` of the dashboard user *user*."""
    return access_in(tree or load_tree(session), f"user:{user.username}", user.role, user.scope)


def check_scope(session: Session, scope: str, field: str = "scope") -> str:
    """*scope*, if it is exactly the chain or a region or store HQ has (a
    :class:`ScopeError` naming *field* if not)."""
    return str(normal_scope(scope, load_tree(session), field))


def check_role(role: str, scope: str) -> str:
    """*role* if it is one of :data:`ROLES` and fits *scope* (a manager needs a part)."""
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "manager" and not scope:
        raise InputError("a manager needs a scope: region:ID or store:ID")
    if role != "manager" and scope:
        raise InputError(f"an {role} sees the whole chain; give no scope (or make them a manager)")
    return role


def check_token_role(role: str, scope: str) -> str:
    """*role* if it is one of :data:`ROLES` and fits a token's *scope*: an analyst token
    reads the chain or a part of it, a manager token needs a part, an admin token has the
    whole chain."""
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if role == "manager" and not scope:
        raise InputError("a manager token needs a scope: region:ID or store:ID")
    if role == "admin" and scope:
        raise InputError("an admin token has the whole chain; give no scope")
    return role


def regions_under(session: Session, region_id: str) -> set[str]:
    """*region_id* and every region below it."""
    return set(load_tree(session).regions_under(region_id))


def stores_in(session: Session, scope: str) -> frozenset[str] | None:
    """The ids of the stores of the stored *scope*; ``None`` for the whole chain, none
    for a scope that names nothing."""
    tree = load_tree(session)
    parsed = read_stored(tree, scope)
    if parsed == CHAIN:
        return None
    return tree.stores_of(parsed) if parsed is not None else frozenset()


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
