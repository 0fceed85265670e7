"""``hymio hq add-report``, ``reports``, ``remove-report``, ``send-reports`` and
``preview-report``: scheduled reports from the command line, added to ``hymio hq`` by
:mod:`hq.cli.commands`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from hq import default_url

KINDS = ("daily", "weekly", "monthly")  # hq.insight.scheduled.periods.KINDS, without importing it
LANGUAGES = ("fi", "sv", "en")
OPTIONS = {"recipients": "--to", "id": "--id"}  # the option of each field a ReportError names
USAGE = 2


def add_commands(command) -> None:
    """Add the report commands with *command* (``name, help, run`` → a subparser)."""
    p = command("add-report", "e-mail a store's or a region's report every period", _add)
    p.add_argument("--scope", required=True, help="store:ID or region:ID")
    p.add_argument("--period", required=True, help="daily, weekly (Monday–Sunday) or monthly")
    p.add_argument("--language", default="en", help="fi, sv or en (default en)")
    p.add_argument(
        "--to",
        action="append",
        default=[],
        metavar="USER_OR_ADDRESS",
        help="a username (their e-mail at sending time) or an e-mail address; repeat it",
    )
    p.add_argument(
        "--by",
        default=None,
        metavar="USER",
        help="the user it is made for: its scope must be all theirs to see, now and at every"
        " send (default: no user; the report is the command line's, which sees the chain)",
    )
    command("reports", "list the scheduled reports", _list)
    p = command("remove-report", "stop a scheduled report", _remove)
    p.add_argument("--id", required=True, type=int, help="its id, from hymio hq reports")
    p = command("send-reports", "send every report whose period has finished, once", _send)
    p.add_argument(
        "--min-cell", type=int, default=5, help="fewest ratings an hour needs to show a figure"
    )
    p = command("preview-report", "write the last finished period's report to files", _preview)
    p.add_argument("--scope", required=True, help="store:ID or region:ID")
    p.add_argument("--period", default="weekly", help="daily, weekly or monthly (default weekly)")
    p.add_argument("--language", default="en", help="fi, sv or en (default en)")
    p.add_argument("--out", required=True, type=Path, help="folder for report.html, .txt, .pdf")


def _now() -> datetime:
    return datetime.now(UTC)


def _sessions(args: argparse.Namespace):
    from hq.tables.database import open_database

    return open_database(args.database or default_url())[1]


def _refused(e) -> int:
    option = OPTIONS.get(e.field, f"--{e.field}")
    print(f"hymio: {option}: {str(e).partition(': ')[2]}; nothing was changed", file=sys.stderr)
    return USAGE


def _add(args: argparse.Namespace) -> int:
    from hq.insight.scheduled.subscriptions import ReportError, add_subscription, next_period

    with _sessions(args)() as session:
        try:
            row = add_subscription(
                session, args.scope, args.period, args.language, args.to, args.by, _now()
            )
        except ReportError as e:
            return _refused(e)
        first = next_period(row)
    print(f"added report {row.id}: {row.scope}, {row.period}, in {row.language}, to "
          f"{', '.join(row.recipients)}; the first is of {first.first} – {first.last}")  # fmt: skip
    return 0


def _list(args: argparse.Namespace) -> int:
    from hq.insight.scheduled.subscriptions import blocked, next_period, subscriptions
    from hq.people.access import load_tree

    with _sessions(args)() as session:
        rows = subscriptions(session)
        tree = load_tree(session)
        stopped = {r.id: blocked(session, tree, r) for r in rows}
    for r in rows:
        upcoming = next_period(r)
        last = f"last sent {r.last_sent_at}" if r.last_sent_at else "none sent yet"
        print(f"{r.id}\t{r.scope}\t{r.period}\t{r.language}\t{', '.join(r.recipients)}\t"
              f"{last}; next {upcoming.first} – {upcoming.last}")  # fmt: skip
        if (why := stopped[r.id]) is not None:
            print(f"\tnot sent: {why[0].format(**why[1])}")
        elif r.last_error:
            print(f"\tproblem: {r.last_error}")
    if not rows:
        print("no scheduled reports; add one with hymio hq add-report")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from hq.insight.scheduled.subscriptions import ReportError, remove_subscription

    with _sessions(args)() as session:
        try:
            remove_subscription(session, args.id)
        except ReportError as e:
            return _refused(e)
    print(f"removed report {args.id}")
    return 0


def _send(args: argparse.Namespace) -> int:
    from hq.core.mail import MailSettings
    from hq.insight.scheduled.sending import due_period, send_due_reports
    from hq.insight.scheduled.subscriptions import subscriptions

    settings = MailSettings.from_env()
    if settings is None:
        print("hymio: HYMIO_SMTP_HOST is not set, so HQ sends no e-mail; set it (the"
              " documentation: Run HQ, 'The worker and e-mail', at HQ's /help)",
              file=sys.stderr)  # fmt: skip
        return USAGE
    if args.min_cell < 1:
        print("hymio: --min-cell must be 1 or more", file=sys.stderr)
        return USAGE
    sessions, now = _sessions(args), _now()
    sent = send_due_reports(sessions, now, settings, args.min_cell)
    print(f"sent {sent} report e-mail(s)")
    with sessions() as session:
        failed = [r for r in subscriptions(session) if r.last_error and due_period(session, r, now)]
    for r in failed:
        print(f"hymio: report {r.id} ({r.scope}) not sent: {r.last_error}; it is tried again at"
              " the next run", file=sys.stderr)  # fmt: skip
    return 1 if failed else 0


def _preview(args: argparse.Namespace) -> int:
    from hq.core.language import language
    from hq.insight.scheduled.content import build_report
    from hq.insight.scheduled.periods import finished, report_day
    from hq.insight.scheduled.render import render
    from hq.insight.scheduled.subscriptions import NOT_ONE_OF, ReportError, check_scope

    now = _now()
    with _sessions(args)() as session:
        try:
            stores = check_scope(session, args.scope)
            if args.period not in KINDS:
                raise ReportError("period", NOT_ONE_OF, value=repr(args.period),
                                  choices=", ".join(KINDS))  # fmt: skip
            if args.language not in LANGUAGES:
                raise ReportError("language", NOT_ONE_OF, value=repr(args.language),
                                  choices=", ".join(LANGUAGES))  # fmt: skip
        except ReportError as e:
            return _refused(e)
        period = finished(args.period, report_day(stores, now))
        rendered = render(build_report(session, args.scope, period, now, language(args.language)))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.html").write_text(rendered.html, encoding="utf-8")
    (args.out / "report.txt").write_text(rendered.text, encoding="utf-8")
    (args.out / "report.pdf").write_bytes(rendered.pdf)
    print(f"{rendered.subject}: {args.out}/report.html, report.txt, report.pdf")
    return 0
