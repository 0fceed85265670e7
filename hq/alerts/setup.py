"""Setting alerts up, by whoever may (issue 29): an admin over the whole chain, a manager
within their own part of it (their store, or their region and what is under it). The
dashboard's forms, the API (``/api/v1/alert-rules``, ``/api/v1/alert-channels``) and the
command line all call the functions here.

- A **rule** has a kind (:data:`hq.alerts.kinds.KINDS`), its parameters checked by name,
  a scope the setter covers, and channels the setter may use; it is turned off and on by
  saving it with ``enabled``.
- A **channel** belongs to a part of the chain (``scope``): a manager's to their store or
  region, an admin's to any part (``""``, the whole chain). A manager sees and uses only
  the channels of their part; the secret of a webhook is never shown again.
- A channel has a **language** (fi, sv or en; :data:`CHAIN_LANGUAGE` unless told): its
  alerts, digests and test messages are written in it.
- **Test this channel** sends a test message now, in the channel's language, and says what
  happened.

Everything is checked before anything changes; a refusal is a :class:`SetupError` whose
message starts with the field it is about (``scope: …``, ``params: …``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.alerts.delivery import KINDS as CHANNEL_KINDS
from hq.alerts.delivery import send_one
from hq.alerts.kinds import KINDS, check_params
from hq.alerts.targets import TargetRefusedError, WebhookPolicy, guarded, host_and_port
from hq.core.errors import N_, HQError, InputError
from hq.core.language import language
from hq.core.mail import MailSettings
from hq.core.names import check_id, on_one_line, one_line
from hq.people.access import Access, normal_scope, read_stored
from hq.people.admin import _add, check_email
from hq.people.audit import record
from hq.tables.alerts import AlertRule, Channel
from hq.tables.models import Region, Store
from kiosk.settings.survey import LANGUAGES
from kiosk.settings.survey import Survey as KioskSurvey
from kiosk.timekeeping.localtime import to_utc_text

SETTERS = ("admin", "manager")
# The chain's default language: the one its kiosks greet shoppers in unless a survey says
# otherwise; a channel made without a language writes in it.
CHAIN_LANGUAGE: str = KioskSurvey.model_fields["default_language"].default
TEST_TITLE = N_("Hymiö: a test message to the channel {name}")
TEST_TEXT = N_("{who} sent it from HQ at {when}.")
T = TypeVar("T")


class SetupError(InputError):
    """A rule or channel cannot be kept as given; ``field`` names the field."""

    def __init__(self, field: str, text: str):
        super().__init__(f"{field}: {text}")
        self.field = field


def _named(field: str, check: Callable[..., T], *args) -> T:
    """*check(\\*args)*, its refusal named by *field*."""
    try:
        return check(*args)
    except SetupError:
        raise
    except TargetRefusedError as e:
        raise TargetRefusedError(f"{field}: {e}") from None
    except HQError as e:
        raise SetupError(field, str(e)) from None


def may_set_up(access: Access) -> bool:
    """Whether *access* may set alerts up at all (an admin, or a manager with a part)."""
    return access.is_admin or (access.role == "manager" and access.own is not None)


def _setter(access: Access) -> None:
    if not may_set_up(access):
        raise SetupError("role", "an analyst reads alerts; an admin or a manager sets them up")


def owns(access: Access, scope: str) -> bool:
    """Whether *access* may change what belongs to the stored *scope*."""
    if access.is_admin:
        return True
    parsed = read_stored(access.tree, scope)
    return parsed is not None and may_set_up(access) and access.covers(parsed, act=True)


def part(access: Access, scope: str, field: str = "scope") -> str:
    """*scope* if it is spelled right, names a part HQ has and lies within *access*'s."""
    parsed = normal_scope(scope, access.tree, field)
    if not access.covers(parsed, act=True):
        raise SetupError(field, f"{scope or 'the whole chain'!s} is outside your part of the chain")
    return str(parsed)


def rules_of(session: Session, access: Access) -> list[AlertRule]:
    """The rules *access* may change, oldest first."""
    rules = session.scalars(select(AlertRule).order_by(AlertRule.id))
    return [r for r in rules if owns(access, r.scope)]


