"""``hymio hq enroll-code``, ``enroll-codes``, ``revoke-enroll-code``, ``add-devices``,
``set-pin``, ``backup``, ``restore``, ``rebuild-figures`` and ``write-off``: the commands
for running a fleet, added to ``hymio hq`` by :mod:`hq.cli.commands`."""

from __future__ import annotations

import argparse
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from hq import default_url


def add_commands(command) -> None:
    """Add the fleet commands with *command* (``name, help, run`` → a subparser)."""
    p = command("enroll-code", "make a code kiosks enrol with (hymio enroll)", _enroll_code)
    p.add_argument("--store", required=True, help="the store the kiosks are in")
    p.add_argument("--uses", type=int, default=1, help="how many kiosks may use it (default 1)")
    p.add_argument(
        "--expires", type=float, default=7.0, metavar="DAYS", help="days it holds (default 7)"
    )
    p.add_argument(
        "--hq", default=None, metavar="URL", help="HQ's address: print the enrolment link too"
    )
    command("enroll-codes", "list the enrol codes: state, uses left, expiry", _enroll_codes)
    p = command("revoke-enroll-code", "revoke an enrol code: it enrols no one", _revoke_code)
    p.add_argument("--id", required=True, type=int, help="the code's id (see enroll-codes)")
    p = command("add-devices", "add devices from a CSV list; tokens go to a file", _add_devices)
    p.add_argument("--file", required=True, type=Path, help="CSV with columns store,device")
    p.add_argument(
        "--tokens", required=True, type=Path, help="new file for the tokens (made with mode 0600)"
    )
    p = command("set-pin", "set the staff PIN of a store's kiosks (asks twice)", _set_pin)
    p.add_argument("--store", required=True, help="store id")
    p.add_argument("--device", default="", help="only this device of the store")
    p = command("backup", "copy HQ's database to a file, while HQ runs", _backup)
    p.add_argument("--to", required=True, type=Path, help="the backup file to write")
    p = command("restore", "restore a backup into a new or empty database", _restore)
    p.add_argument("--from", dest="source", required=True, type=Path, help="the backup file")
    p.add_argument("--force", action="store_true", help="replace what the database holds")
    p = command("rebuild-figures", "count the kept figures again from the ratings", _rebuild)
    p.add_argument("--store", default=None, help="only this store (default: every store)")
    p = command("write-off", "write off a kiosk's missing ratings as lost for good", _write_off)
    p.add_argument("--device", required=True, help="the kiosk")
    p.add_argument("--first-seq", required=True, type=int, help="the first seq lost")
    p.add_argument("--last-seq", required=True, type=int, help="the last seq lost")
    p.add_argument("--reason", required=True, help="why they are lost (e.g. the SD card died)")
    p.add_argument("--database-id", default=None, help="the kiosk database, if it has several")
    p.add_argument("--by", default="operator", help="who writes them off (default operator)")


def _now() -> datetime:
    return datetime.now(UTC)


def _session(args: argparse.Namespace):
    from hq.tables.database import open_database

    return open_database(args.database or default_url())[1]()


def _enroll_code(args: argparse.Namespace) -> int:
    from hq.fleet.enrol_codes import new_code

    with _session(args) as session:
        names = {"store": "--store", "uses": "--uses", "days": "--expires"}
        made = new_code(session, None, args.store, args.uses, args.expires, _now(), names)
    code = made.code
    kiosks = "1 kiosk" if args.uses == 1 else f"{args.uses} kiosks"
    print(f"enrol code for store {args.store}, {kiosks}, {args.expires:g} days:")
    print(code)
    if args.hq:
        link = made.link(args.hq)
        print(f"on each kiosk: sudo hymio enroll --config /etc/hymio/kiosk.toml '{link}'")
    else:
        hint = f"--hq URL --code {code}"
        print(f"on each kiosk: sudo hymio enroll --config /etc/hymio/kiosk.toml {hint}")
    return 0


def _enroll_codes(args: argparse.Namespace) -> int:
    from hq.fleet.enrol_codes import list_codes

    with _session(args) as session:
        rows = list_codes(session, None, _now())
    print(f"{'id':>6}  {'store':<20} {'state':<8} {'left':>11}  {'expires (UTC)':<24} made by")
    for r in rows:
        left = f"{r.uses_left}/{r.uses}"
        print(
            f"{r.id:>6}  {r.store_id:<20} {r.state:<8} {left:>11}  {r.expires_at:<24} {r.made_by}"
        )
    return 0


