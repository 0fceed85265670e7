"""``hymio release keygen``, ``build`` and ``metadata``: the release key, signed release
bundles for HQ to serve (issue 17), and the signed release metadata that says which
releases kiosks may install and whether they may roll back (issue 27). Run them where
releases are built, not at HQ: whoever holds the private key decides what kiosks install."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kiosk.errors import HymioError


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``release`` and its subcommands."""
    release = commands.add_parser("release", help="make the release key; build signed releases")
    sub = release.add_subparsers(dest="release_command", metavar="RELEASE_COMMAND", required=True)
    p = sub.add_parser("keygen", help="make a release key (private file and public key)")
    p.add_argument("--key", required=True, type=Path, help="the new private key file (mode 0600)")
    p.set_defaults(run=_keygen)
    p = sub.add_parser("build", help="a signed release bundle from a hymio wheel")
    p.add_argument("--wheel", required=True, type=Path, help="the hymio wheel (python -m build)")
    p.add_argument("--key", required=True, type=Path, help="the private release key")
    p.add_argument("--out", required=True, type=Path, help="the folder for the bundle")
    p.add_argument("--extras", default="pi", help="the wheel's extras to include (default pi)")
    p.add_argument(
        "--for-pi",
        action="store_true",
        help="a Raspberry Pi's wheels and Python (Raspberry Pi OS bookworm, 64-bit), built on"
        " any machine",
    )
    _expires_option(p)
    p.set_defaults(run=_build)
    p = sub.add_parser(
        "metadata",
        help="sign the next release metadata: a fleet rollback, a withdrawn release, a later"
        " expiry",
    )
    p.add_argument("--key", required=True, type=Path, help="the private release key")
    p.add_argument(
        "--out", required=True, type=Path,
        help="the folder of the builds (its release-metadata.json is the one continued)",
    )  # fmt: skip
    p.add_argument(
        "--rollback-to", action="append", default=[], metavar="VERSION",
        help="kiosks on a newer release may go back to this listed one (repeat for more)",
    )  # fmt: skip
    p.add_argument(
        "--withdraw", action="append", default=[], metavar="VERSION",
        help="take a release off the list: no kiosk installs it any more",
    )  # fmt: skip
    _expires_option(p)
    p.set_defaults(run=_metadata)


def _expires_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--expires-in", type=float, default=30.0, metavar="DAYS",
        help="days until kiosks refuse this release metadata (default 30): sign it afresh"
        " (hymio release metadata) before then",
    )  # fmt: skip


def _keygen(args: argparse.Namespace) -> int:
    from kiosk.releases.manifest import new_key

    if args.key.exists():
        raise HymioError(f"{args.key} exists already; a release key is never overwritten")
    pem, public = new_key()
    fd = os.open(args.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    args.key.with_name(args.key.name + ".pub").write_text(public + "\n")
    print(f"private release key in {args.key} (mode 0600): keep it off HQ, back it up")
    print("the public key, for [hq] release_key in every kiosk's settings:")
    print(public)
    return 0


def _build(args: argparse.Namespace) -> int:
    from hymio.update.build import build_release

    _days(args.expires_in)
    args.out.mkdir(parents=True, exist_ok=True)
    bundle = build_release(
        args.wheel, args.key, args.out, args.extras, args.expires_in, for_pi=args.for_pi
    )
    print(f"release bundle {bundle}; at HQ: hymio hq add-release --file {bundle.name}")
    return 0


def _metadata(args: argparse.Namespace) -> int:
    from hymio.update.build import metadata_bundle

    _days(args.expires_in)
    args.out.mkdir(parents=True, exist_ok=True)
    bundle = metadata_bundle(
        args.key, args.out, args.expires_in,
        withdraw=tuple(args.withdraw), rollback_to=tuple(args.rollback_to),
    )  # fmt: skip
    print(f"release metadata {bundle}; at HQ: hymio hq add-release --file {bundle.name}")
    return 0


def _days(days: float) -> None:
    if not 1 <= days <= 366:
        raise HymioError(f"--expires-in {days:g}: give 1 to 366 days")
