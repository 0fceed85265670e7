"""The survey settings HQ sends (``GET /api/v1/config``), laid over the local settings file.

Sync writes HQ's ``survey`` and ``hours`` tables to ``hq-survey.json`` next to the
database, atomically (a temporary file, fsync, rename), only after checking that they make
valid settings for this kiosk. The kiosk reads them with :func:`apply_overlay`; without
the file, or when HQ has none (version 0), the local file's own tables are used. HQ's
staff PIN hash, if it sent one, is kept in the same file and used where the local file
sets none (:func:`merge`), and so is the store's message to its shoppers
(:func:`read_messages`, :mod:`kiosk.store_message`). When HQ has moved the kiosk to
another store, HQ's ``store_id`` (and the new store's ``timezone``) is kept there too
and stamps every rating recorded from then on (the local file's ``[device] store_id`` is
the store it was set up in); ratings already recorded keep the store they were recorded in.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from kiosk.errors import SettingsError
from kiosk.settings.load import parse_settings
from kiosk.settings.model import Settings
from kiosk.store_message import clean_messages

log = logging.getLogger(__name__)

OVERLAY_NAME = "hq-survey.json"
TABLES = ("survey", "hours")


def overlay_path(settings: Settings) -> Path:
    """Where sync keeps HQ's survey settings for this kiosk."""
    return settings.storage.path.with_name(OVERLAY_NAME)


def hq_pin_hash(body: dict[str, Any]) -> str | None:
    """The staff PIN hash HQ sent in *body* (``staff.pin_hash``), or None."""
    staff = body.get("staff")
    return staff.get("pin_hash") if isinstance(staff, dict) else None


def hq_messages(body: dict[str, Any]) -> dict[str, str]:
    """The store's messages HQ sent in *body* (``message``: language → one line), the
    usable ones only; ``{}`` from an HQ that sends none."""
    return clean_messages(body.get("message"))


def hq_store(body: dict[str, Any]) -> str | None:
    """The store HQ says the kiosk is in (``store_id``), or None from an HQ that sends none."""
    store = body.get("store_id")
    return store if isinstance(store, str) and store else None


def hq_zone(body: dict[str, Any]) -> str | None:
    """The time zone of the store HQ moved the kiosk to (``timezone``), or None."""
    zone = body.get("timezone")
    return zone if isinstance(zone, str) and zone and hq_store(body) else None


def moved(settings: Settings, body: dict[str, Any]) -> bool:
    """Whether HQ's answer *body* puts the kiosk in another store than *settings* name."""
    store = hq_store(body)
    return store is not None and store != settings.device.store_id


def overlay_body(body: dict[str, Any]) -> dict[str, Any]:
    """What of HQ's answer *body* is kept in the overlay file."""
    kept = {k: body.get(k) for k in ("version", *TABLES)}
    if hq_store(body):
        kept["store_id"] = hq_store(body)
    if hq_zone(body):
        kept["timezone"] = hq_zone(body)
    if hq_pin_hash(body):
        kept["staff"] = {"pin_hash": hq_pin_hash(body)}
    if hq_messages(body):
        kept["message"] = hq_messages(body)
    return kept


def merge(settings: Settings, body: dict[str, Any]) -> Settings:
    """*settings* with HQ's tables from *body* (``{"version", "survey", "hours", "staff",
    "store_id"}``).

    HQ's version becomes ``survey.version``, so each rating names the settings it was
    given under; HQ's ``store_id`` becomes ``device.store_id`` (HQ decides which store a
    kiosk is in: a move at HQ reaches the kiosk this way), and its ``timezone`` (the new
    store's) ``device.timezone``. HQ's staff PIN hash is used
    only when the local file has no ``[staff] pin_hash``: a PIN set on the kiosk with
    ``hymio set-pin`` always wins there.
    Raises :class:`SettingsError` when the result is not valid here.
    """
    version = body.get("version")
    surveyed = isinstance(version, int) and not isinstance(version, bool) and version >= 1
    pin_hash = hq_pin_hash(body)
    if not surveyed and pin_hash is None and not moved(settings, body):
        return settings
    data = tomllib.loads(settings.source.read_text(encoding="utf-8"))
    if moved(settings, body):
        data["device"] = {**data.get("device", {}), "store_id": hq_store(body)}
        if hq_zone(body):  # the new store's days and hours are counted in its zone
            data["device"]["timezone"] = hq_zone(body)
    if surveyed:
        local_hours = data.get("hours", {})
        for table in TABLES:
            if isinstance(body.get(table), dict) and body[table]:
                data[table] = dict(body[table])
        hours = body.get("hours")
        if (
            isinstance(hours, dict)
            and set(hours) == {"exceptions"}
            and isinstance(local_hours, dict)
        ):
            # only the store's holidays from HQ: the week stays the local file's
            data["hours"] = {**local_hours, **hours}
        data["survey"] = {**data.get("survey", {}), "version": version}
    staff = data.get("staff", {})
    if pin_hash is not None and isinstance(staff, dict) and "pin_hash" not in staff:
        data["staff"] = {**staff, "pin_hash": pin_hash}
    return parse_settings(data, settings.source)


def write_overlay(path: Path, body: dict[str, Any]) -> None:
    """Replace the overlay at *path* with *body* in one step (never half a file)."""
    fd, tmp = tempfile.mkstemp(prefix=".hq-survey-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(body, out, ensure_ascii=False, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def read_overlay(path: Path) -> dict[str, Any] | None:
    """The overlay's body, or None when there is none (or it cannot be read)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring HQ's survey settings in %s: %s", path, exc)
        return None
    return body if isinstance(body, dict) else None


def read_messages(settings: Settings) -> dict[str, str]:
    """The store's messages to its shoppers that sync last pulled from HQ (``{}``: none)."""
    body = read_overlay(overlay_path(settings))
    return hq_messages(body) if body is not None else {}


def apply_overlay(settings: Settings) -> Settings:
    """The settings the kiosk should use now: the local file, with HQ's survey if any."""
    body = read_overlay(overlay_path(settings))
    if body is None:
        return settings
    try:
        return merge(settings, body)
    except (SettingsError, OSError, tomllib.TOMLDecodeError) as exc:
        log.warning("keeping the local survey settings; HQ's do not fit: %s", exc)
        return settings
