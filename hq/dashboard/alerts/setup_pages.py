"""``/alerts/setup``: an admin's or a manager's alert rules and channels
(:mod:`hq.alerts.setup`), each made and changed with a form, a rule turned off and on,
and **Test this channel**, which sends a test message now and shows what happened.

``?rule=ID`` puts that rule in the form, ``?kind=KIND`` starts a new rule of that kind
(its parameters, each by name, with their defaults), ``?channel=NAME`` puts that channel
in the channel form. An analyst gets a 403 page; a rule or channel outside the reader's
part is a 404 as if it did not exist; a refused change is a 400 page naming the field,
and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from hq.alerts import setup
from hq.alerts.delivery import KINDS as CHANNEL_KINDS
from hq.alerts.kinds import KINDS, LABELS, PARAM_LABELS
from hq.core.errors import HQError
from hq.core.language import N_, NAMES
from hq.core.mail import MailSettings
from hq.dashboard.pages import EXPIRED, Reader, _check_csrf, _page, _to_login, logged_in, speaks
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
SETTERS_ONLY = N_("Only an admin or a manager sets up alerts.")
NOT_HERE = N_("There is no such rule or channel in your part of the chain.")
CHANNEL_NAMES = {"email": N_("E-mail"), "webhook": N_("Webhook (signed JSON)"),
                 "slack": N_("Slack"), "teams": N_("Microsoft Teams (Workflows)")}  # fmt: skip
Csrf = Annotated[str, Form(max_length=100)]
Text = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=2000)]
Names = Annotated[list[str], Form(max_length=100)]


async def params_sent(request: Request) -> dict[str, str]:
    """The rule form's parameters: its fields ``p_NAME`` that are not empty."""
    form = await request.form()
    return {
        k[2:]: v.strip() for k, v in form.items()
        if k.startswith("p_") and isinstance(v, str) and v.strip()
    }  # fmt: skip


Params = Annotated[dict, Depends(params_sent)]


def _show(request: Request, db: DB, user: Reader, status: int = 200, **asked) -> HTMLResponse:
    words = speaks(request, user)
    access = user.access
    rule = setup.rule_of(db, access, asked["rule"]) if asked.get("rule") else None
    kind = rule.kind if rule is not None else asked.get("kind")
    channel = setup.channel_of(db, access, asked.get("channel") or "")
    parts = setup.parts_of(db, access)
    return _page(
        request, "alert_setup.html", user, status,
        rules=setup.rules_of(db, access), channels=setup.channels_of(db, access),
        rule=rule, kind=kind if kind in KINDS else None, channel=channel,
        tested=asked.get("tested"), parts=parts,
        part_names={s: n or words.gettext("The whole chain") for s, n in parts},
        kind_names={k: words.gettext(v) for k, v in LABELS.items()},
        param_names={k: words.gettext(v) for k, v in PARAM_LABELS.items()},
        defaults={k: v.defaults for k, v in KINDS.items()},
        channel_kinds={k: words.gettext(CHANNEL_NAMES[k]) for k in CHANNEL_KINDS},
        language_names=NAMES, chain_language=setup.CHAIN_LANGUAGE,
    )  # fmt: skip


def _refused(request, user, status: int, why: str, field: str | None = None) -> HTMLResponse:
    return _page(request, "problem.html", user, status, why=why, field=field, store=None)


@router.get("/alerts/setup", response_class=HTMLResponse)
def setup_page(
    request: Request, db: DB, now: Now, lock: WriteLock, rule: int | None = None,
    kind: Annotated[str, Query(max_length=64)] = "",
    channel: Annotated[str, Query(max_length=64)] = "",
):  # fmt: skip
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not setup.may_set_up(user.access):
        return _refused(request, user, 403, words.gettext(SETTERS_ONLY))
    missing = (rule is not None and setup.rule_of(db, user.access, rule) is None) or (
        channel and setup.channel_of(db, user.access, channel) is None
    )
    if missing:
        return _refused(request, user, 404, words.gettext(NOT_HERE))
    return _show(request, db, user, rule=rule, kind=kind, channel=channel)


