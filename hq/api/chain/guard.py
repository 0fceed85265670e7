"""Who may call the chain's admin API: the answers for those who may not, decided by
:mod:`hq.people.access`."""

from __future__ import annotations

from hq.core.errors import ApiError
from hq.people.access import Access


def admin_only(reader: Access) -> Access:
    """*reader* if an admin (an admin token or an admin's session); else a 403."""
    if not reader.is_admin:
        raise ApiError(403, "admins_only", "only an admin (or an admin token) may do this")
    return reader
