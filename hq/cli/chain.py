"""``hymio hq set-store``, ``set-hours``, ``add-day``, ``remove-day``, ``retire-store``,
``set-device`` and ``retire-device``, and the touchpoints' ``touchpoints``, ``add-link``,
``set-stage`` and ``retire-link`` (issue 32): the stores' and kiosks' pages as commands,
through the same functions (:mod:`hq.fleet.chain`, :mod:`hq.fleet.touchpoints`), as the
operator on HQ's server (``cli`` in the audit log). Added to ``hymio hq`` by
:mod:`hq.cli.commands`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from hq import default_url

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # kiosk.timekeeping.hours
HOURS = '"08:00-21:00", "08:00-12:00,13:00-18:00" or "closed"'
STAGES = "entrance, fitting_room, checkout, service_desk, after_purchase"  # hq.fleet.touchpoints


def add_commands(command) -> None:
    """Add the chain's commands with *command* (``name, help, run`` → a subparser)."""
    p = command("set-store", "rename a store, move it to a region, set its time zone", _set_store)
    p.add_argument("--id", required=True, help="store id")
    p.add_argument("--name", default=None, help="its new name")
    p.add_argument("--region", default=None, help='region id ("": directly under the chain)')
    p.add_argument("--timezone", default=None, help="IANA time zone, e.g. Europe/Helsinki")
    p = command("set-hours", "set a store's weekly opening hours", _set_hours)
    p.add_argument("--store", required=True, help="store id")
    for day in WEEKDAYS:
        p.add_argument(f"--{day}", default=None, help=f"hours on {day}: {HOURS}")
    p = command("add-day", "give a store other hours on one day (a holiday: closed)", _add_day)
    p.add_argument("--store", required=True, help="store id")
    p.add_argument("--day", required=True, help="the local day, YYYY-MM-DD")
    p.add_argument("--hours", default="closed", help=f"{HOURS} (default closed)")
    p.add_argument("--note", default="", help="why, e.g. Christmas Day")
    p = command("remove-day", "a day has its weekday's hours again", _remove_day)
    p.add_argument("--store", required=True, help="store id")
    p.add_argument("--day", required=True, help="the local day, YYYY-MM-DD")
    p = command("retire-store", "retire a store: kept, read-only, out of the ranking", _retire)
    p.add_argument("--id", required=True, help="store id")
    p = command("set-device", "rename a kiosk or move it to another store", _set_device)
    p.add_argument("--id", required=True, help="device id")
    p.add_argument("--name", default=None, help="the name people know it by")
    p.add_argument("--store", default=None, help="the store to move it to")
    p = command("retire-device", "retire a kiosk; its token stops working", _retire_device)
    p.add_argument("--id", required=True, help="device id")
    p = command("touchpoints", "list a store's kiosks and web links with their stages", _list)
    p.add_argument("--store", required=True, help="store id")
    p = command("add-link", "add a web link (QR code, receipt link) to a store", _add_link)
    p.add_argument("--store", required=True, help="store id")
    p.add_argument("--name", default="", help="the name people know it by")
    p.add_argument("--stage", default="", help=f"journey stage: {STAGES}")
    p = command("set-stage", "set the journey stage of a kiosk or web link", _set_stage)
    p.add_argument("--id", required=True, help="device id of the kiosk or web link")
    p.add_argument("--stage", required=True, help=f'{STAGES}, or "" for none')
    p = command("retire-link", "retire a web link; its page says it is gone", _retire_link)
    p.add_argument("--id", required=True, help="device id of the web link (web-…)")


def _session(args: argparse.Namespace):
    from hq.tables.database import open_database

    return open_database(args.database or default_url())[1]()


def _now() -> datetime:
    return datetime.now(UTC)


def _set_store(args: argparse.Namespace) -> int:
    from hq.fleet.chain.stores import change_store

    with _session(args) as session:
        store = change_store(session, None, args.id, _now(), args.name, args.region, args.timezone)
        print(f"store {store.id}: {store.name}, region {store.region_id or '-'}, {store.timezone}")
    return 0


def _set_hours(args: argparse.Namespace) -> int:
    from hq.fleet.chain.hours import set_weekly_hours

    days = {d: getattr(args, d) for d in WEEKDAYS if getattr(args, d) is not None}
    with _session(args) as session:
        week = set_weekly_hours(session, None, args.store, days, _now())
    print(f"store {args.store}: " + "; ".join(f"{d} {t}" for d, t in week.items()))
    return 0


def _add_day(args: argparse.Namespace) -> int:
    from hq.fleet.chain.hours import set_exception

    with _session(args) as session:
        set_exception(session, None, args.store, args.day, args.hours, args.note, _now())
    print(f"store {args.store} has its own hours on {args.day}: {args.hours}")
    return 0


def _remove_day(args: argparse.Namespace) -> int:
    from hq.fleet.chain.hours import remove_exception

    with _session(args) as session:
        remove_exception(session, None, args.store, args.day, _now())
    print(f"store {args.store} has its weekday's hours on {args.day} again")
    return 0


def _retire(args: argparse.Namespace) -> int:
    from hq.fleet.chain.stores import retire_store

    with _session(args) as session:
        retire_store(session, None, args.id, _now())
    print(f"store {args.id} is retired")
    return 0


def _set_device(args: argparse.Namespace) -> int:
    from hq.fleet.chain.kiosks import kiosk_to_change, move_kiosk, rename_kiosk

    with _session(args) as session:
        kiosk_to_change(session, None, args.id)
        if args.name is not None:
            rename_kiosk(session, None, args.id, args.name, _now(), commit=False)
        if args.store is not None:
            move_kiosk(session, None, args.id, args.store, _now())
        session.commit()
    print(f"device {args.id} changed")
    return 0


def _retire_device(args: argparse.Namespace) -> int:
    from hq.fleet.chain.kiosks import retire_kiosk

    with _session(args) as session:
        retire_kiosk(session, None, args.id, _now())
    print(f"device {args.id} is retired; its token no longer works")
    return 0


def _list(args: argparse.Namespace) -> int:
    from hq.fleet.chain.stores import store_to_change
    from hq.fleet.touchpoints import touchpoints_of

    with _session(args) as session:
        store_to_change(session, None, args.store)
        for d in touchpoints_of(session, None, args.store):
            where = f"/r/{d.code}" if d.code else "-"
            state = " retired" if d.retired_at else ""
            print(f"{d.id}\t{d.kind}\t{d.stage or '-'}\t{where}\t{d.name}{state}")
    return 0


def _add_link(args: argparse.Namespace) -> int:
    from hq.fleet.touchpoints import add_web_link

    with _session(args) as session:
        device = add_web_link(session, None, args.store, args.name, args.stage, _now())
        print(f"web link {device.id} of store {args.store}: /r/{device.code}")
    return 0


def _set_stage(args: argparse.Namespace) -> int:
    from hq.fleet.touchpoints import set_stage

    with _session(args) as session:
        set_stage(session, None, args.id, args.stage, _now())
    print(f"touchpoint {args.id}: stage {args.stage or '-'}")
    return 0


def _retire_link(args: argparse.Namespace) -> int:
    from hq.fleet.touchpoints import retire_web_link

    with _session(args) as session:
        retire_web_link(session, None, args.id, _now())
    print(f"web link {args.id} is retired; its page says it is gone")
    return 0