def _change(request: Request, db: DB, now: Now, lock: WriteLock, csrf: str,
            change: Callable[[Reader], object], back: str = "/alerts/setup"):  # fmt: skip
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not setup.may_set_up(user.access):
        return _refused(request, user, 403, words.gettext(SETTERS_ONLY))
    if not _check_csrf(request, csrf):
        return _refused(request, user, 403, words.gettext(EXPIRED))
    try:
        with lock:
            change(user)
    except setup.SetupError as e:
        db.rollback()
        if e.field in ("rule", "name") and "no " in str(e):
            return _refused(request, user, 404, words.gettext(NOT_HERE))
        return _refused(request, user, 400, str(e), e.field)
    except HQError as e:
        db.rollback()
        return _refused(request, user, 400, str(e), str(e).partition(":")[0])
    return RedirectResponse(back, status_code=303)


@router.post("/alerts/rules", response_class=HTMLResponse)
def new_rule(
    request: Request, db: DB, now: Now, lock: WriteLock, params: Params, csrf: Csrf = "",
    name: Text = "", kind: Text = "", scope: Text = "", channels: Names = [],  # noqa: B006
    enabled: Text = "", managers: Text = "",
):  # fmt: skip
    return _change(request, db, now, lock, csrf, lambda u: setup.save_rule(
        db, u.access, now, name=name, kind=kind, scope=scope, params=params,
        channels=channels, enabled=bool(enabled), notify_managers=bool(managers)))  # fmt: skip


@router.post("/alerts/rules/{rule_id}", response_class=HTMLResponse)
def change_rule(
    rule_id: int, request: Request, db: DB, now: Now, lock: WriteLock, params: Params,
    csrf: Csrf = "", name: Text = "", kind: Text = "", scope: Text = "",
    channels: Names = [], enabled: Text = "", managers: Text = "",  # noqa: B006
):  # fmt: skip
    return _change(request, db, now, lock, csrf, lambda u: setup.save_rule(
        db, u.access, now, rule_id=rule_id, name=name, kind=kind, scope=scope, params=params,
        channels=channels, enabled=bool(enabled), notify_managers=bool(managers)))  # fmt: skip


@router.post("/alerts/channels", response_class=HTMLResponse)
def new_channel(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "", name: Text = "",
    kind: Text = "", target: Long = "", secret: Text = "", digest: Text = "", scope: Text = "",
    language: Text = "",
):  # fmt: skip
    return _change(request, db, now, lock, csrf, lambda u: setup.save_channel(
        db, u.access, now, name=name, kind=kind, target=target, secret=secret,
        digest=bool(digest), scope=scope, language=language))  # fmt: skip


@router.post("/alerts/channels/{name}", response_class=HTMLResponse)
def change_channel(
    name: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    kind: Text = "", target: Long = "", secret: Text = "", digest: Text = "", scope: Text = "",
    language: Text = "",
):  # fmt: skip
    return _change(request, db, now, lock, csrf, lambda u: setup.save_channel(
        db, u.access, now, name=name, kind=kind, target=target, secret=secret,
        digest=bool(digest), scope=scope, new=False, language=language))  # fmt: skip


@router.post("/alerts/channels/{name}/test", response_class=HTMLResponse)
def try_channel(name: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""):
    """Send a test message now; the page again, saying what happened."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not setup.may_set_up(user.access):
        return _refused(request, user, 403, words.gettext(SETTERS_ONLY))
    if not _check_csrf(request, csrf):
        return _refused(request, user, 403, words.gettext(EXPIRED))
    if setup.channel_of(db, user.access, name) is None:
        return _refused(request, user, 404, words.gettext(NOT_HERE))
    try:
        said, ok = setup.send_test(db, user.access, name, now, MailSettings.from_env()), True
    except HQError as e:
        said, ok = str(e), False
    return _show(request, db, user, tested={"name": name, "ok": ok, "text": said})
