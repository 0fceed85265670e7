"""Who may call the chain's admin API: the answers for those who may not, decided by
:mod:`hq.people.access`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hq.core.errors import ApiError
from hq.fleet.chain.errors import ChainError
from hq.people.access import Access


def admin_only(reader: Access) -> Access:
    """*reader* if an admin (an admin token or an admin's session); else a 403."""
    if not reader.is_admin:
        raise ApiError(403, "admins_only", "only an admin (or an admin token) may do this")
    return reader


def refusal(session: Session, e: ChainError) -> ApiError:
    """The API's answer to a refused change (nothing was changed): its status, a code,
    and the message naming the field."""
    session.rollback()
    codes = {400: "invalid", 403: "not_yours", 404: "not_found", 409: "conflict"}
    return ApiError(e.status, codes.get(e.status, "invalid"), str(e))
