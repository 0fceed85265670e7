"""``hymio hq worker``, ``add-channel``, ``add-alert-rule``, ``enable-alert-rule`` and
``alerts``: HQ's alerts from the command line, added to ``hymio hq`` by :mod:`hq.cli.commands`."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from hq import default_url


def add_commands(command) -> None:
    """Add the alert commands with *command* (``name, help, run`` → a subparser)."""
    p = command("worker", "evaluate alert rules, deliver alerts, send reports", _worker)
    p.add_argument("--once", action="store_true", help="one round of every job, then exit")
    p = command("add-channel", "add where alerts go: e-mail, a webhook, Slack, Teams", _channel)
    p.add_argument("--name", required=True, help="the channel's name, for rules")
    p.add_argument("--kind", required=True, choices=("email", "webhook", "slack", "teams"))
    p.add_argument("--to", required=True, help="e-mail addresses (comma-separated) or the URL")
    p.add_argument("--secret", default="", help="a webhook's HMAC secret (16+ characters)")
    p.add_argument("--digest", action="store_true", help="one message a day, not each alert")
    p.add_argument(
        "--language", choices=("fi", "sv", "en"), default=None,
        help="what its messages are written in (default: the chain's default language, fi)",
    )  # fmt: skip
    p = command("add-alert-rule", "add an alert rule over a part of the chain", _rule)
    p.add_argument("--name", required=True, help="what people see the rule as")
    p.add_argument("--kind", required=True, help="unhappy_share, index_below, kiosk_silent, …")
    p.add_argument("--scope", default="", help="region:ID or store:ID (default: the chain)")
    p.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="e.g. min_n=30"
    )
    p.add_argument("--channel", action="append", default=[], help="a channel (repeat it)")
    p = command("enable-alert-rule", "turn a rule on or off", _enable)
    p.add_argument("--id", required=True, type=int, help="the rule's id")
    p.add_argument("--off", action="store_true", help="turn it off")
    p = command("alerts", "list the open alerts (--all: every one) as JSON lines", _alerts)
    p.add_argument("--all", action="store_true", help="closed ones too")


def _url(args: argparse.Namespace) -> str:
    return args.database or default_url()


def _session(args: argparse.Namespace):
    from hq.tables.database import open_database

    return open_database(_url(args))[1]()


def _worker(args: argparse.Namespace) -> int:
    from hq.core.mail import MailSettings
    from hq.server.worker import Worker, extra_jobs, serve

    mail = MailSettings.from_env()
    if not args.once:
        return serve(_url(args), mail)
    from hq.tables.database import open_database, writer_lock

    engine, sessions = open_database(_url(args))
    worker = Worker(sessions, mail, lock=writer_lock(engine), extra=extra_jobs())
    opened, delivered = worker.run_once()
    print(f"{opened} alert(s) opened, {delivered} message(s) delivered")
    return 0


def _channel(args: argparse.Namespace) -> int:
    from hq.alerts.manage import add_channel

    with _session(args) as session:
        add_channel(session, args.name, args.kind, args.to, datetime.now(UTC), args.secret,
                    args.digest, language=args.language)  # fmt: skip
    print(f"added {args.kind} channel {args.name}" + (" (daily digest)" if args.digest else ""))
    return 0


def _rule(args: argparse.Namespace) -> int:
    from hq.alerts.manage import add_rule
    from hq.core.errors import HQError

    params = {}
    for given in args.param:
        name, sep, value = given.partition("=")
        if not sep:
            raise HQError(f"--param {given!r}: write NAME=VALUE")
        params[name.strip()] = value.strip()
    with _session(args) as session:
        rule = add_rule(session, args.name, args.kind, args.scope, params, args.channel,
                        datetime.now(UTC))  # fmt: skip
    print(f"added alert rule {rule.id}: {rule.kind} over {rule.scope or 'the chain'}")
    return 0


def _enable(args: argparse.Namespace) -> int:
    from hq.alerts.manage import set_rule_enabled

    with _session(args) as session:
        set_rule_enabled(session, args.id, not args.off)
    print(f"alert rule {args.id} is {'off' if args.off else 'on'}")
    return 0


def _alerts(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from hq.tables.alerts import Alert

    with _session(args) as session:
        query = select(Alert).order_by(Alert.opened_at)
        if not args.all:
            query = query.where(Alert.state != "closed")
        for a in session.scalars(query):
            print(json.dumps({"id": a.id, "state": a.state, "store_id": a.store_id,
                              "device_id": a.device_id, "title": a.title,
                              "opened_at": a.opened_at, "closed_at": a.closed_at}))  # fmt: skip
    return 0
