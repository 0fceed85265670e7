"""``hymio hq receipt-links`` and ``receipt-key``: receipt links in bulk for a POS or an
e-mail system, and the key they are signed with (docs/run-a-fleet/receipt-links.md); added
to ``hymio hq`` by :mod:`hq.cli.commands`."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import UTC, datetime

from hq import default_url


def add_commands(command) -> None:
    """Add the receipt commands with *command* (``name, help, run`` → a subparser)."""
    p = command("receipt-links", "print signed single-use links to a web link", _links)
    p.add_argument("--touchpoint", required=True, metavar="CODE", help="the web link's code")
    p.add_argument("--count", required=True, type=int, help="how many links")
    p.add_argument("--valid-days", required=True, type=int, help="days each link answers")
    p.add_argument(
        "--base-url", default="http://127.0.0.1:8080", metavar="URL",
        help="HQ's public address the links start with (default http://127.0.0.1:8080)",
    )  # fmt: skip
    p.add_argument("--csv", action="store_true", help="CSV with columns url,expires_at")
    p = command("receipt-key", "show the receipt-link key, or rotate it", _key)
    p.add_argument("--rotate", action="store_true", help="make a new key for new links")
    p.add_argument(
        "--keep-days", type=int, default=None, metavar="DAYS",
        help="with --rotate: days the previous key still answers (default 90; 0 after a leak)",
    )  # fmt: skip


def _session(args: argparse.Namespace):
    from hq.tables.database import open_database

    return open_database(args.database or default_url())[1]()


def _links(args: argparse.Namespace) -> int:
    from hq.fleet.receipts.links import mint_links

    with _session(args) as session:
        made = mint_links(
            session, None, args.touchpoint, args.count, args.valid_days, datetime.now(UTC),
            args.base_url,
        )  # fmt: skip
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("url", "expires_at"))
        writer.writerows((m.url, m.expires_at.isoformat()) for m in made)
    else:
        sys.stdout.write("".join(f"{m.url}\n" for m in made))
    return 0


def _key(args: argparse.Namespace) -> int:
    from hq.core.errors import InputError
    from hq.fleet.receipts import keys

    now = datetime.now(UTC)
    if args.keep_days is not None and not args.rotate:
        raise InputError("--keep-days goes with --rotate")
    with _session(args) as session:
        if args.rotate:
            keep = keys.KEEP_DAYS if args.keep_days is None else args.keep_days
            key = keys.rotate(session, now, keep)
            print(f"new receipt key {key.id}; the previous one answers for {keep} more days")
        else:
            key = keys.current_key(session, now)
        print(f"key id: {key.id}")
        print(f"key:    {key.text}")
        for other in keys.every_key(session):
            if other.id != key.id and other.accepted(now):
                print(f"also accepted until {other.retires}: key {other.id}")
    return 0
