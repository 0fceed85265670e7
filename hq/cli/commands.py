"""``hymio hq …``: serve HQ and administer it (SPEC §4)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from hq import ENV_VAR, HQ_PACKAGES, default_url
from kiosk.errors import HymioError

PASSWORD_VAR = "HYMIO_HQ_PASSWORD"  # noqa: S105 -- the name of a variable, not a password
DASHBOARD_LANGUAGES = ("fi", "sv", "en")  # kiosk.settings.survey.LANGUAGES, without pydantic
USAGE = 2  # exit code of bad usage (SPEC §4)
BROWSER = "browser"  # set-language: forget the choice, follow the browser's Accept-Language


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``hq`` and its subcommands to the ``hymio`` parser."""
    from hq.cli import alerts as cli_alerts
    from hq.cli import business as cli_business
    from hq.cli import chain as cli_chain
    from hq.cli import fleet as cli_fleet
    from hq.cli import invites as cli_invites
    from hq.cli import people as cli_people
    from hq.cli import receipts as cli_receipts
    from hq.cli import releases as cli_releases
    from hq.cli import reports as cli_reports

    hq = commands.add_parser("hq", help="the central server: serve it, add stores, devices, users")
    sub = hq.add_subparsers(dest="hq_command", metavar="HQ_COMMAND", required=True)

    def command(name: str, help: str, run) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument(
            "--database",
            default=None,
            help=f"database URL (default ${ENV_VAR}, else sqlite:///hq.db)",
        )
        p.set_defaults(run=_needs_hq(run))
        return p

    p = command("serve", "run the API and dashboard", _serve)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--secure-cookies", action="store_true", help="Secure session cookie (HTTPS)")
    p.add_argument(
        "--rate-limit", type=float, default=50.0, help="requests per second per device (default 50)"
    )
    p.add_argument(
        "--min-cell",
        type=int,
        default=5,
        help="fewest ratings an hour or day of the dashboard needs to show a figure (default 5)",
    )
    p.add_argument(
        "--read-timeout",
        type=float,
        default=30.0,
        help="seconds a client has to send a whole request (default 30)",
    )
    p.add_argument(
        "--http",
        choices=("auto", "httptools", "h11"),
        default="auto",
        help="HTTP parser: httptools (C, the default where installed) or h11 (pure Python)",
    )
    p.add_argument(
        "--loop",
        choices=("auto", "uvloop", "asyncio"),
        default="auto",
        help="event loop: uvloop (the default where installed) or asyncio",
    )
    p.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="IPS",
        help="proxies whose X-Forwarded-For names the client, e.g. 127.0.0.1,::1"
        " (default $FORWARDED_ALLOW_IPS, else none)",
    )
    _budget_options(p)
    p = command("add-store", "add a store", _add_store)
    p.add_argument("--id", required=True, help="store id, as in the kiosk's [device] store_id")
    p.add_argument("--name", required=True, help="the store's name")
    p.add_argument("--timezone", required=True, help="IANA time zone, e.g. Europe/Helsinki")
    p = command("add-device", "add a device; prints its token once", _add_device)
    p.add_argument("--store", required=True, help="the store the device is in")
    p.add_argument("--id", required=True, help="device id, as in the kiosk's [device] id")
    p = command("rotate-token", "give a device a new token; the old one stops working", _rotate)
    p.add_argument("--id", required=True, help="device id")
    p = command("add-user", "add a dashboard user; asks for the password", _add_user)
    p.add_argument("--username", required=True, help="login name")
    p.add_argument(
        "--language",
        choices=DASHBOARD_LANGUAGES,
        default="",
        help="the dashboard's language for them (default: the one their browser asks for)",
    )
    cli_people.add_role_options(p)
    p = command("set-language", "choose the language a user reads the dashboard in", _set_lang)
    p.add_argument("--username", required=True, help="login name")
    p.add_argument(
        "--language",
        required=True,
        choices=(*DASHBOARD_LANGUAGES, BROWSER),
        help=f"fi, sv or en; {BROWSER} for the language their browser asks for",
    )
    p = command("set-password", "give a user a new password; ends their sessions", _set_password)
    p.add_argument("--username", required=True, help="login name")
    p = command("end-sessions", "log a user out of every browser at once", _end_sessions)
    p.add_argument("--username", required=True, help="login name")
    p = command("add-token", "add an API token for scripts; prints it once", _add_token)
    p.add_argument("--name", required=True, help="what the token is for")
    p.add_argument("--scope", default="", help=cli_people.SCOPE_HELP)
    p.add_argument(
        "--role",
        default="analyst",
        help="analyst (reads only; the default), manager (changes its scope's stores; needs"
        " --scope) or admin (changes everything)",
    )
    p = command("set-survey", "set survey settings from a TOML file", _set_survey)
    p.add_argument("--store", help="store id")
    p.add_argument("--device", default="", help="only this device of the store")
    p.add_argument("--file", required=True, type=Path, help="TOML with [survey] and [hours]")
    p.add_argument(
        "--scope",
        help='instead of --store: publish [survey] to "" (the chain), region:ID, store:ID or'
        " group:NAME, as the survey editor does (each store keeps its opening hours)",
    )
    p.add_argument("--from", dest="starts_on", help="with --scope: a campaign from this day")
    p.add_argument("--to", dest="ends_on", help="with --scope: the campaign's last day")
    cli_fleet.add_commands(command)
    cli_people.add_commands(command)
    cli_chain.add_commands(command)
    cli_invites.add_commands(command)
    cli_alerts.add_commands(command)
    cli_releases.add_commands(command)
    cli_reports.add_commands(command)
    cli_business.add_commands(command)
    cli_receipts.add_commands(command)


