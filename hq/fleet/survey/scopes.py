"""Where a survey is published: the chain (``""``), a region (``region:ID``), a store
(``store:ID``) or a group of kiosks (``group:NAME``, :class:`~hq.tables.models.DeviceGroup`);
who may publish there (:mod:`hq.people.access` decides: admins anywhere, a manager within
their own part of the chain, an analyst nowhere); and the stores or devices it reaches."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import ActionError, HQError
from hq.core.language import N_
from hq.people.access import Access, Scope, ScopeError, load_tree, normal_scope
from hq.tables.models import Device, DeviceGroup

GROUP = "group:"
Target = tuple[str, str]  # (store id, device id or "" for the whole store)


class NotYours(HQError, PermissionError):
    """The reader may not publish to that part of the chain (or change that campaign)."""


def read_scope(session: Session, text: str, field: str = "scope") -> str:
    """*text* if it names the chain, a region, a store or a group of kiosks HQ has; an
    :class:`ActionError` naming *field* otherwise."""
    if not isinstance(text, str):
        raise ActionError(field, N_("{where}: give a scope as text"), where=field)
    if text.startswith(GROUP):
        name = text.removeprefix(GROUP)
        if not session.scalar(select(DeviceGroup.name).where(DeviceGroup.name == name).limit(1)):
            raise ActionError(
                field, N_("{where}: there is no group {name}"), where=field, name=repr(name)
            )
        return text
    try:
        return str(normal_scope(text, load_tree(session), field))
    except ScopeError as e:
        raise ActionError(field, N_("{where}: {problem}"), where=field, problem=str(e)) from None


def targets_of(session: Session, scope: str) -> list[Target]:
    """The stores (a group: the devices) that a publish to *scope* reaches, sorted."""
    if scope.startswith(GROUP):
        rows = session.execute(
            select(Device.store_id, Device.id)
            .join(DeviceGroup, DeviceGroup.device_id == Device.id)
            .where(DeviceGroup.name == scope.removeprefix(GROUP))
        )
        return sorted((store, device) for store, device in rows)
    tree = load_tree(session)
    parsed = normal_scope(scope, tree)
    return sorted((store, "") for store in tree.stores_of(parsed))


def stores_of(targets: list[Target]) -> set[str]:
    return {store for store, _ in targets}


def may_publish(session: Session, access: Access, scope: str) -> bool:
    """Whether *access* may publish to (or schedule on) *scope*: it acts on the whole of
    it (a group: on the store of each of its kiosks)."""
    if scope.startswith(GROUP):
        stores = stores_of(targets_of(session, scope))
        return bool(stores) and all(access.acts_on(s) for s in stores)
    kind, _, ident = scope.partition(":")
    return access.covers(Scope(kind, ident) if scope else Scope("chain"), act=True)


def check_publish(session: Session, access: Access, scope: str) -> list[Target]:
    """The targets of *scope* if *access* may publish there; :class:`NotYours` if not,
    :class:`ActionError` if it reaches no store at all."""
    if not may_publish(session, access, scope):
        raise NotYours(f"{access.who} may not change the survey of {scope or 'the chain'}")
    targets = targets_of(session, scope)
    if not targets:
        raise ActionError("scope", N_("{where}: it has no store yet"), where="scope")
    return targets


def visible_scope(access: Access, scope: str, targets: list[Target]) -> bool:
    """Whether *access* sees what was published to *scope* (it sees each store reached)."""
    return access.whole_chain or (bool(targets) and all(access.sees(s) for s in stores_of(targets)))
