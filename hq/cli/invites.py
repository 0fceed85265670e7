"""``hymio hq invite``, ``send-invite``, ``send-reset``, ``deactivate``, ``reactivate``,
``require-totp`` and ``reset-totp``: the twins of the admin page's invite, reset link,
deactivation and second factor (:mod:`hq.people.auth`). The mail goes
through ``HYMIO_SMTP_*`` and its link points at ``HYMIO_HQ_URL``, both needed here."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from hq.cli.people import _session, add_role_options


def add_commands(command) -> None:
    """Add the commands with *command* (``name, help, run`` → a subparser)."""
    p = command("invite", "add a user who sets their password from a mailed link", _invite)
    p.add_argument("--username", required=True, help="login name")
    add_role_options(p, default="analyst")
    p.add_argument("--language", default="", help="fi, sv or en: their pages and the mail")
    p = command("send-invite", "mail a user a fresh invite link (the old ones die)", _resend)
    p.add_argument("--username", required=True, help="login name")
    p = command("send-reset", "mail a user a link that sets a new password", _reset)
    p.add_argument("--username", required=True, help="login name")
    p = command("deactivate", "stop a user logging in (kept); their sessions end", _deactivate)
    p.add_argument("--username", required=True, help="login name")
    p = command("reactivate", "let a deactivated user log in again", _reactivate)
    p.add_argument("--username", required=True, help="login name")
    p = command("require-totp", "require a second factor (TOTP) of a user", _require)
    p.add_argument("--username", required=True, help="login name")
    p.add_argument("--off", action="store_true", help="stop requiring it")
    p = command("reset-totp", "forget a user's second factor (a lost phone)", _reset_totp)
    p.add_argument("--username", required=True, help="login name")


def _ready():
    """HQ's SMTP settings, checked before anything changes (no server or no HYMIO_HQ_URL:
    an :class:`HQError` saying which)."""
    from hq.core.errors import HQError
    from hq.core.mail import MailSettings
    from hq.people.auth.letters import NO_MAIL, hq_url

    settings = MailSettings.from_env()
    if settings is None:
        raise HQError(NO_MAIL)
    if not hq_url():
        raise HQError("HYMIO_HQ_URL is not set, so a mailed link cannot say where HQ is")
    return settings


def _mail(settings, letter) -> None:
    from hq.people.auth.letters import deliver, hq_url

    deliver(settings, letter, hq_url())


def _invite(args: argparse.Namespace) -> int:
    from hq.people.auth.links import invite

    settings = _ready()
    with _session(args) as session:
        letter = invite(
            session, args.username, args.email or "", datetime.now(UTC),
            args.role, args.scope, args.language,
        )  # fmt: skip
    _mail(settings, letter)
    print(f"invited {args.username}: the link went to {letter.address}")
    return 0


def _resend(args: argparse.Namespace) -> int:
    from hq.people.auth.links import resend_invite

    settings = _ready()
    with _session(args) as session:
        letter = resend_invite(session, args.username, datetime.now(UTC))
    _mail(settings, letter)
    print(f"a new invite link went to {letter.address}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    from hq.people.auth.links import admin_reset

    settings = _ready()
    with _session(args) as session:
        letter = admin_reset(session, args.username, datetime.now(UTC))
    _mail(settings, letter)
    print(f"a reset link went to {letter.address}")
    return 0


def _deactivate(args: argparse.Namespace) -> int:
    from hq.people.auth.status import deactivate

    with _session(args) as session:
        ended = deactivate(session, args.username, datetime.now(UTC))
    print(f"deactivated {args.username}; {ended} session(s) ended")
    return 0


def _reactivate(args: argparse.Namespace) -> int:
    from hq.people.auth.status import reactivate

    with _session(args) as session:
        reactivate(session, args.username)
    print(f"{args.username} may log in again")
    return 0


def _require(args: argparse.Namespace) -> int:
    from hq.people.auth.totp import require

    with _session(args) as session:
        require(session, args.username, not args.off)
    print(f"a second factor is {'no longer ' if args.off else ''}required of {args.username}")
    return 0


def _reset_totp(args: argparse.Namespace) -> int:
    from hq.people.auth.totp import reset

    with _session(args) as session:
        reset(session, args.username)
    print(f"the second factor of {args.username} is reset")
    return 0
