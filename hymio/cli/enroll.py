"""``hymio enroll``: register this kiosk at HQ with an enrol code and write what HQ gives
back (``[hq] url``, ``token``, ``[device] id``, ``store_id``) into the settings file.

HQ's address and the code come either as ``--hq URL --code CODE`` or as the enrolment link
an enrol code's QR code holds (``hymio enroll 'hymio-enrol:?hq=…&code=…'``,
:mod:`kiosk.settings.enrol_link`); a malformed link is a usage error, exit 2.

Nothing is sent before the settings file is known to be valid and writable with the new
values, so a wrong code, an unreachable HQ or a taken id leave the file as it was.
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
import tomllib
from pathlib import Path

import requests
from pydantic import ValidationError

from kiosk.errors import HymioError
from kiosk.settings.edit import check_writable, set_values, write_settings
from kiosk.settings.enrol_link import EnrolLinkError, read_enrol_link
from kiosk.settings.load import add_config_option, load_settings, parse_settings
from kiosk.settings.model import HQ, ID_PATTERN

PLACEHOLDER_TOKEN = "t" * 43  # a token's shape, to check the edited file before asking HQ
TIMEOUT = 30


class EnrolError(HymioError):
    """HQ refused the enrolment or could not be reached; the message says why."""


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``enroll``."""
    p = commands.add_parser("enroll", help="register this kiosk at HQ with an enrol code")
    add_config_option(p)
    p.add_argument(
        "link",
        nargs="?",
        default=None,
        metavar="LINK",
        help="the enrolment link the code's QR code holds, hymio-enrol:?hq=…&code=… (quote it),"
        " in place of --hq and --code",
    )
    p.add_argument("--hq", default=None, metavar="URL", help="HQ's address, https://…")
    p.add_argument("--code", default=None, help="the code from HQ's enrol codes page")
    p.add_argument(
        "--device-id",
        default=None,
        help="this kiosk's id (default: the [device] id in the settings file, else the host name)",
    )
    p.set_defaults(run=run)


def device_id(given_id: str | None, text: str) -> tuple[str, str]:
    """This kiosk's id and where it comes from: *given_id* (``--device-id``), else the
    ``[device] id`` already in the settings *text*, else the host name."""
    if given_id is not None:
        return given_id, "--device-id"
    device = tomllib.loads(text).get("device")
    if isinstance(device, dict) and isinstance(device.get("id"), str):
        return device["id"], "[device] id"
    return socket.gethostname(), "the host name"


def usage_problem(name: str, where: str, url: str) -> str | None:
    """What is wrong with the device id *name* (from *where*) or *url*, if anything."""
    if not re.match(ID_PATTERN, name):
        return (
            f"{where} {name!r} is not a usable device id (1–64 letters, digits, '.', '_' or"
            " '-', starting with a letter or digit); give --device-id ID"
        )
    try:
        HQ(url=url)
    except ValidationError as e:
        return f"--hq {url!r}: {e.errors()[0]['msg'].removeprefix('Value error, ')}"
    return None


def where_and_code(args: argparse.Namespace) -> tuple[str, str]:
    """HQ's address and the code: from the enrolment link, or from ``--hq`` and
    ``--code``; an :class:`EnrolLinkError` saying what is missing or wrong."""
    if args.link is not None:
        if args.hq is not None or args.code is not None:
            raise EnrolLinkError("give the enrolment link or --hq and --code, not both")
        return read_enrol_link(args.link)
    if args.hq is None or args.code is None:
        raise EnrolLinkError(
            "give the enrolment link (hymio-enrol:?hq=…&code=…) or both --hq URL and --code CODE"
        )
    return args.hq, args.code


def run(args: argparse.Namespace) -> int:
    path = Path(args.config)
    load_settings(path)  # refuse to edit a file that is already broken
    try:
        url, code = where_and_code(args)
    except EnrolLinkError as e:
        print(f"hymio enroll: {e}; nothing changed", file=sys.stderr)
        return 2
    url = url.rstrip("/")
    text = path.read_text(encoding="utf-8")
    name, where = device_id(args.device_id, text)
    problem = usage_problem(name, where, url)
    if problem:
        print(f"hymio enroll: {problem}; nothing changed", file=sys.stderr)
        return 2
    # Check the edit before asking HQ: a bad --hq, a file that cannot be written.
    trial = _edited(text, url, PLACEHOLDER_TOKEN, name, "store")
    parse_settings(tomllib.loads(trial), path)
    check_writable(path)
    answer = _enrol(url, code, name)
    write_settings(path, _edited(text, url, answer["token"], name, answer["store_id"]))
    print(f"enrolled as device {name} in store {answer['store_id']} at {url} (the id: {where})")
    print(f"wrote [hq] url, token and [device] id, store_id to {path} (mode 0600)")
    return 0


def _edited(text: str, url: str, token: str, device_id: str, store_id: str) -> str:
    text = set_values(text, "device", {"id": device_id, "store_id": store_id})
    return set_values(text, "hq", {"url": url, "token": token})


def _enrol(url: str, code: str, device_id: str) -> dict:
    """HQ's answer to the enrolment: ``device_id``, ``store_id``, ``token``."""
    try:
        reply = requests.post(
            f"{url}/api/v1/enrol", json={"code": code, "device_id": device_id}, timeout=TIMEOUT
        )
    except requests.RequestException as e:
        raise EnrolError(f"cannot reach HQ at {url}: {type(e).__name__}; nothing changed") from None
    try:
        body = reply.json()
    except ValueError:
        body = None
    if reply.status_code == 201 and isinstance(body, dict) and "token" in body:
        return body
    error = body.get("error") if isinstance(body, dict) else None
    why = error.get("message") if isinstance(error, dict) else f"HTTP {reply.status_code}"
    raise EnrolError(f"HQ at {url} refused the enrolment: {why}; nothing changed")