def rule_of(session: Session, access: Access, rule_id: int) -> AlertRule | None:
    """The rule *rule_id* if *access* may change it (an id no INTEGER holds is none)."""
    rule = session.get(AlertRule, rule_id) if 0 < rule_id < 2**31 else None
    return rule if rule is not None and owns(access, rule.scope) else None


def channels_of(session: Session, access: Access) -> list[Channel]:
    """The channels *access* may change and use, by name."""
    channels = session.scalars(select(Channel).order_by(Channel.name))
    return [c for c in channels if owns(access, c.scope)]


def channel_of(session: Session, access: Access, name: str) -> Channel | None:
    """The channel *name* if *access* may change and use it."""
    channel = session.get(Channel, name) if isinstance(name, str) and name else None
    return channel if channel is not None and owns(access, channel.scope) else None


def save_rule(
    session: Session, access: Access, now: datetime, *, rule_id: int | None = None,
    name: str, kind: str, scope: str, params: dict, channels: list[str], enabled: bool = True,
    notify_managers: bool = False,
) -> AlertRule:  # fmt: skip
    """A new rule (*rule_id* ``None``) or the rule *rule_id* changed; committed. With
    *notify_managers* it also goes to the managers of the store, each by e-mail."""
    _setter(access)
    rule = None
    if rule_id is not None and (rule := rule_of(session, access, rule_id)) is None:
        raise SetupError("rule", f"no alert rule {rule_id}")
    name = _named("name", one_line, "alert rule name", name)
    if kind not in KINDS:
        raise SetupError("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    checked = _named("params", check_params, kind, dict(params))
    scope = part(access, scope)
    mine = {c.name for c in channels_of(session, access)}
    for c in channels:
        if c not in mine:
            raise SetupError("channels", f"no channel {c!r}; add it first")
    values = {"name": name, "kind": kind, "scope": scope, "params": checked,
              "channels": list(dict.fromkeys(channels)), "enabled": bool(enabled),
              "notify_managers": bool(notify_managers)}  # fmt: skip
    if rule is None:
        rule = AlertRule(**values, created_at=to_utc_text(now))
        session.add(rule)
    else:
        for key, value in values.items():
            setattr(rule, key, value)
    session.flush()
    record(session, access.who, "change" if rule_id else "add", "alert-rule", str(rule.id),
           values, now)  # fmt: skip
    session.commit()
    return rule


def _target(kind: str, target: str) -> str:
    target = target.strip()
    if kind == "email":
        addresses = [a.strip() for a in target.split(",") if a.strip()]
        if not addresses:
            raise HQError("an e-mail channel needs address(es), comma-separated")
        return ", ".join(check_email(a) for a in addresses)
    if len(target) > 2000 or not on_one_line(target) or " " in target:
        raise TargetRefusedError(f"webhook URL {target!r} is not an http:// or https:// URL")
    host_and_port(target)
    return target


def save_channel(
    session: Session, access: Access, now: datetime, *, name: str, kind: str, target: str,
    secret: str = "", digest: bool = False, scope: str | None = None, new: bool = True,
    policy: WebhookPolicy | None = None, language: str | None = None,
) -> Channel:  # fmt: skip
    """A new channel *name* (*new*) or the channel *name* changed; committed. A webhook
    keeps its secret when *secret* is empty. *scope* ``None``: the setter's own part;
    *language* ``None`` (or empty): a new channel's is :data:`CHAIN_LANGUAGE`, a changed
    one keeps its own."""
    _setter(access)
    channel = None
    if new:
        _named("name", check_id, "channel name", name)
        if session.get(Channel, name) is not None:
            raise SetupError("name", f"a channel {name!r} already exists")
    elif (channel := channel_of(session, access, name)) is None:
        raise SetupError("name", f"no channel {name!r}")
    if kind not in CHANNEL_KINDS:
        raise SetupError("kind", f"{kind!r} is not one of {', '.join(CHANNEL_KINDS)}")
    target = _named("target", _target, kind, target)
    kept = channel.secret if channel is not None and channel.kind == "webhook" else ""
    secret = secret or kept
    if kind == "webhook" and len(secret) < 16:
        raise SetupError("secret", "a webhook needs a secret of at least 16 characters")
    if len(secret) > 200 or not on_one_line(secret):
        raise SetupError("secret", "write at most 200 characters on one line")
    if kind != "email":  # where it posts: checked again at every delivery
        policy = policy or WebhookPolicy.from_env()
        _named("target", policy.addresses, *host_and_port(target), False)
    if language and language not in LANGUAGES:
        raise SetupError("language", f"{language!r} is not one of {', '.join(LANGUAGES)}")
    kept_language = channel.language if channel is not None else CHAIN_LANGUAGE
    scope = part(access, access.scope if scope is None else scope)
    values = {"kind": kind, "target": target, "secret": secret if kind == "webhook" else "",
              "digest": bool(digest), "scope": scope,
              "language": language or kept_language or CHAIN_LANGUAGE}  # fmt: skip
    shown = {k: v for k, v in values.items() if k != "secret"}  # a secret is never logged
    record(session, access.who, "add" if channel is None else "change", "alert-channel", name,
           shown, now)  # fmt: skip
    if channel is None:
        channel = Channel(name=name, created_at=to_utc_text(now), **values)
        _add(session, channel, f"channel {name!r}")
    else:
        for key, value in values.items():
            setattr(channel, key, value)
        session.commit()
    return channel


def send_test(
    session: Session, access: Access, name: str, now: datetime, mail: MailSettings | None,
    http: requests.Session | None = None, policy: WebhookPolicy | None = None,
) -> str:  # fmt: skip
    """Send a test message to the channel *name* now, in the channel's language; what
    happened, in a line (an :class:`HQError` saying why it was not delivered)."""
    _setter(access)
    channel = channel_of(session, access, name)
    if channel is None:
        raise SetupError("name", f"no channel {name!r}")
    policy = policy or WebhookPolicy.from_env()
    http = guarded(http or requests.Session(), policy)
    words = language(channel.language if channel.language in LANGUAGES else CHAIN_LANGUAGE)
    who = access.username or access.who
    m = {"test": True, "title": words.translate(TEST_TITLE, name=channel.name),
         "text": words.translate(TEST_TEXT, who=who, when=to_utc_text(now)),
         "link": "/alerts/setup", "channel": channel.name}  # fmt: skip
    send_one(channel, f"test:{channel.name}:{to_utc_text(now)}", m, mail, http, policy)
    return f"sent to {channel.target}" if channel.kind == "email" else "the receiver took it"


def parts_of(session: Session, access: Access) -> list[tuple[str, str]]:
    """The parts of the chain *access* may set alerts up for: (scope, its name), the
    widest first."""
    out = [("", "")] if access.is_admin else []
    regions = session.execute(select(Region.id, Region.name).order_by(Region.name, Region.id))
    stores = session.execute(select(Store.id, Store.name).order_by(Store.name, Store.id))
    for kind, rows in (("region", regions.all()), ("store", stores.all())):
        for ident, label in rows:
            if owns(access, f"{kind}:{ident}"):
                out.append((f"{kind}:{ident}", label))
    return out


def seen_parts(session: Session, access: Access) -> list[tuple[str, str]]:
    """The parts of the chain *access* sees (to subscribe to): (scope, its name), the
    widest first; "" (the whole chain) only for a whole-chain reader."""
    out = [("", "")] if access.whole_chain else []
    regions = session.execute(select(Region.id, Region.name).order_by(Region.name, Region.id))
    stores = session.execute(select(Store.id, Store.name).order_by(Store.name, Store.id))
    for kind, rows in (("region", regions.all()), ("store", stores.all())):
        for ident, label in rows:
            parsed = read_stored(access.tree, f"{kind}:{ident}")
            if parsed is not None and access.covers(parsed):
                out.append((f"{kind}:{ident}", label))
    return out
