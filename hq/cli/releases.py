"""``hymio hq add-release``, ``rollout`` and ``add-to-group``: the releases HQ serves and
which devices should run them (issue 17), added to ``hymio hq`` by :mod:`hq.cli.commands`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from hq import default_url


def add_commands(command) -> None:
    """Add the release commands with *command* (``name, help, run`` → a subparser)."""
    p = command("add-release", "add a signed release (hymio release build) for kiosks", _add)
    p.add_argument("--file", required=True, type=Path, help="the release bundle (.tar)")
    p = command("rollout", "say which devices should run a release", _rollout)
    p.add_argument("--release", required=True, metavar="VERSION", help="a release HQ holds")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--all", action="store_true", help="every device")
    scope.add_argument("--store", help="the devices of this store")
    scope.add_argument("--device", help="this device")
    scope.add_argument("--group", help="the devices of this group (hymio hq add-to-group)")
    scope.add_argument("--percent", type=int, help="this share of the fleet, 1–100")
    p = command("add-to-group", "put devices into a named group, for rollouts", _group)
    p.add_argument("--group", required=True, help="the group's name, e.g. pilots")
    p.add_argument("--device", required=True, action="append", help="a device id (repeatable)")


def _open(args: argparse.Namespace):
    from hq.tables.database import open_database

    url = args.database or default_url()
    return url, open_database(url)[1]()


def _add(args: argparse.Namespace) -> int:
    from hq.fleet.release_metadata import read_metadata
    from hq.fleet.releases import add_release, release_folder
    from kiosk.releases.metadata import parse_metadata

    url, session = _open(args)
    folder = release_folder(url)
    with session:
        manifest = add_release(session, folder, args.file, datetime.now(UTC))
    held = read_metadata(folder)
    metadata = parse_metadata(held[0]) if held else None
    if manifest is not None:
        size = sum(f.size for f in manifest.files) / 1e6
        print(f"release {manifest.version}: {len(manifest.files)} files, {size:.1f} MB")
    if metadata is None:
        print("HQ holds no release metadata: kiosks install only the releases it lists;"
              " add a bundle of this hymio release build")  # fmt: skip
        return 0
    print(f"release metadata version {metadata.version}, expires {metadata.expires}")
    if manifest is not None and manifest.version not in metadata.releases:
        print(f"the release metadata does not list {manifest.version}: kiosks refuse it")
    elif manifest is not None:
        print(f"roll it out with: hymio hq rollout --release {manifest.version} --group pilots")
    return 0


def _rollout(args: argparse.Namespace) -> int:
    from hq.fleet.release_metadata import read_metadata
    from hq.fleet.releases import release_folder, roll_out
    from kiosk.releases.metadata import parse_metadata

    for scope in ("store", "device", "group", "percent"):
        value = getattr(args, scope)
        if value is not None:
            target = str(value)
            break
    else:
        scope, target = "all", ""
    url, session = _open(args)
    with session:
        roll_out(session, args.release, scope, target, datetime.now(UTC))
    who = {"all": "every device", "percent": f"{target} % of the fleet"}.get(
        scope, f"{scope} {target}"
    )
    print(f"{who} should now run {args.release}; kiosks take it in their closed hours")
    held = read_metadata(release_folder(url))
    metadata = parse_metadata(held[0]) if held else None
    if metadata is None or args.release not in metadata.releases:
        print(f"but the release metadata HQ holds does not list {args.release}: kiosks"
              " refuse it until a bundle of hymio release build or metadata lists it")  # fmt: skip
    elif args.release not in metadata.rollback_to:
        print(f"kiosks on a newer release than {args.release} keep theirs (a rollback needs"
              f" hymio release metadata --rollback-to {args.release})")  # fmt: skip
    return 0


def _group(args: argparse.Namespace) -> int:
    from hq.fleet.releases import add_to_group

    _url, session = _open(args)
    with session:
        added = add_to_group(session, args.group, args.device)
    print(f"{added} device(s) added to group {args.group}")
    return 0
