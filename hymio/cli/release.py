"""``hymio release keygen`` and ``hymio release build``: the release key, and signed
release bundles for HQ to serve (issue 17). Run them where releases are built, not at
HQ: whoever holds the private key decides what kiosks install."""

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
    p.set_defaults(run=_build)


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

    args.out.mkdir(parents=True, exist_ok=True)
    bundle = build_release(args.wheel, args.key, args.out, args.extras)
    print(f"release bundle {bundle}; at HQ: hymio hq add-release --file {bundle.name}")
    return 0
