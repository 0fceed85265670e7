"""The dashboard's region level: ``/regions`` (the ranking of the regions) and
``/regions/{id}`` (a region's page), and where each reader lands after logging in.
Figures come from :mod:`hq.insight.regions`; access from :mod:`hq.people.access`."""

from __future__ import annotations

from hq.people.access import Access


def landing(access: Access) -> str:
    """Where *access*'s reader lands after logging in: a region's manager on their region's
    page, a store's manager on their store's, everyone else on the all-stores page."""
    own = access.own
    # A scope that names nothing any more (no stores) lands on the empty front page.
    if access.role == "manager" and own is not None and own.kind != "chain" and access.stores:
        return f"/{own.kind}s/{own.ident}"
    return "/"
