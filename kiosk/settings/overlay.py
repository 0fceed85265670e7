"""The survey settings HQ sends (``GET /api/v1/config``), laid over the local settings file.

Sync writes HQ's ``survey`` and ``hours`` tables to ``hq-survey.json`` next to the
database, atomically (a temporary file, fsync, rename), only after checking that they make
valid settings for this kiosk. The kiosk reads them with :func:`apply_overlay`; without
the file, or when HQ has none (version 0), the local file's own tables are used.
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

log = logging.getLogger(__name__)

OVERLAY_NAME = "hq-survey.json"
TABLES = ("survey", "hours")


def overlay_path(settings: Settings) -> Path:
    """Where sync keeps HQ's survey settings for this kiosk."""
    return settings.storage.path.with_name(OVERLAY_NAME)


def merge(settings: Settings, body: dict[str, Any]) -> Settings:
    """*settings* with HQ's tables from *body* (``{"version", "survey", "hours"}``).

    HQ's version becomes ``survey.version``, so each rating names the settings it was
    given under. Raises :class:`SettingsError` when the result is not valid here.
    """
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return settings
    data = tomllib.loads(settings.source.read_text(encoding="utf-8"))
    for table in TABLES:
        if isinstance(body.get(table), dict) and body[table]:
            data[table] = dict(body[table])
    data["survey"] = {**data.get("survey", {}), "version": version}
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