def _budget_options(p: argparse.ArgumentParser) -> None:
    """``hymio hq serve``'s connection budget (:mod:`hq.core.budget`)."""
    from hq.core.budget import ENV

    def number(name: str, text: str) -> None:
        p.add_argument(
            f"--db-{name}", type=int, default=None, metavar="N",
            help=f"{text} (default ${ENV[name]}, else {_BUDGET_DEFAULTS[name]})",
        )  # fmt: skip

    number("pool", "database connections each process keeps open")
    number("overflow", "more it may open in a burst, closed after")
    number("kiosks", "of the pool, the kiosks' share: device requests at work at once")
    number("exports", "connections of its own for exports (downloads at once)")
    p.add_argument(
        "--db-pooler",
        action="store_const",
        const=True,
        default=None,
        help="the database URL points at PgBouncer in transaction mode: prepare no"
        f" statement on the server (default ${ENV['pooler']}, else off)",
    )


_BUDGET_DEFAULTS = {
    "pool": "15 on PostgreSQL, 10 on SQLite",
    "overflow": "25 on PostgreSQL, 40 on SQLite",
    "kiosks": "4",
    "exports": "2",
}


def _needs_hq(run):
    """*run*, with a clear error on a kiosk installed without HQ's packages; what was
    typed that HQ cannot use (:class:`hq.core.errors.InputError`) is a usage error, exit 2."""

    def checked(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except HymioError as exc:
            from hq.core.errors import InputError

            if not isinstance(exc, InputError):
                raise
            print(f"hymio: {exc}; nothing was changed", file=sys.stderr)
            return USAGE
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] not in HQ_PACKAGES:
                raise
            raise HymioError(
                f"HQ's packages are not installed here (no {exc.name}): pip install 'hymio[hq]'"
            ) from exc

    return checked


def _url(args: argparse.Namespace) -> str:
    return args.database or default_url()


def _session(args: argparse.Namespace):
    from hq.tables.database import open_database

    return open_database(_url(args))[1]()


def _now() -> datetime:
    return datetime.now(UTC)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from hq.core.budget import BudgetError, budget_for, environment
    from hq.core.client_address import ENV_VAR as FORWARDED_VAR
    from hq.core.client_address import ForwardedSettingError, trusted_proxies
    from hq.tables.database import open_database

    if args.min_cell < 1:
        raise SystemExit("hymio hq serve: --min-cell must be 1 or more")
    given = {name: getattr(args, f"db_{name}") for name in environment_names()}
    try:
        budget = budget_for(_url(args), given)
    except BudgetError as e:
        print(f"hymio: {e}", file=sys.stderr)
        return 2
    proxies = args.forwarded_allow_ips
    if proxies is None:
        proxies = os.environ.get(FORWARDED_VAR, "")
    try:
        trusted_proxies(proxies)
    except ForwardedSettingError as e:
        print(f"hymio: {e}", file=sys.stderr)
        return 2
    engine, _ = open_database(_url(args), budget)  # migrate once, before the workers start
    engine.dispose()  # its connection is not the workers' to count
    os.environ.update(environment(budget))
    os.environ[ENV_VAR] = _url(args)
    os.environ["HYMIO_HQ_SECURE_COOKIES"] = "1" if args.secure_cookies else ""
    os.environ["HYMIO_HQ_RATE_LIMIT"] = str(args.rate_limit)
    os.environ["HYMIO_HQ_MIN_CELL"] = str(args.min_cell)
    os.environ["HYMIO_HQ_FORWARDED_ALLOW_IPS"] = proxies
    from hq.server.serving import uvicorn_options

    options = uvicorn_options(args.read_timeout, args.http, args.loop)
    print(serving_line(args.host, args.port, _url(args), args.workers, budget), flush=True)
    uvicorn.run(
        "hq.server.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        proxy_headers=False,  # the app decides (hq.core.client_address), not uvicorn
        **options,
    )
    return 0


