"""``hymio sync``: the uploader daemon, or with ``--once`` one drain and an exit code.

Exit codes (SPEC §4, §6): 0 when nothing is left to send (or what is left is still
waiting for its follow-up answer) and nothing is held; 3 while ratings are held (HQ
refused them by name) or could not be sent (HQ away, refusing the token, or answering
something that is not HQ's); 1 when this machine failed: the store could not be opened
or written (a full disk, named with its free space; a read-only one; an I/O error), one
line on stderr, and with ``--json`` an object with ``ok`` false; 2 for bad settings.
``--retry-held`` releases the held ratings and sends them again, once their cause is
fixed. SIGTERM or SIGINT stop the daemon within a second."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading

from kiosk.settings.load import add_config_option

log = logging.getLogger(__name__)

EXIT_UNSENT = 3
ONCE_ATTEMPTS = 4


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``sync``."""
    p = commands.add_parser("sync", help="upload the ratings to HQ (a daemon, or --once)")
    add_config_option(p)
    p.add_argument("--once", action="store_true", help="drain the backlog once and exit")
    p.add_argument(
        "--retry-held",
        action="store_true",
        help="send the ratings HQ refused again (once the cause is fixed), then exit as --once",
    )
    p.add_argument("--json", action="store_true", help="print the sync state as one JSON object")
    p.set_defaults(run=run)


def open_parts(args: argparse.Namespace):
    """The settings, the store and the HQ client the settings file names."""
    from kiosk.errors import SettingsError
    from kiosk.settings.load import load_settings
    from kiosk.store.store import Store
    from sync.client import HQClient

    settings = load_settings(args.config)
    missing = [
        (f"hq.{key}", f"is needed to sync: {fix}")
        for key, fix in (
            ("url", "the address of HQ, e.g. 'https://hq.example.com'"),
            ("token", "the token `hymio hq add-device` printed for this device"),
        )
        if not getattr(settings.hq, key)
    ]
    if missing:
        raise SettingsError(settings.source, missing)
    store = Store.from_settings(settings)
    return settings, store, HQClient(settings.hq.url, settings.hq.token)


def run(args: argparse.Namespace) -> int:
    from kiosk.errors import StoreError

    once = args.once or args.retry_held
    try:
        settings, store, client = open_parts(args)
        with store:
            if once:
                return _once(args, store, client, settings.hq.backoff_cap)
            return _daemon(settings, store, client)
    except StoreError as exc:  # `hymio` prints it as one line and exits 1
        if once and args.json:
            report = {"ok": False, "outcome": "store_failed", "error": str(exc)}
            print(json.dumps(report, sort_keys=True))
        raise


def _once(args: argparse.Namespace, store, client, cap: float) -> int:
    from kiosk.store.ledger import Ledger, totals
    from sync.backoff import Backoff
    from sync.uploader import Uploader

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    uploader = Uploader(store, client, backoff=Backoff(cap=min(cap, 30.0)), stop=stop)
    stores = uploader.databases.all()
    released = sum(Ledger(s).release_held() for s in stores) if args.retry_held else 0
    outcome = uploader.drain(ONCE_ATTEMPTS)
    client.close()
    state = Ledger(store).notes()
    each = uploader.databases.report()
    unsent = sum(len(s.oldest_unsynced(1)) for s in uploader.databases.all())
    uploader.close()
    report = {
        **state,
        **totals(each),
        "databases": each,
        "outcome": outcome.kind,
        "error": outcome.error,
        "sent": outcome.sent,
        "duplicates": outcome.duplicates,
        "repaired": outcome.repaired,
        "newly_held": outcome.held,
        "forks": outcome.forks,
        "released": released,
        "requests": outcome.requests,
        "waits": [round(w, 3) for w in outcome.waits],
    }
    failed = report["held"] > 0 or unsent > 0
    report["ok"] = not failed
    if args.json:
        print(json.dumps(report, sort_keys=True))
    else:
        print(_sentence(report, args.config))
    return EXIT_UNSENT if failed else 0


def _sentence(report: dict, config: str) -> str:
    text = (
        f"sent {report['sent']} rating(s) in {report['requests']} request(s); "
        f"{report['pending']} pending, {report['held']} held"
    )
    if report["error"]:
        text += f"; {report['error']}"
    if report["held"]:
        reasons = ", ".join(f"{n} {code}" for code, n in sorted(report["held_reasons"].items()))
        text += (
            f"\nHQ refused {report['held']} rating(s) ({reasons}); they are kept here. Fix "
            f"the cause, then send them again: hymio sync --config {config} --retry-held"
        )
    return text


def _daemon(settings, store, client) -> int:
    from sync.service import SyncService

    logging.getLogger().setLevel(logging.INFO)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    service = SyncService(settings, store, client)
    service.start()
    every = settings.hq.interval
    print(f"sync running: uploads to {settings.hq.url} every {every:g} s", flush=True)
    stop.wait()
    if not service.shutdown(grace=0.8):
        # An upload is still waiting for HQ. Nothing is lost by leaving now: what HQ has
        # not acknowledged is still unsynced here and is sent again (HQ drops duplicates).
        print("sync stopped with an upload in flight; it is sent again next time", flush=True)
        sys.stdout.flush()
        os._exit(0)
    print("sync stopped", flush=True)
    return 0
