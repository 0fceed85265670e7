"""The one decision (:func:`hq.people.access.permits`) against a plain model of the rule written
here, over random trees of regions and stores, roles, own scopes and wanted scopes; and
the one reading of a scope (:func:`hq.people.access.scope_spelling`) against random text: what it
accepts is spelled exactly as it is kept (issue 27, finding 1)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hq.people.access import (
    CHAIN,
    ROLES,
    Scope,
    ScopeError,
    Tree,
    access_in,
    normal_scope,
    permits,
    scope_spelling,
)

IDS = ["a", "b", "c", "d", "e", "f"]


@st.composite
def trees(draw) -> tuple[dict, dict]:
    """Regions (each under the chain or an earlier one: no loops) and stores in them."""
    regions: dict[str, str | None] = {}
    for rid in draw(st.lists(st.sampled_from(IDS), unique=True, max_size=5)):
        regions[rid] = draw(st.sampled_from([None, *regions]))
    stores = {
        f"s{i}": draw(st.sampled_from([None, *regions])) for i in range(draw(st.integers(0, 6)))
    }
    return regions, stores


def scopes(regions: dict, stores: dict):
    """A scope of the tree, or one that names nothing there."""
    return st.one_of(
        st.just(CHAIN),
        st.builds(Scope, st.just("region"), st.sampled_from([*regions, "zz"])),
        st.builds(Scope, st.just("store"), st.sampled_from([*stores, "s99"])),
    )


# The model: the rule as a person would state it, over plain dicts.


def ancestors(regions: dict, region: str | None) -> list[str]:
    out = []
    while region is not None:
        out.append(region)
        region = regions[region]
    return out


def model_exists(regions: dict, stores: dict, scope: Scope) -> bool:
    return scope.kind == "chain" or scope.ident in (regions if scope.kind == "region" else stores)


def model_stores(regions: dict, stores: dict, scope: Scope) -> set[str]:
    if scope.kind == "chain":
        return set(stores)
    if scope.kind == "store":
        return {scope.ident} & set(stores)
    return {s for s, r in stores.items() if scope.ident in ancestors(regions, r)}


def model(regions, stores, role, own, wanted, act) -> bool:
    if role not in ROLES or not model_exists(regions, stores, wanted):
        return False
    if role == "admin":
        return True
    if own is None or not model_exists(regions, stores, own):
        return False
    if act and role == "analyst":
        return False
    if own.kind == "chain":
        return role != "manager"
    if wanted.kind == "chain":
        return False
    if own.kind == "store":
        inside = wanted == own
    elif wanted.kind == "region":
        inside = own.ident in ancestors(regions, wanted.ident)
    else:
        inside = own.ident in ancestors(regions, stores[wanted.ident])
    mine = model_stores(regions, stores, own)
    theirs = model_stores(regions, stores, wanted)
    return inside and bool(theirs) and theirs <= mine


@settings(max_examples=1000, deadline=None)
@given(data=st.data())
def test_the_decision_is_the_rule(data):
    regions, stores = data.draw(trees())
    role = data.draw(st.sampled_from([*ROLES, "boss"]))
    own = data.draw(st.one_of(st.none(), scopes(regions, stores)))
    wanted = data.draw(scopes(regions, stores))
    act = data.draw(st.booleans())
    tree = Tree(regions, stores)
    assert permits(tree, role, own, wanted, act) == model(regions, stores, role, own, wanted, act)


@settings(max_examples=1000, deadline=None)
@given(data=st.data())
def test_a_readers_stores_are_those_the_decision_lets_them_see(data):
    regions, stores = data.draw(trees())
    role = data.draw(st.sampled_from([*ROLES, "boss"]))
    own = data.draw(scopes(regions, stores))
    access = access_in(Tree(regions, stores), "user:x", role, str(own))
    seen = {s for s in stores if model(regions, stores, role, own, Scope("store", s), False)}
    if access.whole_chain:
        assert seen == set(stores) and model(regions, stores, role, own, CHAIN, False)
    else:
        assert access.stores == seen
    for s in [*stores, "s99"]:
        assert access.sees(s) == (s in seen)
        assert access.acts_on(s) == model(regions, stores, role, own, Scope("store", s), True)


SPELLING = st.text(
    alphabet=st.sampled_from(
        [*"storegin:/ab1S", " ", "\u00a0", "\t", "\n", "\u200b", "\uff53", "\u0455", "R"]
    ),
    max_size=14,
)


@settings(max_examples=1000, deadline=None)
@given(text=st.one_of(SPELLING, st.text(max_size=14)))
def test_a_scope_is_accepted_only_as_it_is_kept(text):
    try:
        scope = scope_spelling(text)
    except ScopeError as e:
        assert e.field == "scope"
        return
    assert str(scope) == text  # nothing else is ever stored or checked
    assert not any(c.isspace() or c == "\u200b" for c in text)
    assert text == "" or text.split(":")[0] in ("store", "region")


@settings(max_examples=1000, deadline=None)
@given(
    kind=st.sampled_from(["store", "region"]),
    ident=st.sampled_from(["a", "s1"]),
    before=st.text(alphabet=" \u00a0\t\u3000", max_size=2),
    after=st.text(alphabet=" \u00a0\t\u3000/", max_size=2),
    upper=st.booleans(),
)
def test_every_other_spelling_of_a_known_scope_is_refused(kind, ident, before, after, upper):
    tree = Tree({"a": None}, {"s1": "a"})
    exact = f"{kind}:{ident}"
    spelled = before + (kind.upper() if upper else kind) + ":" + ident + after
    try:
        scope = normal_scope(spelled, tree)
    except ScopeError:
        assert spelled != exact or not tree.has(Scope(kind, ident))
    else:
        assert spelled == exact and str(scope) == exact


def test_the_model_can_tell_a_manager_apart_so_the_properties_above_can_fail():
    regions, stores = {"south": None, "west": None}, {"s1": "south", "w1": "west"}
    tree = Tree(regions, stores)
    one, west = Scope("store", "w1"), Scope("region", "west")
    assert not permits(tree, "manager", one, west)  # the only store, not the region
    assert not model(regions, stores, "manager", one, west, False)
    assert permits(tree, "manager", west, one, act=True)
    assert not permits(tree, "manager", Scope("region", "south"), Scope("region", "nope"))