def serving_line(host: str, port: int, url: str, workers: int, budget=None) -> str:
    """What ``hymio hq serve`` says at start: where, on which database (no password), and
    each process's connection *budget* (:class:`hq.core.budget.Budget`) when given."""
    from sqlalchemy.engine import make_url

    shown = f"[{host}]" if ":" in host else host
    database = make_url(url).render_as_string(hide_password=True)
    many = f", {workers} worker processes" if workers > 1 else ""
    each = ""
    if budget is not None:
        each = f"; {'each process: ' if workers > 1 else ''}{budget.described()}"
    return f"hymio hq serve: HQ at http://{shown}:{port}/ on {database}{many}{each}; Ctrl+C stops"


def environment_names() -> tuple[str, ...]:
    """The budget's values, as ``hymio hq serve``'s ``--db-…`` options name them."""
    from hq.core.budget import ENV

    return tuple(ENV)


def _add_store(args: argparse.Namespace) -> int:
    from hq.people.admin import add_store

    with _session(args) as session:
        add_store(session, args.id, args.name, args.timezone, _now())
    print(f"added store {args.id}")
    return 0


def _add_device(args: argparse.Namespace) -> int:
    from hq.people.admin import add_device

    with _session(args) as session:
        token = add_device(session, args.store, args.id, _now())
    print(f"added device {args.id} to store {args.store}; its token (shown only now):")
    print(token)
    return 0


def _rotate(args: argparse.Namespace) -> int:
    from hq.people.admin import rotate_token

    with _session(args) as session:
        token = rotate_token(session, args.id)
    print(f"new token for device {args.id} (shown only now):")
    print(token)
    return 0


def _password(username: str) -> str | None:
    """The password from $HYMIO_HQ_PASSWORD, else asked twice; ``None`` if they differ."""
    password = os.environ.get(PASSWORD_VAR)
    if password is None:
        password = getpass.getpass(f"password for {username}: ")
        if getpass.getpass("again: ") != password:
            print("hymio: the passwords differ; nothing changed", file=sys.stderr)
            return None
    return password


def _add_user(args: argparse.Namespace) -> int:
    from hq.people.admin import add_user

    password = _password(args.username)
    if password is None:
        return 2
    with _session(args) as session:
        add_user(
            session, args.username, password, _now(), args.language,
            args.role, args.scope, args.email or "",
        )  # fmt: skip
    print(f"added user {args.username}")
    return 0


def _set_lang(args: argparse.Namespace) -> int:
    from hq.people.admin import set_language

    language = "" if args.language == BROWSER else args.language
    with _session(args) as session:
        set_language(session, args.username, language)
    print(f"{args.username} reads the dashboard in {args.language}")
    return 0


def _set_password(args: argparse.Namespace) -> int:
    from hq.people.admin import set_password

    password = _password(args.username)
    if password is None:
        return 2
    with _session(args) as session:
        ended = set_password(session, args.username, password)
    print(f"new password for {args.username}; {ended} session(s) ended")
    return 0


def _end_sessions(args: argparse.Namespace) -> int:
    from hq.people.admin import end_sessions

    with _session(args) as session:
        ended = end_sessions(session, args.username)
    print(f"{ended} session(s) of {args.username} ended")
    return 0


def _add_token(args: argparse.Namespace) -> int:
    from hq.people.admin import add_api_token

    with _session(args) as session:
        token = add_api_token(session, args.name, _now(), args.scope, args.role)
    print(f"API token {args.name} (shown only now):")
    print(token)
    return 0


def _set_survey(args: argparse.Namespace) -> int:
    from hq.fleet.surveys import read_survey_file, set_survey

    tables = read_survey_file(args.file)
    if args.scope is not None or args.store is None:
        from hq.cli import fleet as cli_fleet

        return cli_fleet.publish_file(args, tables, _session(args), _now())
    with _session(args) as session:
        version = set_survey(session, args.store, args.device, tables, _now())
    target = f"device {args.device}" if args.device else f"store {args.store}"
    print(f"survey settings for {target} are now version {version}")
    return 0
