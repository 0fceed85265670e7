"""``/api/v1/alert-rules`` and ``/api/v1/alert-channels``: the twins of the dashboard's
``/alerts/setup`` (:mod:`hq.alerts.setup`), for a chain that keeps its alerts in code.

Reads and writes need an API token (``hymio hq add-token --role admin`` or ``--role manager
--scope ...``): an analyst's token is refused (403), a manager's sees and changes only the
rules and channels of its part, and one outside it is a 404 as if it did not exist. A
refused body is a 400 whose message starts with the field (``scope: …``) and changes
nothing; a body of the wrong shape is a 422 naming the field. A webhook's secret is
written, never read back.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from hq.alerts import setup
from hq.api import errors
from hq.core.errors import ApiError, HQError
from hq.core.mail import MailSettings
from hq.people.access import Access
from hq.tables.alerts import AlertRule, Channel
from hq.web.deps import DB, Now, Reader, WriteLock

router = APIRouter(prefix="/api/v1", tags=["alerts"])
Name = Annotated[str, Path(max_length=64)]
Text = Annotated[str, Field(max_length=200)]


class RuleIn(BaseModel):
    """A rule as written: its kind's parameters by name (the rest keep their defaults)."""

    model_config = ConfigDict(extra="forbid")
    name: Text
    kind: Text = Field(description="unhappy_share, index_below, kiosk_silent, ratings_held, …")
    scope: Text = Field("", description='"" the chain, region:ID or store:ID')
    params: dict[Annotated[str, Field(max_length=64)], float] = Field(
        default_factory=dict, max_length=20
    )
    channels: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=50
    )
    enabled: bool = True
    notify_managers: bool = Field(False, description="also to the managers of the store")


class Rule(RuleIn):
    """A rule as HQ keeps it: every parameter, with its id."""

    id: int
    created_at: str


class ChannelIn(BaseModel):
    """A channel as written; ``secret`` empty keeps a webhook's secret when it is changed."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["email", "webhook", "slack", "teams"]
    target: str = Field(max_length=2000, description="addresses (comma-separated) or the URL")
    secret: str = Field("", max_length=200, description="a webhook's HMAC secret, 16+ chars")
    digest: bool = False
    scope: Text | None = Field(None, description="default: the token's own part")
    language: Literal["fi", "sv", "en"] | None = Field(
        None,
        description="what its messages are written in; default: a new channel the chain's"
        " default language (fi), a changed one its own",
    )


class NewChannel(ChannelIn):
    name: Annotated[str, Field(max_length=64)]


class ChannelOut(BaseModel):
    """A channel as HQ keeps it (its secret not shown)."""

    name: str
    kind: str
    target: str
    digest: bool
    scope: str
    language: str
    has_secret: bool
    created_at: str


class Tested(BaseModel):
    """What a test message did."""

    delivered: bool
    message: str


def _rule(r: AlertRule) -> Rule:
    return Rule(id=r.id, name=r.name, kind=r.kind, scope=r.scope, params=r.params,
                channels=r.channels, enabled=r.enabled, created_at=r.created_at,
                notify_managers=r.notify_managers)  # fmt: skip


def _channel(c: Channel) -> ChannelOut:
    return ChannelOut(
        name=c.name, kind=c.kind, target=c.target, digest=c.digest, scope=c.scope,
        language=c.language, has_secret=bool(c.secret), created_at=c.created_at,
    )  # fmt: skip


def _setter(reader: Access) -> Access:
    if not reader.who.startswith("token:"):
        raise ApiError(401, "token_required", "setting alerts up takes an API token as Bearer")
    if not setup.may_set_up(reader):
        raise ApiError(403, "forbidden", "an analyst's token only reads alerts")
    return reader


def _do(db: DB, lock, change):
    try:
        with lock:
            return change()
    except HQError as e:
        db.rollback()
        if isinstance(e, setup.SetupError) and e.field in ("rule", "name") and "no " in str(e):
            raise ApiError(404, "not_found", str(e)) from None
        raise ApiError(400, "bad_request", str(e)) from None


@router.get("/alert-rules", response_model=list[Rule], responses=errors(401, 403))
def list_rules(db: DB, reader: Reader) -> list[Rule]:
    """The rules this token may change."""
    return [_rule(r) for r in setup.rules_of(db, _setter(reader))]


@router.post("/alert-rules", status_code=201, response_model=Rule,
             responses=errors(400, 401, 403, 422))  # fmt: skip
def new_rule(body: RuleIn, db: DB, now: Now, lock: WriteLock, reader: Reader) -> Rule:
    """Add a rule."""
    access = _setter(reader)
    return _rule(_do(db, lock, lambda: setup.save_rule(db, access, now, **body.model_dump())))


@router.put("/alert-rules/{rule_id}", response_model=Rule,
            responses=errors(400, 401, 403, 404, 422))  # fmt: skip
def change_rule(
    rule_id: int, body: RuleIn, db: DB, now: Now, lock: WriteLock, reader: Reader
) -> Rule:
    """Change a rule (``enabled: false`` turns it off)."""
    access = _setter(reader)
    return _rule(_do(db, lock, lambda: setup.save_rule(
        db, access, now, rule_id=rule_id, **body.model_dump())))  # fmt: skip


@router.get("/alert-channels", response_model=list[ChannelOut], responses=errors(401, 403))
def list_channels(db: DB, reader: Reader) -> list[ChannelOut]:
    """The channels this token may change and use."""
    return [_channel(c) for c in setup.channels_of(db, _setter(reader))]


@router.post("/alert-channels", status_code=201, response_model=ChannelOut,
             responses=errors(400, 401, 403, 422))  # fmt: skip
def new_channel(body: NewChannel, db: DB, now: Now, lock: WriteLock, reader: Reader) -> ChannelOut:
    """Add a channel."""
    access = _setter(reader)
    return _channel(_do(db, lock, lambda: setup.save_channel(db, access, now, **body.model_dump())))


@router.put("/alert-channels/{name}", response_model=ChannelOut,
            responses=errors(400, 401, 403, 404, 422))  # fmt: skip
def change_channel(
    name: Name, body: ChannelIn, db: DB, now: Now, lock: WriteLock, reader: Reader
) -> ChannelOut:
    """Change a channel."""
    access = _setter(reader)
    return _channel(_do(db, lock, lambda: setup.save_channel(
        db, access, now, name=name, new=False, **body.model_dump())))  # fmt: skip


@router.post("/alert-channels/{name}/test", response_model=Tested,
             responses=errors(401, 403, 404))  # fmt: skip
def try_channel(name: Name, db: DB, now: Now, reader: Reader) -> Tested:
    """Send a test message to the channel now, and say what happened."""
    access = _setter(reader)
    if setup.channel_of(db, access, name) is None:
        raise ApiError(404, "not_found", f"name: no channel {name!r}")
    try:
        said = setup.send_test(db, access, name, now, MailSettings.from_env())
    except HQError as e:
        return Tested(delivered=False, message=str(e))
    return Tested(delivered=True, message=said)
