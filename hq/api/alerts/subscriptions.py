"""``/api/v1/users/{username}/subscriptions``: a person's alerts by e-mail (``GET``, ``POST``,
``DELETE …/{id}``), the twins of *Your alerts by e-mail* on ``/alerts``, through the same
functions (:mod:`hq.alerts.subscriptions`), kept in code by an admin's API token.

Each subscription is checked as the page checks it, against the person's own part of
the chain: a store manager subscribes to their stores only, an analyst to what they
see; a person without an e-mail address is refused (``email: …``). A refused body is a
400 whose message starts with the field; an unknown person or subscription a 404.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from hq.alerts import subscriptions as subs
from hq.api import errors
from hq.core.errors import ApiError, HQError
from hq.people.access import Access, user_access
from hq.tables.alerts import Subscription
from hq.tables.people import User
from hq.web.deps import DB, AdminToken, Now, WriteLock

router = APIRouter(prefix="/api/v1", tags=["alerts"])
Username = Annotated[str, Path(max_length=64)]
SubscriptionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class SubscriptionIn(BaseModel):
    """What the person hears of: a kind ("" every kind) in a part of the chain they see."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field("", max_length=32, description='unhappy_share, index_below, …; "" all')
    scope: str = Field("", max_length=80, description='"" the chain, region:ID or store:ID')
    mode: Literal["now", "digest"] = Field("now", description="each alert, or a daily digest")


class SubscriptionOut(SubscriptionIn):
    id: int
    username: str
    created_at: str


def _out(s: Subscription) -> SubscriptionOut:
    return SubscriptionOut(id=s.id, username=s.username, kind=s.kind, scope=s.scope,
                           mode=s.mode, created_at=s.created_at)  # fmt: skip


def _person(db: DB, username: str) -> Access:
    user = db.get(User, username) if username else None
    if user is None or user.deactivated_at:
        raise ApiError(404, "not_found", f"no user {username!r}")
    return user_access(db, user)


@router.get("/users/{username}/subscriptions", response_model=list[SubscriptionOut],
            responses=errors(401, 403, 404))  # fmt: skip
def list_subscriptions(username: Username, db: DB, by: AdminToken) -> list[SubscriptionOut]:
    """The person's subscriptions."""
    person = _person(db, username)
    return [_out(s) for s in subs.subscriptions_of(db, person.username)]


@router.post("/users/{username}/subscriptions", status_code=201, response_model=SubscriptionOut,
             responses=errors(400, 401, 403, 404, 422))  # fmt: skip
def new_subscription(
    username: Username, body: SubscriptionIn, db: DB, now: Now, lock: WriteLock, by: AdminToken
) -> SubscriptionOut:
    """Subscribe the person (a second one to the same kind and part changes its mode)."""
    person = _person(db, username)
    try:
        with lock:
            made = subs.subscribe(db, person, body.kind, body.scope, body.mode, now)
    except HQError as e:
        db.rollback()
        raise ApiError(400, "bad_request", str(e)) from None
    return _out(made)


@router.delete("/users/{username}/subscriptions/{subscription_id}", status_code=204,
               responses=errors(401, 403, 404, 422))  # fmt: skip
def remove_subscription(
    username: Username, subscription_id: SubscriptionId, db: DB, lock: WriteLock, by: AdminToken
) -> None:
    """The person no longer hears of these alerts."""
    person = _person(db, username)
    try:
        with lock:
            subs.unsubscribe(db, person, subscription_id)
    except HQError as e:
        db.rollback()
        raise ApiError(404, "not_found", str(e)) from None
