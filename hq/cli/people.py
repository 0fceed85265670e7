"""``hymio hq add-region``, ``set-region``, ``set-role``, ``remove-user``, ``set-token-scope``
and ``remove-token``: the chain's tree and its people (:mod:`hq.people.roles`), added to
``hymio hq`` by :mod:`hq.cli.commands`. ``add-user`` and ``add-token`` take ``--role``, ``--scope``
and ``--email`` there."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from hq import default_url

SCOPE_HELP = "the part of the chain: region:ID or store:ID (default: the whole chain)"


def add_commands(command) -> None:
    """Add the people commands with *command* (``name, help, run`` → a subparser)."""
    p = command("add-region", "add a region of the chain (under another, if given)", _add_region)
    p.add_argument("--id", required=True, help="region id")
    p.add_argument("--name", required=True, help="the region's name")
    p.add_argument("--parent", default=None, help="the region it is in (default: the chain)")
    p = command("set-region", "put a store in a region", _set_region)
    p.add_argument("--store", required=True, help="store id")
    p.add_argument("--region", default="", help="region id (empty: directly under the chain)")
    p = command("set-role", "give a user a role over a part of the chain", _set_role)
    p.add_argument("--username", required=True, help="login name")
    add_role_options(p, default=None)
    p = command("remove-user", "remove a dashboard user; their sessions end", _remove_user)
    p.add_argument("--username", required=True, help="login name")
    p = command("set-token-scope", "let an API token read one part of the chain", _token_scope)
    p.add_argument("--name", required=True, help="the token's name")
    p.add_argument("--scope", default="", help=SCOPE_HELP)
    p = command("remove-token", "remove an API token; it is refused from now on", _remove_token)
    p.add_argument("--name", required=True, help="the token's name")


def add_role_options(p: argparse.ArgumentParser, default: str | None = "admin") -> None:
    """``--role``, ``--scope`` and ``--email`` of a user."""
    p.add_argument(
        "--role",
        choices=("admin", "analyst", "manager"),
        default=default,
        required=default is None,
        help="admin: everything; analyst: reads every store; manager: reads and acts on"
        " the stores of --scope" + (f" (default {default})" if default else ""),
    )
    p.add_argument("--scope", default="", help=SCOPE_HELP + "; a manager needs one")
    p.add_argument("--email", default=None, help="where their alerts and reports go")


def _session(args: argparse.Namespace):
    from hq.tables.database import open_database

    return open_database(args.database or default_url())[1]()


def _add_region(args: argparse.Namespace) -> int:
    from hq.people.roles import add_region

    with _session(args) as session:
        add_region(session, args.id, args.name, args.parent, datetime.now(UTC))
    print(f"added region {args.id}" + (f" under {args.parent}" if args.parent else ""))
    return 0


def _set_region(args: argparse.Namespace) -> int:
    from hq.people.roles import set_store_region

    with _session(args) as session:
        set_store_region(session, args.store, args.region or None)
    print(f"store {args.store} is in " + (f"region {args.region}" if args.region else "the chain"))
    return 0


def _set_role(args: argparse.Namespace) -> int:
    from hq.people.roles import set_role

    with _session(args) as session:
        set_role(session, args.username, args.role, args.scope, args.email)
    print(f"{args.username} is {args.role} of {args.scope or 'the whole chain'}")
    return 0


def _remove_user(args: argparse.Namespace) -> int:
    from hq.people.roles import remove_user

    with _session(args) as session:
        remove_user(session, args.username)
    print(f"removed user {args.username}")
    return 0


def _token_scope(args: argparse.Namespace) -> int:
    from hq.people.roles import set_token_scope

    with _session(args) as session:
        set_token_scope(session, args.name, args.scope)
    print(f"API token {args.name} reads {args.scope or 'the whole chain'}")
    return 0


def _remove_token(args: argparse.Namespace) -> int:
    from hq.people.roles import remove_token

    with _session(args) as session:
        remove_token(session, args.name)
    print(f"removed API token {args.name}")
    return 0
