"""``hymio hq import-business``: a file of business figures (transactions, sales,
footfall, staff per store and hour) imported from the command line, all or nothing, by
the same code as the dashboard's ``/business`` page and ``POST /api/v1/business-hours``;
added to ``hymio hq`` by :mod:`hq.cli.commands`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from hq import default_url

USAGE = 2


def add_commands(command) -> None:
    """Add the command with *command* (``name, help, run`` → a subparser)."""
    p = command("import-business", "import business figures per store and hour (CSV)", _import)
    p.add_argument("--file", required=True, type=Path, help="the CSV file (layout in the docs)")


def _import(args: argparse.Namespace) -> int:
    from hq.insight.business.saving import BusinessFileError, import_business
    from hq.people.access import access_of
    from hq.tables.database import open_database

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print(f"hymio: --file: cannot read {args.file}: {e}", file=sys.stderr)
        return USAGE
    sessions = open_database(args.database or default_url())[1]
    with sessions() as session:
        operator = access_of(session, "cli", "admin", "")  # whoever runs HQ's command line
        try:
            done = import_business(session, operator, text, datetime.now(UTC))
        except BusinessFileError as e:
            for problem in e.problems:
                print(f"hymio: {args.file}: {problem}", file=sys.stderr)
            if e.more_problems:
                print(f"hymio: … and {e.more_problems} more", file=sys.stderr)
            print("hymio: nothing was imported", file=sys.stderr)
            return USAGE
        session.commit()
    print(f"imported {done.rows} store-hour(s) of {done.stores} store(s), {done.first_day} –"
          f" {done.last_day} ({', '.join(done.columns)})")  # fmt: skip
    return 0
