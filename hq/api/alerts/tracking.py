"""``/api/v1/alerts``: the alerts the reader sees (``GET``), one with its history, and its
owner, due day and status set (``PUT /api/v1/alerts/{id}/tracking``): the twins of the
alert pages (:mod:`hq.dashboard.alerts.pages`), through the same functions
(:mod:`hq.alerts.manage`).

Reads take a token or a session, and show only the alerts of the reader's stores (one
outside them is a 404, as if it did not exist). Setting the status takes an API token of
someone who acts on the store: an admin's, or a manager's within its part (an analyst's
is a 403). A refused body is a 400 whose message starts with the field (``owner: …``)
and changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from hq.alerts import manage
from hq.api import errors
from hq.core.errors import ApiError, HQError
from hq.people.access import Access
from hq.tables.alerts import Alert
from hq.web.deps import DB, Now, Reader, WriteLock

router = APIRouter(prefix="/api/v1", tags=["alerts"])
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]
STATUS_OF = {state: status for status, state in manage.STATUSES.items()}


class Event(BaseModel):
    """One line of an alert's history."""

    at: str
    who: str
    kind: str = Field(description="acknowledged, comment, owner, due, reopened, closed")
    text: str


class AlertOut(BaseModel):
    """An alert as the reader sees it."""

    id: int
    rule_id: int
    store_id: str
    device_id: str
    title: str
    status: str = Field(description="open, in progress or resolved")
    owner: str = Field(description='the user who acts on it; "" nobody yet')
    due: str = Field(description='the day it is due, YYYY-MM-DD; "" none')
    opened_at: str
    updated_at: str
    closed_at: str | None


class OneAlert(AlertOut):
    """An alert and its history, oldest first."""

    history: list[Event]


class Tracking(BaseModel):
    """An alert's owner, due day and status, set together (as the alert page's form)."""

    model_config = ConfigDict(extra="forbid")
    owner: str = Field("", max_length=64, description='a user who acts on the store; ""')
    due: str = Field("", max_length=10, description='YYYY-MM-DD, or ""')
    status: Literal["open", "in progress", "resolved"]


def _out(a: Alert) -> dict:
    return {"id": a.id, "rule_id": a.rule_id, "store_id": a.store_id, "device_id": a.device_id,
            "title": a.title, "status": STATUS_OF.get(a.state, a.state), "owner": a.owner,
            "due": a.due, "opened_at": a.opened_at, "updated_at": a.updated_at,
            "closed_at": a.closed_at}  # fmt: skip


def _one(db: DB, reader: Access, alert_id: int) -> OneAlert:
    alert = manage.alert_for(db, reader, alert_id)
    if alert is None:
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    events = [Event(at=e.at, who=e.who, kind=e.kind, text=e.text)
              for e in manage.history(db, alert_id)]  # fmt: skip
    return OneAlert(**_out(alert), history=events)


@router.get("/alerts", response_model=list[AlertOut], responses=errors(401, 422))
def list_alerts(
    db: DB, reader: Reader,
    status: Annotated[Literal["open", "all"], Query(description="open: not resolved")] = "open",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AlertOut]:  # fmt: skip
    """The alerts of the reader's stores, newest first."""
    query = select(Alert).order_by(Alert.id.desc())
    if status == "open":
        query = query.where(Alert.state != "closed")
    if reader.stores is not None:
        query = query.where(Alert.store_id.in_(sorted(reader.stores)))
    return [AlertOut(**_out(a)) for a in db.scalars(query.limit(limit))]


@router.get("/alerts/{alert_id}", response_model=OneAlert, responses=errors(401, 404, 422))
def one_alert(alert_id: AlertId, db: DB, reader: Reader) -> OneAlert:
    """One alert of the reader's stores, with its history."""
    return _one(db, reader, alert_id)


@router.put("/alerts/{alert_id}/tracking", response_model=OneAlert,
            responses=errors(400, 401, 403, 404, 422))  # fmt: skip
def track_alert(
    alert_id: AlertId, body: Tracking, db: DB, now: Now, lock: WriteLock, reader: Reader
) -> OneAlert:
    """Set the alert's owner, due day and status; each change goes into its history."""
    if not reader.who.startswith("token:"):
        raise ApiError(401, "token_required", "acting on an alert takes an API token as Bearer")
    alert = manage.alert_for(db, reader, alert_id)
    if alert is None:
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    if not reader.acts_on(alert.store_id):
        raise ApiError(403, "forbidden", "an analyst's token reads alerts; it does not act")
    try:
        with lock:
            manage.track(db, reader, alert_id, now, body.owner, body.due, body.status)
    except HQError as e:
        db.rollback()
        field = getattr(e, "field", "")
        raise ApiError(400, "bad_request", f"{field}: {e}" if field else str(e)) from None
    return _one(db, reader, alert_id)
