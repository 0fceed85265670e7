"""``hymio set-pin``: set the staff PIN in the settings file (kept only as a scrypt hash),
or with ``--use-hq`` remove it, so that the PIN set at HQ applies on this kiosk."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from kiosk import pin
from kiosk.settings.load import add_config_option, load_settings

_LINE = re.compile(r"^\s*pin_hash\s*=.*$", re.MULTILINE)
_TABLE = re.compile(r"^\s*\[staff\]\s*(#.*)?$", re.MULTILINE)


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``set-pin``."""
    p = commands.add_parser("set-pin", help="set the staff PIN (asks twice; stored hashed)")
    add_config_option(p)
    p.add_argument(
        "--use-hq",
        action="store_true",
        help="remove the kiosk's own PIN, so the one set at HQ (hymio hq set-pin) applies",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.config)
    load_settings(path)  # refuse to edit a file that is already broken
    if args.use_hq:
        _replace(path, without_pin_hash(path.read_text(encoding="utf-8")))
        print(f"the kiosk's own staff PIN is removed from {path}; HQ's applies")
        return 0
    try:
        entered = pin.ask_pin()
    except ValueError as e:
        print(f"hymio: {e}; nothing was changed", file=sys.stderr)
        return 2
    _replace(path, set_pin_hash(path.read_text(encoding="utf-8"), pin.hash_pin(entered)))
    print(f"staff PIN set in {path}")
    return 0


def _replace(path: Path, text: str) -> None:
    """Replace *path* with *text* once the new text loads as valid settings."""
    tmp = path.with_name(f".{path.name}.new")
    tmp.write_text(text, encoding="utf-8")
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777)
        load_settings(tmp)  # the edited file must still be valid before it replaces the old
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def set_pin_hash(text: str, hashed: str) -> str:
    """*text* (a settings file) with ``[staff] pin_hash`` set, comments kept."""
    line = f'pin_hash = "{hashed}"'
    staff = _TABLE.search(text)
    if staff is None:
        return text.rstrip("\n") + f"\n\n[staff]\n{line}\n"
    following = re.search(r"^\s*\[", text[staff.end() :], re.MULTILINE)
    end = staff.end() + following.start() if following else len(text)
    body = text[staff.end() : end]
    if _LINE.search(body):
        body = _LINE.sub(line.replace("\\", "\\\\"), body, count=1)
    else:
        body = f"\n{line}" + body
    return text[: staff.end()] + body + text[end:]


def without_pin_hash(text: str) -> str:
    """*text* (a settings file) without the ``[staff] pin_hash`` line, comments kept."""
    staff = _TABLE.search(text)
    if staff is None:
        return text
    following = re.search(r"^\s*\[", text[staff.end() :], re.MULTILINE)
    end = staff.end() + following.start() if following else len(text)
    body = re.sub(r"^[ \t]*pin_hash[ \t]*=.*(\n|\Z)", "", text[staff.end() : end], count=1,
                  flags=re.MULTILINE)  # fmt: skip
    return text[: staff.end()] + body + text[end:]