def _revoke_code(args: argparse.Namespace) -> int:
    from hq.fleet.enrol_codes import revoke_code

    with _session(args) as session:
        row = revoke_code(session, None, args.id, _now())
    print(f"enrol code {row.id} of store {row.store_id} revoked at {row.revoked_at}")
    return 0


def _add_devices(args: argparse.Namespace) -> int:
    from hq.fleet.device_list import add_devices, read_device_list

    devices = read_device_list(args.file)
    with _session(args) as session:
        added = add_devices(session, devices, args.tokens, _now())
    print(f"added {added} devices; their tokens are in {args.tokens} (mode 0600)")
    return 0


def _set_pin(args: argparse.Namespace) -> int:
    from hq.fleet.staff_pins import set_staff_pin
    from kiosk import pin

    try:
        entered = pin.ask_pin()
    except ValueError as e:
        print(f"hymio: {e}; nothing was changed", file=sys.stderr)
        return 2
    with _session(args) as session:
        set_staff_pin(session, args.store, args.device, pin.hash_pin(entered), _now())
    target = f"device {args.device}" if args.device else f"the kiosks of store {args.store}"
    print(f"staff PIN set for {target}; they take it at their next settings pull")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from hq.fleet.backup import backup, releases_beside

    kind = backup(args.database or default_url(), args.to)
    beside = releases_beside(args.to)
    with tarfile.open(beside) as tar:
        files = sum(m.isfile() for m in tar)
    print(f"backed up HQ's database to {args.to} ({kind}) and its {files} release files"
          f" to {beside}")  # fmt: skip
    return 0


def _restore(args: argparse.Namespace) -> int:
    from hq.fleet.backup import releases_beside, restore, shown_url

    if not args.database:
        print("hymio: give --database URL, the database to restore into", file=sys.stderr)
        return 2
    restore(args.source, args.database, force=args.force)
    print(f"restored {args.source} into {shown_url(args.database)}")
    beside = releases_beside(args.source)
    if beside.is_file():
        from hq.fleet.releases import release_folder

        with tarfile.open(beside) as tar:
            files = sum(m.isfile() for m in tar)
        print(f"and its {files} release files into {release_folder(args.database)}")
    else:
        print(f"no release files beside it ({beside}): the release folder is as it was")
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from hq.tables.rollups import rebuild

    with _session(args) as session:
        counted = rebuild(session, args.store)
        session.commit()
    where = f"store {args.store}" if args.store else "every store"
    print(f"counted {counted} ratings of {where} again into the kept figures")
    return 0


def _write_off(args: argparse.Namespace) -> int:
    from hq.ingest.completeness import completeness
    from hq.ingest.writeoffs import write_off

    with _session(args) as session:
        done = write_off(session, args.device, args.first_seq, args.last_seq, args.reason,
                         args.by, _now(), args.database_id)  # fmt: skip
        c = completeness(session, args.device)
        state = "complete" if c.complete else "still lacks ratings"
        print(f"wrote off seq {done.first_seq}–{done.last_seq} of {args.device}"
              f" ({done.database_id}) as lost: {done.reason}; {args.device} is {state},"
              f" {c.lost} lost")  # fmt: skip


def publish_file(args, tables: dict, session_cm, now) -> int:
    """``set-survey --scope``: publish the file's ``[survey]`` to a part of the chain (with
    ``--from`` and ``--to``, as a campaign), through the survey editor's own functions."""
    from hq.core.errors import ActionError
    from hq.fleet.survey.campaigns import read_day, schedule_campaign
    from hq.fleet.survey.publish import publish_survey
    from hq.people.access import access_of

    if args.scope is None:
        print("hymio: give --store, or --scope for a part of the chain", file=sys.stderr)
        return 2
    if tables.get("hours"):
        print("hymio: with --scope only [survey] is published; set [hours] with --store",
              file=sys.stderr)  # fmt: skip
        return 2
    with session_cm as session:
        operator = access_of(session, "cli:operator", "admin", "")
        try:
            if args.starts_on or args.ends_on:
                first = read_day(args.starts_on or "", "--from")
                last = read_day(args.ends_on or "", "--to")
                made = schedule_campaign(
                    session, operator, args.scope, tables["survey"], first, last, now
                )
                print(f"campaign {made.id} on {args.scope or 'the chain'}: {first} to {last}")
                return 0
            done = publish_survey(session, operator, args.scope, tables["survey"], now)
        except ActionError as e:
            print(f"hymio: {e}; nothing was changed", file=sys.stderr)
            return 2
    for v in done.versions:
        where = f"device {v['device']}" if v["device"] else f"store {v['store']}"
        print(f"survey settings for {where} are now version {v['version']}")
    return 0
